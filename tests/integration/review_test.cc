// Reviews end to end (common/review_state.h): a reviewer questions one record
// and accepts another from their device, offline; the question reaches the
// author's device, which shows it until answered; the accepted record is
// locked on the device (refused before saving) and at the server (a
// revision made before the device knew is refused at sync and set aside),
// and the lock holds through later syncs; every device converges with the
// server; a record's history shows every revision and review with who, which
// device, and when the server received it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/review_state.h"
#include "fieldsync/client.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::IsOk;
using testing::MakeDevice;
using testing::StatusIs;
using testing::TempDir;
using testing::TestServer;

const RecordView* Find(const std::vector<RecordView>& views,
                       const std::string& id) {
  for (const RecordView& v : views) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

void ExpectConverged(TestServer& server, const std::vector<Client*>& devices) {
  auto ss = server.store()->Summarize();
  ASSERT_THAT(ss, IsOk());
  for (Client* d : devices) {
    auto s = d->Summarize();
    ASSERT_THAT(s, IsOk());
    EXPECT_EQ(s->digest, ss->digest);
    EXPECT_EQ(s->changes, ss->changes);
  }
}

TEST(ReviewTest, AQuestionReachesTheAuthorAndAnAcceptedRecordStaysLocked) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  server.AddUser("周敏", v1::ROLE_REVIEWER, {});
  auto inspector = MakeDevice(dir.Sub("inspector"), server.address(), "张伟");
  auto reviewer = MakeDevice(dir.Sub("reviewer"), server.address(), "周敏");

  auto questioned = inspector->Record(Example(RecordKind::kSpotCheck));
  auto accepted = inspector->Record(Example(RecordKind::kFollowUpVisit));
  ASSERT_THAT(questioned, IsOk());
  ASSERT_THAT(accepted, IsOk());
  ASSERT_THAT(inspector->Sync(), IsOk());
  ASSERT_THAT(reviewer->Sync(), IsOk());

  // The reviewer works offline: both reviews are saved on the device.
  server.Stop();
  ASSERT_THAT(reviewer->Review(*questioned, v1::REVIEW_VERDICT_QUESTION,
                               "实操课时与签到表不符，请说明"),
              IsOk());
  ASSERT_THAT(reviewer->Review(*accepted, v1::REVIEW_VERDICT_ACCEPT, ""),
              IsOk());
  // The reviewer's device derives the states at once.
  auto seen = reviewer->List(std::nullopt);
  ASSERT_THAT(seen, IsOk());
  ASSERT_NE(Find(*seen, *questioned), nullptr);
  EXPECT_EQ(Find(*seen, *questioned)->review.status, ReviewStatus::kQuestioned);
  EXPECT_EQ(Find(*seen, *accepted)->review.status, ReviewStatus::kAccepted);
  // A reviewer cannot answer, nor review a record the device lacks.
  EXPECT_THAT(reviewer->Review(*accepted, v1::REVIEW_VERDICT_ANSWER, "x"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      reviewer->Review(std::string(16, '\x01'), v1::REVIEW_VERDICT_ACCEPT, ""),
      StatusIs(absl::StatusCode::kNotFound));

  // Meanwhile the inspector, not knowing it was accepted, revises it.
  v1::Record revision = Example(RecordKind::kFollowUpVisit);
  revision.set_notes("补充：已复核就业单位");
  ASSERT_THAT(inspector->Revise(*accepted, revision), IsOk());

  server.Restart();
  ASSERT_THAT(reviewer->Sync(), IsOk());
  auto report = inspector->Sync();
  ASSERT_THAT(report, IsOk());
  // The server refused the revision: locked by the accept it received first.
  ASSERT_EQ(report->new_rejections.size(), 1u);
  EXPECT_EQ(report->new_rejections[0].code,
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(report->new_rejections[0].reason.find(
                "accepted by reviewer 周敏 and is locked"),
            std::string::npos)
      << report->new_rejections[0].reason;

  // The question reached the author's device, and waits there.
  auto tasks = inspector->ReviewTasks();
  ASSERT_THAT(tasks, IsOk());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].record_id, *questioned);
  EXPECT_EQ((*tasks)[0].review.status, ReviewStatus::kQuestioned);
  EXPECT_EQ((*tasks)[0].review.reviewer, "周敏");
  EXPECT_EQ((*tasks)[0].review.text, "实操课时与签到表不符，请说明");

  // The accepted record shows its first revision, accepted; a new revision
  // is refused before it is saved, with the server's words.
  auto views = inspector->List(std::nullopt);
  ASSERT_THAT(views, IsOk());
  const RecordView* locked = Find(*views, *accepted);
  ASSERT_NE(locked, nullptr);
  EXPECT_EQ(locked->review.status, ReviewStatus::kAccepted);
  EXPECT_EQ(locked->revisions, 1);
  EXPECT_EQ(locked->current.record.notes(),
            Example(RecordKind::kFollowUpVisit).notes());
  auto pending_before = inspector->Status();
  ASSERT_THAT(pending_before, IsOk());
  EXPECT_THAT(inspector->Revise(*accepted, revision),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  auto pending_after = inspector->Status();
  ASSERT_THAT(pending_after, IsOk());
  EXPECT_EQ(pending_after->pending, pending_before->pending);

  // The inspector answers; the answer reaches the reviewer.
  ASSERT_THAT(inspector->Review(*questioned, v1::REVIEW_VERDICT_ANSWER,
                                "第二天补了4课时实操，见补课签到表"),
              IsOk());
  ASSERT_THAT(inspector->ReviewTasks(), IsOk());
  EXPECT_TRUE(inspector->ReviewTasks()->empty());
  ASSERT_THAT(inspector->Sync(), IsOk());
  ASSERT_THAT(reviewer->Sync(), IsOk());
  auto waiting = reviewer->ReviewTasks();
  ASSERT_THAT(waiting, IsOk());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].review.status, ReviewStatus::kAnswered);
  EXPECT_EQ((*waiting)[0].review.answer, "第二天补了4课时实操，见补课签到表");

  // The lock holds after further syncs; everyone holds the same changes.
  ASSERT_THAT(inspector->Sync(), IsOk());
  ASSERT_THAT(inspector->List(std::nullopt), IsOk());
  EXPECT_EQ(Find(*inspector->List(std::nullopt), *accepted)->review.status,
            ReviewStatus::kAccepted);
  EXPECT_THAT(inspector->Revise(*accepted, revision),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ExpectConverged(server, {inspector.get(), reviewer.get()});

  // History, on the reviewer's device: the revision, the question and the
  // answer, each with its author, device and the server's receipt time.
  auto history = reviewer->History(*questioned);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_FALSE((*history)[0].is_review);
  EXPECT_EQ((*history)[0].author, "张伟");
  EXPECT_EQ((*history)[0].device_id, inspector->device_id());
  EXPECT_EQ((*history)[1].review.verdict(), v1::REVIEW_VERDICT_QUESTION);
  EXPECT_EQ((*history)[1].author, "周敏");
  EXPECT_EQ((*history)[1].device_id, reviewer->device_id());
  EXPECT_EQ((*history)[2].review.verdict(), v1::REVIEW_VERDICT_ANSWER);
  EXPECT_EQ((*history)[2].author, "张伟");
  for (const HistoryEntry& e : *history) {
    EXPECT_EQ(e.state, ChangeState::kAccepted);
    EXPECT_GT(e.received_ms, 0) << "no receipt time";
    // Received ones carry their feed position (own ones are known by
    // their device sequence).
    if (e.device_id != reviewer->device_id()) {
      EXPECT_GT(e.server_seq, 0u);
    }
  }
  // On the author's device the refused revision is in the history too.
  auto own = inspector->History(*accepted);
  ASSERT_THAT(own, IsOk());
  ASSERT_EQ(own->size(), 3u);  // revision, refused revision, accept
  int refused = 0;
  for (const HistoryEntry& e : *own) {
    if (e.state == ChangeState::kRejected) ++refused;
    if (e.state == ChangeState::kAccepted) {
      EXPECT_GT(e.received_ms, 0);
    }
  }
  EXPECT_EQ(refused, 1);
}

}  // namespace
}  // namespace fieldsync
