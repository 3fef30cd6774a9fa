// What the device's user reads about reviews (common/review_state.h): a
// record's history (every revision and every review, in stamp order, with
// who, which device, when made and whether the server has it), the review
// state of each record, and the reviews waiting for the user.
//
// States are derived from the reviews the device holds (its own pending ones
// included), like everything else it shows: the same rules as the server's,
// so what the device shows is what the server will hold once synced, unless
// the server refuses a pending change. Read-only; runs under LocalStore's
// lock.
#ifndef FIELDSYNC_CLIENT_CORE_REVIEW_QUERIES_H_
#define FIELDSYNC_CLIENT_CORE_REVIEW_QUERIES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client_core/store_queries.h"
#include "common/derived_state.h"
#include "common/review_state.h"
#include "common/sqlite_db.h"
#include "fieldsync/client.h"

namespace fieldsync {

// The public form of a derived review state.
RecordReview ToRecordReview(const ReviewState& state);

class ReviewQueries {
 public:
  // Everything must outlive the object; `device_id` is this device's.
  ReviewQueries(Db* db, DerivedState* derived, StoreQueries* records,
                std::string device_id)
      : db_(db),
        derived_(derived),
        records_(records),
        device_id_(std::move(device_id)) {}

  // NOT_FOUND if no revision of `id` is held.
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& id,
                                                    uint64_t outcome_hw);
  // Sets the review of each view that has reviews held.
  absl::Status FillReviews(std::vector<RecordView>* views);
  // The reviews waiting for `user`: questions and rejections of their
  // records, answers to their verdicts; oldest verdict first.
  absl::StatusOr<std::vector<ReviewTask>> Tasks(const std::string& user);

 private:
  // The reviews of `id` in the change tables (own ones with their state).
  absl::Status AppendReviews(const std::string& id, uint64_t outcome_hw,
                             std::vector<HistoryEntry>* out);

  Db* db_;
  DerivedState* derived_;
  StoreQueries* records_;
  const std::string device_id_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_REVIEW_QUERIES_H_
