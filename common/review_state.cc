#include "common/review_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/record_id.h"

namespace fieldsync {
namespace {

bool Reviews(const ReviewEntry& r, const Stamp& head) {
  return r.revision_device_id == head.device_id &&
         r.revision_device_seq == head.device_seq;
}

}  // namespace

absl::string_view ReviewStatusName(ReviewStatus status) {
  switch (status) {
    case ReviewStatus::kUnreviewed:
      return "unreviewed";
    case ReviewStatus::kQuestioned:
      return "questioned";
    case ReviewStatus::kRejected:
      return "rejected";
    case ReviewStatus::kAnswered:
      return "answered";
    case ReviewStatus::kAccepted:
      return "accepted";
  }
  return "unreviewed";
}

ReviewState DeriveReviewState(const Stamp& head,
                              const std::vector<ReviewEntry>& reviews) {
  std::vector<const ReviewEntry*> of_head;
  for (const ReviewEntry& r : reviews) {
    if (Reviews(r, head)) of_head.push_back(&r);
  }
  std::sort(of_head.begin(), of_head.end(),
            [](const ReviewEntry* a, const ReviewEntry* b) {
              return a->stamp < b->stamp;
            });
  ReviewState state;
  for (const ReviewEntry* r : of_head) {
    switch (r->verdict) {
      case v1::REVIEW_VERDICT_ACCEPT:
        state = ReviewState{ReviewStatus::kAccepted, *r, std::nullopt};
        break;
      case v1::REVIEW_VERDICT_QUESTION:
        state = ReviewState{ReviewStatus::kQuestioned, *r, std::nullopt};
        break;
      case v1::REVIEW_VERDICT_REJECT:
        state = ReviewState{ReviewStatus::kRejected, *r, std::nullopt};
        break;
      case v1::REVIEW_VERDICT_ANSWER:
        // An answer with nothing to answer (stored before the verdict it
        // answered was taken back) changes nothing.
        if (state.status == ReviewStatus::kQuestioned ||
            state.status == ReviewStatus::kRejected ||
            state.status == ReviewStatus::kAnswered) {
          state.status = ReviewStatus::kAnswered;
          state.answer = *r;
        }
        break;
      default:
        break;
    }
  }
  return state;
}

RuleVerdict CheckRevisionNotLocked(const ReviewedRecord& record) {
  if (record.state.status != ReviewStatus::kAccepted) return std::nullopt;
  return RuleRefusal{
      RevisionRule::kAcceptedIsLocked,
      absl::StrCat("the record was accepted by reviewer ",
                   record.state.verdict ? record.state.verdict->author : "",
                   " and is locked: an accepted record cannot be revised "
                   "(ask the reviewer to question it if it must change)")};
}

RuleVerdict CheckReview(const std::optional<ReviewedRecord>& record,
                        const v1::Review& review, const Stamp& stamp) {
  const std::string id = IdToString(review.record_id());
  if (!record.has_value()) {
    return RuleRefusal{RevisionRule::kReviewOfHeldRecord,
                       absl::StrCat("review.record_id: no record ", id,
                                    " is held (it was never accepted, or is "
                                    "outside the areas held)")};
  }
  if (record->county != review.area().county_code()) {
    // Says which county it is not in, never which it is in: the reviewer
    // may not see that county.
    return RuleRefusal{
        RevisionRule::kReviewOfHeldRecord,
        absl::StrCat("review.area.county_code: record ", id,
                     " is not in county ", review.area().county_code())};
  }
  if (record->township != review.area().township_code()) {
    return RuleRefusal{
        RevisionRule::kReviewOfHeldRecord,
        absl::StrCat(
            "review.area.township_code \"", review.area().township_code(),
            "\" is not the township of record ", id,
            "'s current revision: a review carries its record's area")};
  }
  const bool answer = review.verdict() == v1::REVIEW_VERDICT_ANSWER;
  if (answer && review.author() != record->author) {
    return RuleRefusal{
        RevisionRule::kOnlyAuthorAnswers,
        absl::StrCat("only the record's author (", record->author,
                     ") may answer a review; ", review.author(), " may not")};
  }
  if (review.revision().device_id() != record->head.device_id ||
      review.revision().device_seq() != record->head.device_seq) {
    return RuleRefusal{
        RevisionRule::kReviewOfCurrentRevision,
        absl::StrCat("record ", id,
                     " was revised after the revision this review was made "
                     "on: sync, read its latest revision and review again")};
  }
  const std::optional<ReviewEntry>& latest =
      record->state.answer ? record->state.answer : record->state.verdict;
  if (latest && stamp < latest->stamp) {
    return RuleRefusal{
        RevisionRule::kReviewIsNewest,
        absl::StrCat("record ", id, " has a later review (by ", latest->author,
                     ") than this one: sync, read it and review again")};
  }
  if (answer && record->state.status != ReviewStatus::kQuestioned &&
      record->state.status != ReviewStatus::kRejected &&
      record->state.status != ReviewStatus::kAnswered) {
    return RuleRefusal{
        RevisionRule::kAnswerNeedsQuestion,
        absl::StrCat("record ", id, " has no open question to answer (it is ",
                     ReviewStatusName(record->state.status), ")")};
  }
  return std::nullopt;
}

}  // namespace fieldsync
