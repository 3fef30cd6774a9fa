// The outbox: this device's own changes (own_changes, change_tables.h), from
// recording to the server's outcome.
//
// Invariant: the server decides outcomes in device-sequence order and
// returns them per batch, so the own changes with an outcome are exactly
// those with device_seq <= outcome_hw (meta, device_meta.h). An own change
// is pending above it, rejected if marked so (with the server's code and
// reason), accepted otherwise: accepting a batch writes one meta row, not
// one row per change. Own changes are never deleted, so every device_seq
// below next_seq exists; the running byte totals in meta (own_bytes,
// answered_bytes) give the pending bytes without a scan.
//
// Recording applies the revision rules (derived state first: a refused
// change writes nothing) and takes the sequence and the clock from the
// store inside the transaction, so two processes on one home never reuse a
// sequence. Outcomes are applied once: those up to the stored high-water
// (another process may have synced) are skipped, and it never moves back.
//
// Every call runs in the caller's transaction, under LocalStore's lock;
// the outbox keeps nothing in memory between calls.
#ifndef FIELDSYNC_CLIENT_CORE_OUTBOX_H_
#define FIELDSYNC_CLIENT_CORE_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client_core/change_tables.h"
#include "client_core/device_meta.h"
#include "client_core/feed_applier.h"
#include "common/clock.h"
#include "common/derived_state.h"
#include "common/hlc.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/sync.pb.h"

namespace fieldsync {

// The state of own change `device_seq` (the invariant above).
inline ChangeState OwnState(uint64_t device_seq, bool rejected,
                            uint64_t outcome_hw) {
  if (device_seq > outcome_hw) return ChangeState::kPending;
  return rejected ? ChangeState::kRejected : ChangeState::kAccepted;
}

// A change as recorded: its sequence and HLC.
struct Recorded {
  uint64_t device_seq = 0;
  uint64_t hlc = 0;
};

// Where the outcomes left the outbox and the feed cursor.
struct OutcomesApplied {
  uint64_t outcome_hw = 0;
  // An accepted change placed in the feed right after the cursor is
  // confirmed by its outcome: the cursor moves over it.
  uint64_t cursor = 0;
  uint64_t confirmed = 0;  // changes the cursor moved over
  std::vector<Rejection> rejections;
};

class Outbox {
 public:
  // Every pointer must outlive the outbox.
  Outbox(Db* db, DeviceMeta* meta, ChangeTables* tables, DerivedState* derived,
         FeedApplier* feed, HybridLogicalClock* hlc, const Clock* clock,
         std::string device_id)
      : db_(db),
        meta_(meta),
        tables_(tables),
        derived_(derived),
        feed_(feed),
        hlc_(hlc),
        clock_(clock),
        device_id_(std::move(device_id)) {}

  // Records `body` as the next own change. `next_seq` is the caller's idea
  // of the next sequence (the store's is used when greater). The rule's
  // refusal comes back as its status (PERMISSION_DENIED or
  // FAILED_PRECONDITION, revision_rules.h) with nothing written;
  // RESOURCE_EXHAUSTED if the body is over the size limit.
  absl::StatusOr<Recorded> Record(const v1::ChangeBody& body, RecordKind kind,
                                  const std::string& county,
                                  const std::string& subject,
                                  uint64_t next_seq);

  // Counts and bytes of pending changes.
  absl::Status PendingTotals(uint64_t next_seq, uint64_t* count,
                             uint64_t* bytes);
  // Up to `max_count` changes with device_seq > max(after, outcome_hw), at
  // most `max_bytes` of bodies (at least one change if any), in order.
  absl::Status PendingBatch(uint64_t after, uint64_t outcome_hw,
                            uint32_t max_count, uint64_t max_bytes,
                            v1::UploadRequest* request);
  // Pending changes whose record author is not `user`.
  absl::StatusOr<uint64_t> PendingByOthers(const std::string& user,
                                           uint64_t outcome_hw);

  // Applies the server's outcomes for `request`, starting from the caller's
  // high-water and cursor.
  absl::StatusOr<OutcomesApplied> ApplyOutcomes(
      const v1::UploadRequest& request, const v1::UploadResponse& response,
      uint64_t outcome_hw, uint64_t cursor);

  // Sets the running byte totals from the rows (a store from before them).
  absl::Status CountOwnBytes();

 private:
  // A rejected own change leaves the derived state; what it held back
  // comes in. Returns what the user is told.
  absl::StatusOr<Rejection> Reject(const v1::ChangeOutcome& o,
                                   const v1::Change& sent);

  Db* db_;
  DeviceMeta* meta_;
  ChangeTables* tables_;
  DerivedState* derived_;
  FeedApplier* feed_;
  HybridLogicalClock* hlc_;
  const Clock* clock_;
  const std::string device_id_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_OUTBOX_H_
