// A record's review state and the review rules alone, without a database
// (common/review_state.h). The server applying them as changes arrive is in
// tests/server/authz_review_test.cc; a device receiving reviews in
// tests/integration/review_test.cc.
#include "common/review_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fieldsync {
namespace {

const std::string kAuthorDevice(16, 'a');
const std::string kReviewerDevice(16, 'r');

// The record's revisions 1 and 2 (made on the author's device, seq 1 and 5).
const Stamp kFirst{100, kAuthorDevice, 1};
const Stamp kSecond{300, kAuthorDevice, 5};
// When a review under test is made: after every review in the tests.
const Stamp kNow{1000, kReviewerDevice, 99};

ReviewEntry Entry(uint64_t hlc, v1::ReviewVerdict verdict, const Stamp& of,
                  const std::string& author = "zhou") {
  ReviewEntry e;
  e.stamp = Stamp{
      hlc,
      verdict == v1::REVIEW_VERDICT_ANSWER ? kAuthorDevice : kReviewerDevice,
      hlc};
  e.verdict = verdict;
  e.author = author;
  e.text = "text";
  e.revision_device_id = of.device_id;
  e.revision_device_seq = of.device_seq;
  return e;
}

TEST(ReviewStateTest, NoReviewIsUnreviewed) {
  EXPECT_EQ(DeriveReviewState(kFirst, {}).status, ReviewStatus::kUnreviewed);
}

TEST(ReviewStateTest, TheLatestVerdictOnTheCurrentRevisionDecides) {
  const std::vector<ReviewEntry> reviews = {
      Entry(110, v1::REVIEW_VERDICT_QUESTION, kFirst),
      Entry(120, v1::REVIEW_VERDICT_ANSWER, kFirst, "ma"),
      Entry(130, v1::REVIEW_VERDICT_ACCEPT, kFirst),
  };
  const ReviewState s = DeriveReviewState(kFirst, reviews);
  EXPECT_EQ(s.status, ReviewStatus::kAccepted);
  ASSERT_TRUE(s.verdict.has_value());
  EXPECT_EQ(s.verdict->stamp.hlc, 130u);
  EXPECT_FALSE(s.answer.has_value());
  // The same set in any order gives the same state.
  std::vector<ReviewEntry> shuffled = reviews;
  std::mt19937 rng(7);
  for (int i = 0; i < 10; ++i) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(DeriveReviewState(kFirst, shuffled).status,
              ReviewStatus::kAccepted);
  }
  // Without the accept, the question was answered: the reviewer's turn.
  const ReviewState answered =
      DeriveReviewState(kFirst, {reviews[1], reviews[0]});
  EXPECT_EQ(answered.status, ReviewStatus::kAnswered);
  ASSERT_TRUE(answered.answer.has_value());
  EXPECT_EQ(answered.answer->author, "ma");
  EXPECT_EQ(answered.verdict->verdict, v1::REVIEW_VERDICT_QUESTION);
}

TEST(ReviewStateTest, ANewRevisionReopensTheRecord) {
  const std::vector<ReviewEntry> reviews = {
      Entry(110, v1::REVIEW_VERDICT_REJECT, kFirst)};
  EXPECT_EQ(DeriveReviewState(kFirst, reviews).status, ReviewStatus::kRejected);
  EXPECT_EQ(DeriveReviewState(kSecond, reviews).status,
            ReviewStatus::kUnreviewed);
}

TEST(ReviewStateTest, AnAnswerWithNothingToAnswerChangesNothing) {
  EXPECT_EQ(DeriveReviewState(
                kFirst, {Entry(110, v1::REVIEW_VERDICT_ANSWER, kFirst, "ma")})
                .status,
            ReviewStatus::kUnreviewed);
}

ReviewedRecord Held(const Stamp& head, std::vector<ReviewEntry> reviews) {
  return ReviewedRecord{"640522",
                        "ma",
                        head,
                        DeriveReviewState(head, reviews),
                        RecordKind::kSpotCheck,
                        ""};
}

v1::Review ReviewOf(const Stamp& revision, v1::ReviewVerdict verdict,
                    const std::string& author = "zhou",
                    const std::string& county = "640522") {
  v1::Review r;
  r.set_record_id(std::string(16, 'x'));
  r.mutable_area()->set_county_code(county);
  r.set_author(author);
  r.set_verdict(verdict);
  r.mutable_revision()->set_device_id(revision.device_id);
  r.mutable_revision()->set_device_seq(revision.device_seq);
  return r;
}

