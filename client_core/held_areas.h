// The areas whose changes this device holds (held_areas, device_schema.h),
// and what follows when the user's areas change.
//
// The handshake tells the device its user's areas. Reconcile compares them
// with what is held:
//   - an added area gets a back-fill range: its changes the feed passed
//     before it was held are read for (backfill_after, backfill_up_to]
//     alone, so nothing already held is downloaded again;
//   - a removed area is purged: every received change it covered (and no
//     remaining area covers) is deleted and taken out of the derived state.
//     The device's own changes are kept: they are the inspector's own
//     evidence, already on the server;
//   - becoming an all-areas role re-reads the feed from the start (what is
//     held already is recognised and skipped).
//
// Runs in the caller's transaction, under LocalStore's lock.
#ifndef FIELDSYNC_CLIENT_CORE_HELD_AREAS_H_
#define FIELDSYNC_CLIENT_CORE_HELD_AREAS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client_core/change_tables.h"
#include "client_core/device_meta.h"
#include "common/areas.h"
#include "common/derived_state.h"
#include "common/sqlite_db.h"

namespace fieldsync {

// An area whose earlier changes are still to be read from the feed.
struct Backfill {
  std::string area;
  uint64_t after = 0;  // read up to here already
  uint64_t up_to = 0;
};

struct AreaChange {
  std::vector<Backfill> backfills;  // to read, before the main feed
  std::vector<std::string> added, removed;
  uint64_t purged = 0;      // received changes deleted
  bool reread_all = false;  // became an all-areas role: cursor reset to 0
};

class HeldAreaTable {
 public:
  // Every pointer must outlive the table.
  HeldAreaTable(Db* db, DeviceMeta* meta, ChangeTables* tables,
                DerivedState* derived)
      : db_(db), meta_(meta), tables_(tables), derived_(derived) {}

  // Adopts `now`, the user's areas, given the main feed's `cursor`.
  absl::StatusOr<AreaChange> Reconcile(const AreaSet& now, uint64_t cursor);

  // The areas held ("all counties" or codes), with back-fills not finished.
  absl::StatusOr<std::string> Describe();
  // The areas held; nullopt until a sync has told the device its user's.
  absl::StatusOr<std::optional<AreaSet>> Current();

  // The back-fill cursor of `area`; FAILED_PRECONDITION if it is no longer
  // held (the back-fill stops).
  absl::StatusOr<uint64_t> BackfillCursor(const std::string& area);
  absl::Status SetBackfillCursor(const std::string& area, uint64_t cursor);

 private:
  // Deletes the received changes `keep` does not cover; returns how many.
  absl::StatusOr<uint64_t> PurgeOutside(const AreaSet& keep);
  absl::StatusOr<std::vector<Backfill>> Backfills();
  // The areas held as stored (whether they are known yet aside).
  absl::StatusOr<AreaSet> Held();

  Db* db_;
  DeviceMeta* meta_;
  ChangeTables* tables_;
  DerivedState* derived_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_HELD_AREAS_H_
