// Reviews over real gRPC: who may review (reviewers) and who may answer (the
// record's author), and the review rules the server decides as changes
// arrive (common/review_state.h): a review of the current revision only, an
// answer only to an open question, an accepted record locked against its
// author's revisions until a reviewer questions it again.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/server/authz_test_support.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::BodyOf;
using rpc_testing::Contains;
using rpc_testing::RecordIn;
using testing::AuthzTest;
using testing::kAdmin;
using testing::kInspector;
using testing::kOfficer;
using testing::kOther;
using testing::kOwn;
using testing::kReviewer;
using testing::Session;

class AuthzReviewTest : public AuthzTest {
 protected:
  // Uploads `body` as the next change of `user`'s device; the outcome.
  v1::ChangeOutcome Send(const std::string& user, const std::string& body) {
    Session& s = SessionOf(user);
    const uint64_t seq = s.next_seq++;
    v1::UploadResponse resp;
    const grpc::Status st =
        rpc_.UploadVia(false, Bearer(s.token), s.device, {{seq, body}}, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    if (resp.outcomes_size() != 1) return v1::ChangeOutcome();
    return resp.outcomes(0);
  }

  // The inspector records a spot check in their county; its revision origin.
  void RecordSpotCheck() {
    Session& s = SessionOf(kInspector);
    record_ = RecordIn(RecordKind::kSpotCheck, kInspector, s.device, kOwn);
    revision_seq_ = s.next_seq;
    const v1::ChangeOutcome o = Send(kInspector, BodyOf(record_));
    ASSERT_EQ(o.status(), v1::OUTCOME_STATUS_ACCEPTED) << o.reason();
  }

  // The inspector revises the record; the outcome.
  v1::ChangeOutcome Revise() {
    const uint64_t seq = SessionOf(kInspector).next_seq;
    record_.mutable_spot_check()->set_findings(
        absl::StrCat("revised at ", seq));
    const v1::ChangeOutcome o = Send(kInspector, BodyOf(record_));
    if (o.status() == v1::OUTCOME_STATUS_ACCEPTED) revision_seq_ = seq;
    return o;
  }

  std::string ReviewBody(const std::string& author, v1::ReviewVerdict verdict,
                         const std::string& county = kOwn) {
    v1::ChangeBody b;
    v1::Review& r = *b.mutable_review();
    r.set_record_id(record_.id());
    r.mutable_area()->set_county_code(county);
    r.set_author(author);
    r.set_verdict(verdict);
    if (verdict != v1::REVIEW_VERDICT_ACCEPT) r.set_text("请说明实操课时");
    r.mutable_revision()->set_device_id(SessionOf(kInspector).device);
    r.mutable_revision()->set_device_seq(revision_seq_);
    return b.SerializeAsString();
  }

  v1::Record record_;
  uint64_t revision_seq_ = 0;
};

void ExpectRefused(const v1::ChangeOutcome& o, grpc::StatusCode code,
                   const std::string& part) {
  EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(o.code(), static_cast<int>(code)) << o.reason();
  EXPECT_TRUE(Contains(o.reason(), part))
      << "reason \"" << o.reason() << "\" lacks \"" << part << "\"";
}

TEST_F(AuthzReviewTest, OnlyReviewersGiveVerdictsAndOnlyTheAuthorAnswers) {
  ASSERT_NO_FATAL_FAILURE(RecordSpotCheck());
  for (const char* user : {kInspector, kOfficer, kAdmin}) {
    for (v1::ReviewVerdict v :
         {v1::REVIEW_VERDICT_ACCEPT, v1::REVIEW_VERDICT_QUESTION,
          v1::REVIEW_VERDICT_REJECT}) {
      SCOPED_TRACE(absl::StrCat(user, " ", v1::ReviewVerdict_Name(v)));
      ExpectRefused(Send(user, ReviewBody(user, v)),
                    grpc::StatusCode::PERMISSION_DENIED,
                    "may not review records (reviewers do)");
    }
  }
  ExpectRefused(
      Send(kReviewer, ReviewBody(kReviewer, v1::REVIEW_VERDICT_ANSWER)),
      grpc::StatusCode::PERMISSION_DENIED, "reviewer may not answer a review");
  ExpectRefused(Send(kAdmin, ReviewBody(kAdmin, v1::REVIEW_VERDICT_ANSWER)),
                grpc::StatusCode::PERMISSION_DENIED,
                "admin may not answer a review");
  ExpectRefused(
      Send(kReviewer, ReviewBody("someone.else", v1::REVIEW_VERDICT_QUESTION)),
      grpc::StatusCode::PERMISSION_DENIED, "review.author \"someone.else\"");

  // The reviewer questions; the county officer, who may answer in general,
  // is not the record's author; the inspector answers.
  const v1::ChangeOutcome q =
      Send(kReviewer, ReviewBody(kReviewer, v1::REVIEW_VERDICT_QUESTION));
  EXPECT_EQ(q.status(), v1::OUTCOME_STATUS_ACCEPTED) << q.reason();
  ExpectRefused(Send(kOfficer, ReviewBody(kOfficer, v1::REVIEW_VERDICT_ANSWER)),
                grpc::StatusCode::PERMISSION_DENIED,
                "only the record's author (insp.ma) may answer");
  const v1::ChangeOutcome a =
      Send(kInspector, ReviewBody(kInspector, v1::REVIEW_VERDICT_ANSWER));
  EXPECT_EQ(a.status(), v1::OUTCOME_STATUS_ACCEPTED) << a.reason();
  // An answer in a county outside the inspector's areas is refused as such.
  ExpectRefused(Send(kInspector,
                     ReviewBody(kInspector, v1::REVIEW_VERDICT_ANSWER, kOther)),
                grpc::StatusCode::PERMISSION_DENIED,
                "outside the areas of user insp.ma");
}

TEST_F(AuthzReviewTest, AnAcceptedRecordIsLockedUntilQuestionedAgain) {
  ASSERT_NO_FATAL_FAILURE(RecordSpotCheck());
  const v1::ChangeOutcome accept =
      Send(kReviewer, ReviewBody(kReviewer, v1::REVIEW_VERDICT_ACCEPT));
  ASSERT_EQ(accept.status(), v1::OUTCOME_STATUS_ACCEPTED) << accept.reason();
  const uint64_t changes = Summary().changes;
  ExpectRefused(Revise(), grpc::StatusCode::FAILED_PRECONDITION,
                "accepted by reviewer reviewer.zhou and is locked");
  EXPECT_EQ(Summary().changes, changes) << "the refused revision was stored";
  // Nothing to answer on an accepted record.
  ExpectRefused(
      Send(kInspector, ReviewBody(kInspector, v1::REVIEW_VERDICT_ANSWER)),
      grpc::StatusCode::FAILED_PRECONDITION, "has no open question");
  // A reviewer reopens it; the author may revise again.
  ASSERT_EQ(Send(kReviewer, ReviewBody(kReviewer, v1::REVIEW_VERDICT_QUESTION))
                .status(),
            v1::OUTCOME_STATUS_ACCEPTED);
  const v1::ChangeOutcome revised = Revise();
  EXPECT_EQ(revised.status(), v1::OUTCOME_STATUS_ACCEPTED) << revised.reason();
}

TEST_F(AuthzReviewTest, AReviewOfAnOlderRevisionOrAnUnknownRecordIsRefused) {
  ASSERT_NO_FATAL_FAILURE(RecordSpotCheck());
  const std::string stale = ReviewBody(kReviewer, v1::REVIEW_VERDICT_ACCEPT);
  ASSERT_EQ(Revise().status(), v1::OUTCOME_STATUS_ACCEPTED);
  ExpectRefused(Send(kReviewer, stale), grpc::StatusCode::FAILED_PRECONDITION,
                "was revised after the revision this review was made on");
  // The revision was not locked by the refused accept.
  EXPECT_EQ(Revise().status(), v1::OUTCOME_STATUS_ACCEPTED);
  // A record in another county than the review says.
  ExpectRefused(
      Send(kReviewer,
           ReviewBody(kReviewer, v1::REVIEW_VERDICT_QUESTION, kOther)),
      grpc::StatusCode::FAILED_PRECONDITION, "is not in county 640521");
  // A record the server does not hold.
  record_.set_id(RecordIn(RecordKind::kSpotCheck, kInspector, "", kOwn).id());
  ExpectRefused(
      Send(kReviewer, ReviewBody(kReviewer, v1::REVIEW_VERDICT_QUESTION)),
      grpc::StatusCode::FAILED_PRECONDITION, "is held");
}

}  // namespace
}  // namespace fieldsync
