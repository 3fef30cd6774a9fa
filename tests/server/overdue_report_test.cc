// The server's overdue report (server/overdue_report.h): the county officer
// imports the example roster, an inspector visits one trainee; the report
// counts the overdue visits per county and inspector as the devices' `todo`
// does (a county inspector answers for the whole county, a township
// inspector for their township), a visit a reviewer rejects stops counting,
// and `fieldsync-server report overdue` prints it, with exit code 2 for a
// wrong command line.
#include "server/overdue_report.h"

#include <gtest/gtest.h>

#include <cstdio>
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

std::string Lines(const std::vector<OverdueLine>& lines) {
  std::string out;
  for (const OverdueLine& l : lines) {
    absl::StrAppend(&out, l.county, " ", l.inspector, " ", l.overdue, " ",
                    l.trainees, " ", absl::FormatCivilTime(l.oldest_due), "\n");
  }
  return out;
}

testing::CommandResult Report(const std::string& args) {
  return testing::RunCommand(
      absl::StrCat(FIELDSYNC_SERVER_BIN, " report ", args));
}

TEST(OverdueReportTest, PerCountyAndInspectorAsTheDevicesSeeIt) {
  TempDir dir;
  FakeClock clock(testing::BeijingMs(2026, 5, 20, 9));
  const std::string db_path = dir.Sub("server.db");
  TestServer server(db_path, &clock);
  server.AddUser("王芳", v1::ROLE_COUNTY_OFFICER, {"640522"});
  server.AddUser("张伟", v1::ROLE_INSPECTOR, {"640522"});
  server.AddUser("李娜", v1::ROLE_INSPECTOR, {"640522101"});
  server.AddUser("周敏", v1::ROLE_REVIEWER, {});
  auto officer =
      MakeDevice(dir.Sub("officer"), server.address(), "王芳", &clock);
  ASSERT_NO_FATAL_FAILURE(testing::ImportExampleRoster(*officer));
  // 张伟 visits 马小花 (HY-T-0001) on 20 May: her first visit is closed.
  auto inspector =
      MakeDevice(dir.Sub("inspector"), server.address(), "张伟", &clock);
  v1::Record visit = testing::Example(RecordKind::kFollowUpVisit);
  visit.mutable_follow_up_visit()->set_trainee_id("HY-T-0001");
  visit.mutable_observed_at()->set_seconds(testing::BeijingMs(2026, 5, 20, 8) /
                                           1000);
  auto id = inspector->Record(visit);
  ASSERT_THAT(id, IsOk());
  ASSERT_THAT(inspector->Sync(), IsOk());

  auto users = server.accounts()->ListUsers();
  ASSERT_THAT(users, IsOk());
  auto db = Db::Open(db_path);
  ASSERT_THAT(db, IsOk());
  // 20 May: only 马建国's first visit (due 10 May) is overdue; his village
  // is in township 640522100, which 李娜 does not cover.
  auto lines = BuildOverdueReport(db->get(), *users,
                                  absl::CivilDay(2026, 5, 20), {}, "");
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(Lines(*lines), "640522 张伟 1 1 2026-05-10\n");
  // 1 August: the June class of township 640522101 is overdue too, for
  // both inspectors; 马小花's second visit (10 July) as well.
  lines =
      BuildOverdueReport(db->get(), *users, absl::CivilDay(2026, 8, 1), {}, "");
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(Lines(*lines),
            "640522 张伟 5 4 2026-05-10\n"
            "640522 李娜 2 2 2026-07-19\n");
  // Another county: nothing.
  lines = BuildOverdueReport(db->get(), *users, absl::CivilDay(2026, 8, 1), {},
                             "640521");
  ASSERT_THAT(lines, IsOk());
  EXPECT_TRUE(lines->empty());

  // A reviewer rejects the visit: 马小花's first visit is overdue again.
  auto reviewer =
      MakeDevice(dir.Sub("reviewer"), server.address(), "周敏", &clock);
  ASSERT_THAT(reviewer->Sync(), IsOk());
  ASSERT_THAT(reviewer->Review(*id, v1::REVIEW_VERDICT_REJECT, "无走访签字"),
              IsOk());
  ASSERT_THAT(reviewer->Sync(), IsOk());
  lines =
      BuildOverdueReport(db->get(), *users, absl::CivilDay(2026, 8, 1), {}, "");
  ASSERT_THAT(lines, IsOk());
  EXPECT_EQ(Lines(*lines),
            "640522 张伟 6 4 2026-05-10\n"
            "640522 李娜 2 2 2026-07-19\n");

  // The command, while the server runs.
  testing::CommandResult r =
      Report(absl::StrCat("overdue --db ", db_path, " --today 2026-08-01"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("follow-up visits overdue as of 2026-08-01"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("640522  张伟"), std::string::npos) << r.out;
  r = Report(absl::StrCat("overdue --db ", db_path,
                          " --today 2026-08-01 --county 640521"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("no follow-up visit is overdue as of 2026-08-01"),
            std::string::npos)
      << r.out;
  r = Report(absl::StrCat("overdue --db ", dir.Sub("typo.db")));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("no server database at"), std::string::npos) << r.out;
  EXPECT_FALSE(std::ifstream(dir.Sub("typo.db")).good()) << "created a file";
  for (const std::string bad :
       {"", "overdue", "late --db x", "overdue --db x --today 2026-13-01",
        "overdue --db x --county 64052", "overdue --db x --what"}) {
    r = Report(bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
  }
}

}  // namespace
}  // namespace fieldsync