TEST(ReviewRulesTest, AnAcceptedRecordIsLocked) {
  const RuleVerdict v = CheckRevisionNotLocked(
      Held(kFirst, {Entry(110, v1::REVIEW_VERDICT_ACCEPT, kFirst)}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kAcceptedIsLocked);
  EXPECT_EQ(v->code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(v->message.find("accepted by reviewer zhou"), std::string::npos);
  // Questioned after the accept: open again.
  EXPECT_EQ(CheckRevisionNotLocked(Held(
                kFirst, {Entry(110, v1::REVIEW_VERDICT_ACCEPT, kFirst),
                         Entry(120, v1::REVIEW_VERDICT_QUESTION, kFirst)})),
            std::nullopt);
}

TEST(ReviewRulesTest, AReviewNeedsTheRecordItsCountyAndItsCurrentRevision) {
  const v1::Review review = ReviewOf(kFirst, v1::REVIEW_VERDICT_ACCEPT);
  RuleVerdict v = CheckReview(std::nullopt, review, kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kReviewOfHeldRecord);
  v = CheckReview(Held(kFirst, {}),
                  ReviewOf(kFirst, v1::REVIEW_VERDICT_ACCEPT, "zhou", "640521"),
                  kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kReviewOfHeldRecord);
  v = CheckReview(Held(kSecond, {}), review, kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kReviewOfCurrentRevision);
  EXPECT_EQ(v->code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckReview(Held(kFirst, {}), review, kNow), std::nullopt);
  // The review carries the record's township too: it decides which devices
  // receive the review (those that hold the record).
  ReviewedRecord in_township = Held(kFirst, {});
  in_township.township = "640522100";
  v = CheckReview(in_township, review, kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kReviewOfHeldRecord);
  EXPECT_NE(v->message.find("is not the township of record"),
            std::string::npos);
  v1::Review same = review;
  same.mutable_area()->set_township_code("640522100");
  EXPECT_EQ(CheckReview(in_township, same, kNow), std::nullopt);
}

TEST(ReviewRulesTest, OnlyTheAuthorAnswersAnOpenQuestionOrRejection) {
  const v1::Review by_other = ReviewOf(kFirst, v1::REVIEW_VERDICT_ANSWER, "li");
  RuleVerdict v = CheckReview(
      Held(kFirst, {Entry(110, v1::REVIEW_VERDICT_QUESTION, kFirst)}), by_other,
      kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kOnlyAuthorAnswers);
  EXPECT_EQ(v->code(), absl::StatusCode::kPermissionDenied);

  const v1::Review answer = ReviewOf(kFirst, v1::REVIEW_VERDICT_ANSWER, "ma");
  v = CheckReview(Held(kFirst, {}), answer, kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kAnswerNeedsQuestion);
  for (v1::ReviewVerdict open :
       {v1::REVIEW_VERDICT_QUESTION, v1::REVIEW_VERDICT_REJECT}) {
    EXPECT_EQ(
        CheckReview(Held(kFirst, {Entry(110, open, kFirst)}), answer, kNow),
        std::nullopt);
  }
}

// A verdict given offline while another reviewer gave a later one would
// change nothing (the latest verdict decides): it is refused, and so is an
// answer older than the verdict it would answer.
TEST(ReviewRulesTest, AReviewOlderThanTheCurrentVerdictIsRefused) {
  const ReviewedRecord held =
      Held(kFirst, {Entry(500, v1::REVIEW_VERDICT_ACCEPT, kFirst, "wang")});
  const RuleVerdict v =
      CheckReview(held, ReviewOf(kFirst, v1::REVIEW_VERDICT_QUESTION),
                  Stamp{400, kReviewerDevice, 7});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kReviewIsNewest);
  EXPECT_EQ(v->code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(v->message.find("has a later review (by wang)"), std::string::npos);
  EXPECT_EQ(CheckReview(held, ReviewOf(kFirst, v1::REVIEW_VERDICT_QUESTION),
                        Stamp{600, kReviewerDevice, 8}),
            std::nullopt);
}

}  // namespace
}  // namespace fieldsync
