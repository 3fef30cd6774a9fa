// A record's review state, derived from the reviews held of it, and the
// rules reviews and revisions keep with it. Pure functions over plain values:
// no database, no I/O (the stores read, these decide).
//
// State. Only the reviews of the record's current revision count; a review
// of an older revision is history. Among those, in stamp order (merge.h):
//   ACCEPT   -> accepted    (counts as evidence; the record is locked)
//   QUESTION -> questioned  (the author is asked to explain)
//   REJECT   -> rejected    (does not count; the author may revise)
//   ANSWER   -> answered    (after a question or a rejection: the
//                            reviewer's turn again)
// No verdict on the current revision: unreviewed. So a new revision reopens
// a questioned or rejected record, and a reviewer who questions an accepted
// record unlocks it. The state is a function of the set of reviews and the
// current revision: every replica holding the same changes derives the same.
//
// Rules (numbered after revision_rules.h's 1-4). They depend on the order
// in which changes arrive, so they are checked only where a change is
// decided: by the server as it receives it, and by the device before it
// saves its own. A replica applying the server's feed does not check them:
// the server's order already decided.
//   5. an accepted record is locked: a revision of it is refused;
//   6. a review is of a record held, and names the record's county and
//      township (its area decides which devices receive it: exactly those
//      that hold the record);
//   7. a review is of the record's current revision (a reviewer who has not
//      seen the latest revision reviews it again);
//   8. only the record's author answers (PERMISSION_DENIED, like rule 1);
//   9. an answer needs an open question or rejection;
//  10. a review is newer than the record's current verdict (a reviewer who
//      gave a verdict offline while another gave a later one syncs, reads
//      it and reviews again: an older verdict would change nothing).
// Refusals other than rule 8 are FAILED_PRECONDITION.
#ifndef FIELDSYNC_COMMON_REVIEW_STATE_H_
#define FIELDSYNC_COMMON_REVIEW_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/merge.h"
#include "common/record_kind.h"
#include "common/revision_rules.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

enum class ReviewStatus : int {
  kUnreviewed = 0,
  kQuestioned = 1,
  kRejected = 2,
  kAnswered = 3,
  kAccepted = 4,
};

// "unreviewed", "questioned", "rejected", "answered", "accepted".
absl::string_view ReviewStatusName(ReviewStatus status);

// One review held of a record.
struct ReviewEntry {
  Stamp stamp;  // of the review change
  v1::ReviewVerdict verdict = v1::REVIEW_VERDICT_UNSPECIFIED;
  std::string author;
  std::string text;
  // The origin of the revision reviewed.
  std::string revision_device_id;
  uint64_t revision_device_seq = 0;
};

struct ReviewState {
  ReviewStatus status = ReviewStatus::kUnreviewed;
  // The latest verdict on the current revision, and the author's latest
  // answer after it (if any).
  std::optional<ReviewEntry> verdict;
  std::optional<ReviewEntry> answer;
};

// The state of a record whose current revision has stamp `head`, given the
// reviews held of it (any order).
ReviewState DeriveReviewState(const Stamp& head,
                              const std::vector<ReviewEntry>& reviews);

// What a replica holds of a record when a review or revision of it arrives.
struct ReviewedRecord {
  std::string county;
  std::string author;
  Stamp head;  // its current revision
  ReviewState state;
  RecordKind kind = RecordKind::kUnknown;
  std::string township;  // of the current revision ("" if none)
};

// Rule 5: whether a revision of `record` may be stored.
RuleVerdict CheckRevisionNotLocked(const ReviewedRecord& record);

// Rules 6-10: whether `review`, made at `stamp`, may be stored, `record`
// being what is held of its record (nullopt: none).
RuleVerdict CheckReview(const std::optional<ReviewedRecord>& record,
                        const v1::Review& review, const Stamp& stamp);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_REVIEW_STATE_H_
