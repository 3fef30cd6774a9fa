// The rows of the device's two change tables (device_schema.h), written and
// read through one class: own_changes (this device's changes, by
// device_seq) and received_changes (other devices', by server_seq). The
// outbox, the feed applier, the held areas and the derived state's readers
// all go through it, so a change row has one layout in one place.
//
// Locators: the derived state (common/derived_state.h) names a change row by
// a locator: an own change by -device_seq, a received one by server_seq
// (> 0). OwnLocator is the one conversion.
//
// Every call runs in the caller's transaction, under LocalStore's lock.
// Bytes bound without copying (InsertReceived) must outlive the call.
#ifndef FIELDSYNC_CLIENT_CORE_CHANGE_TABLES_H_
#define FIELDSYNC_CLIENT_CORE_CHANGE_TABLES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/derived_state.h"
#include "common/record_kind.h"
#include "common/sqlite_db.h"

namespace fieldsync {

inline int64_t OwnLocator(uint64_t device_seq) {
  return -static_cast<int64_t>(device_seq);
}

// One own change as recorded.
struct OwnRow {
  uint64_t device_seq = 0;
  RecordKind kind = RecordKind::kUnknown;
  absl::string_view county;
  absl::string_view subject;  // a record id, or an entity key
  uint64_t hlc = 0;
  int64_t recorded_ms = 0;
  absl::string_view body;
};

// One change from another device, as the feed gave it.
struct ReceivedRow {
  uint64_t server_seq = 0;
  absl::string_view device_id;
  uint64_t device_seq = 0;
  RecordKind kind = RecordKind::kUnknown;  // kUnknown: not readable here
  absl::string_view county;
  absl::string_view subject;
  uint64_t hlc = 0;
  uint32_t flags = 0;
  int64_t received_ms = 0;  // by this device
  absl::string_view body;
  int64_t server_received_ms = 0;  // by the server (FeedEntry.received_ms)
};

class ChangeTables {
 public:
  // Prepares the statements; `db` must outlive the object, `device_id` is
  // this device's (the origin of every own change).
  static absl::StatusOr<std::unique_ptr<ChangeTables>> Prepare(
      Db* db, std::string device_id);

  absl::Status InsertOwn(const OwnRow& row);
  // False when the row was held already (the feed gave it before).
  absl::StatusOr<bool> InsertReceived(const ReceivedRow& row);

  // The server kept an own change at another HLC (a clamped clock).
  absl::Status SetOwnHlc(uint64_t device_seq, uint64_t hlc, uint32_t flags);
  // The server received own changes first..last at `received_ms` (one
  // statement per run of an upload's outcomes).
  absl::Status SetOwnReceived(uint64_t first, uint64_t last,
                              int64_t received_ms);
  // The server rejected an own change, with its code and reason.
  absl::Status RejectOwn(uint64_t device_seq, int code,
                         absl::string_view reason);
  // Marks a received change as kept out of the derived state (or not).
  absl::Status SetDeferred(uint64_t server_seq, bool deferred);
  absl::Status DeleteReceived(uint64_t server_seq);

  // What the tables hold of the change at `locator`: for the derived
  // state's RevisionReader. DATA_LOSS if no row is there.
  absl::StatusOr<HeldRevision> ReadHeldRevision(int64_t locator);
  // The revisions held of a record, rejected and deferred ones excluded:
  // for the derived state's RevisionLister.
  absl::StatusOr<std::vector<RevisionRef>> ListRevisions(
      const std::string& record_id);
  RevisionLister Lister() {
    return [this](const std::string& id) { return ListRevisions(id); };
  }

  ChangeTables(Db* db, std::string device_id)
      : db_(db), device_id_(std::move(device_id)) {}

 private:
  Db* db_;
  const std::string device_id_;
  std::unique_ptr<Stmt> insert_own_;
  std::unique_ptr<Stmt> insert_received_;
  std::unique_ptr<Stmt> own_change_;
  std::unique_ptr<Stmt> received_change_;
  std::unique_ptr<Stmt> set_own_hlc_;
  std::unique_ptr<Stmt> set_own_received_;
  std::unique_ptr<Stmt> reject_own_;
  std::unique_ptr<Stmt> set_deferred_;
  std::unique_ptr<Stmt> delete_received_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_CHANGE_TABLES_H_
