// `todo` on an inspector's device: the county officer imports the example
// roster, the inspector syncs it and sees the follow-up visits due and
// overdue (Asia/Shanghai days), offline; a visit recorded for a trainee
// closes that trainee's due visit, unless a reviewer rejects it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "fieldsync/client.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::MakeDevice;
using testing::TempDir;
using testing::TestServer;

using testing::ImportExampleRoster;

int64_t Beijing(int y, int m, int d, int h, int mi) {
  return testing::BeijingMs(y, m, d, h, mi);
}

TEST(TodoTest, DueVisitsFromTheRosterClosedByAVisit) {
  TempDir dir;
  // 2026-05-20 09:00 in Ningxia. HY-C-2026-01 ended 2026-04-10: its two
  // trainees' first visits were due 2026-05-10; HY-C-2026-02 ends in June.
  FakeClock clock(Beijing(2026, 5, 20, 9, 0));
  TestServer server(dir.Sub("server.db"), &clock);
  server.AddUser("王芳", v1::ROLE_COUNTY_OFFICER, {"640522"});
  server.AddUser("张伟", v1::ROLE_INSPECTOR, {"640522"});
  auto officer =
      MakeDevice(dir.Sub("officer"), server.address(), "王芳", &clock);
  ASSERT_NO_FATAL_FAILURE(ImportExampleRoster(*officer));

  auto inspector =
      MakeDevice(dir.Sub("inspector"), server.address(), "张伟", &clock);
  ASSERT_THAT(inspector->Sync(), IsOk());
  server.Stop();  // in the village: todo needs no network
  auto todo = inspector->Todo();
  ASSERT_THAT(todo, IsOk());
  ASSERT_EQ(todo->size(), 2u);
  const TodoItem& first = (*todo)[0];
  EXPECT_EQ(first.trainee_id, "HY-T-0001");
  EXPECT_EQ(first.trainee_name, "马小花");
  EXPECT_EQ(first.id_number_masked, "640522********0029");
  EXPECT_EQ(first.village_code, "640522100201");
  EXPECT_EQ(first.class_id, "HY-C-2026-01");
  EXPECT_EQ(first.occupation, "中式烹调师");
  EXPECT_EQ(first.due_date, "2026-05-10");
  EXPECT_TRUE(first.overdue);
  EXPECT_EQ(first.days_overdue, 10);
  EXPECT_EQ(first.visit_number, 1);
  EXPECT_EQ(first.visits_planned, 3);
  EXPECT_EQ((*todo)[1].trainee_id, "HY-T-0002");

  // The inspector visits 马小花 at 07:30 Beijing time (23:30 UTC the day
  // before): that closes her first visit.
  v1::Record visit = testing::Example(RecordKind::kFollowUpVisit);
  visit.mutable_follow_up_visit()->set_trainee_id("HY-T-0001");
  visit.mutable_observed_at()->set_seconds(Beijing(2026, 5, 20, 7, 30) / 1000);
  ASSERT_THAT(inspector->Record(visit), IsOk());
  todo = inspector->Todo();
  ASSERT_THAT(todo, IsOk());
  ASSERT_EQ(todo->size(), 1u);
  EXPECT_EQ((*todo)[0].trainee_id, "HY-T-0002");

  // Six weeks later: the second visits of the April class are due within
  // 15 days; the June class's first visits (due 07-19) are not yet.
  clock.Set(Beijing(2026, 7, 1, 9, 0));
  todo = inspector->Todo();
  ASSERT_THAT(todo, IsOk());
  std::vector<std::string> got;
  for (const TodoItem& t : *todo) {
    got.push_back(absl::StrCat(t.due_date, " ", t.trainee_id, " ",
                               t.visit_number, t.overdue ? " overdue" : ""));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"2026-05-10 HY-T-0002 1 overdue",
                                           "2026-07-10 HY-T-0001 2",
                                           "2026-07-10 HY-T-0002 2"}));
}

// A visit a reviewer rejected does not count: the due visit it closed is
// open again. A reviewer, who holds every county, has no visits to make.
TEST(TodoTest, ARejectedVisitLeavesTheVisitDue) {
  TempDir dir;
  FakeClock clock(Beijing(2026, 5, 20, 9, 0));
  TestServer server(dir.Sub("server.db"), &clock);
  server.AddUser("王芳", v1::ROLE_COUNTY_OFFICER, {"640522"});
  server.AddUser("张伟", v1::ROLE_INSPECTOR, {"640522"});
  server.AddUser("周敏", v1::ROLE_REVIEWER, {});
  auto officer =
      MakeDevice(dir.Sub("officer"), server.address(), "王芳", &clock);
  ASSERT_NO_FATAL_FAILURE(ImportExampleRoster(*officer));
  auto inspector =
      MakeDevice(dir.Sub("inspector"), server.address(), "张伟", &clock);
  auto reviewer =
      MakeDevice(dir.Sub("reviewer"), server.address(), "周敏", &clock);
  v1::Record visit = testing::Example(RecordKind::kFollowUpVisit);
  visit.mutable_follow_up_visit()->set_trainee_id("HY-T-0001");
  visit.mutable_observed_at()->set_seconds(Beijing(2026, 5, 20, 7, 30) / 1000);
  auto id = inspector->Record(visit);
  ASSERT_THAT(id, IsOk());
  ASSERT_THAT(inspector->Sync(), IsOk());
  auto todo = inspector->Todo();
  ASSERT_THAT(todo, IsOk());
  ASSERT_EQ(todo->size(), 1u);
  EXPECT_EQ((*todo)[0].trainee_id, "HY-T-0002");

  ASSERT_THAT(reviewer->Sync(), IsOk());
  auto none = reviewer->Todo();
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty()) << none->size() << " visits for a reviewer";
  ASSERT_THAT(reviewer->Review(*id, v1::REVIEW_VERDICT_REJECT,
                               "走访时间与签到不符，请重新走访"),
              IsOk());
  ASSERT_THAT(reviewer->Sync(), IsOk());
  ASSERT_THAT(inspector->Sync(), IsOk());
  todo = inspector->Todo();
  ASSERT_THAT(todo, IsOk());
  ASSERT_EQ(todo->size(), 2u);
  EXPECT_EQ((*todo)[0].trainee_id, "HY-T-0001");
  EXPECT_EQ((*todo)[0].visit_number, 1);
}

}  // namespace
}  // namespace fieldsync
