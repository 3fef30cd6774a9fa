// Applies what the server's feed brings to the device: each page's changes
// from other devices go into received_changes (change_tables.h) and the
// derived state (common/derived_state.h); the device's own changes in the
// feed are confirmations, already held.
//
// Invariants:
//   - A page is applied whole or not at all: the caller runs Apply in one
//     transaction with the cursor's new value, so a break resumes from the
//     last whole page. A change already held (server_seq seen) is skipped,
//     so a page read twice changes nothing.
//   - Nothing received is dropped. A body this client cannot read (a newer
//     client's kind) is kept with kind kUnknown, outside the derived state.
//   - A change the derived state refuses was accepted by the server, so what
//     refuses it here is one of this device's pending changes (an edit that
//     put an entity in another county), which the server will reject: the
//     change is kept and marked deferred, and ReleaseDeferred folds it in
//     once that pending change is rejected.
//   - New records known by their header go into the derived state in groups
//     (DerivedState::InsertNewRecords), which decides exactly as one by one.
//
// Runs in the caller's transaction, under LocalStore's lock.
#ifndef FIELDSYNC_CLIENT_CORE_FEED_APPLIER_H_
#define FIELDSYNC_CLIENT_CORE_FEED_APPLIER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client_core/change_tables.h"
#include "common/derived_state.h"
#include "common/hlc.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/sync.pb.h"

namespace fieldsync {

// What applying a page did.
struct PageResult {
  uint64_t cursor = 0;       // the last server_seq now applied
  uint64_t confirmed = 0;    // own changes the page confirmed
  uint64_t from_others = 0;  // changes from other devices newly held
};

class FeedApplier {
 public:
  // Every pointer must outlive the applier; `device_id` is this device's.
  FeedApplier(Db* db, ChangeTables* tables, DerivedState* derived,
              HybridLogicalClock* hlc, std::string device_id)
      : db_(db),
        tables_(tables),
        derived_(derived),
        hlc_(hlc),
        device_id_(std::move(device_id)) {}

  // Applies the entries of `page` after `cursor` (the main cursor, or an
  // area's back-fill cursor); the clock observes the newest HLC received.
  absl::StatusOr<PageResult> Apply(const v1::DownloadPage& page,
                                   uint64_t cursor, int64_t now_ms);

  // Folds into the derived state the deferred changes of `subject` (a
  // record id or an entity key) that no pending own change holds back any
  // more. A deferred row that can no longer be parsed stays deferred and is
  // counted by the status (store_queries.h), never dropped.
  absl::Status ReleaseDeferred(const std::string& subject);

 private:
  // Marks the change at `server_seq` deferred when `verdict` is a refusal.
  absl::Status DeferIfRefused(const absl::StatusOr<RuleVerdict>& verdict,
                              uint64_t server_seq);

  Db* db_;
  ChangeTables* tables_;
  DerivedState* derived_;
  HybridLogicalClock* hlc_;
  const std::string device_id_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_FEED_APPLIER_H_
