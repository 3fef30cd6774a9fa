// The `fieldsync` CLI as a user runs it: clear messages and non-zero exits
// on bad input, and the whole record -> sync -> list path against a real
// server on 127.0.0.1.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/client_core/cli_test_support.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Cli;
using testing::CliResult;
using testing::ExamplePath;
using testing::Has;
using testing::TempDir;
using testing::TestServer;

TEST(Cli, UsageErrorsExitTwoWithAHint) {
  CliResult r = Cli("");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "usage: fieldsync")) << r.out;
  r = Cli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(Has(r, "record KIND --json")) << r.out;
  r = Cli("record --help");
  EXPECT_EQ(r.code, 0);
  r = Cli("frobnicate");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "unknown command \"frobnicate\"")) << r.out;
  // Help for a command that does not exist says so (it used to print the
  // general help and exit 0).
  r = Cli("frobnicate --help");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "unknown command \"frobnicate\"")) << r.out;
  EXPECT_FALSE(Has(r, "commands:")) << r.out;
  r = Cli("--home /tmp/x record spot-chek --json f.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "unknown KIND \"spot-chek\"")) << r.out;
  r = Cli("--bogus");
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, BadRecordsAreRefusedWithTheReasonAndNothingIsSaved) {
  TempDir dir;
  const std::string home = absl::StrCat("--home ", dir.Sub("h"));
  CliResult r = Cli(absl::StrCat(home, " list"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "init --server")) << r.out;
  ASSERT_EQ(
      Cli(absl::StrCat(home, " init --server 127.0.0.1:1 --inspector 张伟"))
          .code,
      0);

  {
    std::ofstream f(dir.Sub("broken.json"));
    f << "{\"area\": {\"countyCode\": \"640522\"}, \"spotCheck\": {";
  }
  r = Cli(
      absl::StrCat(home, " record spot-check --json ", dir.Sub("broken.json")));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "is not a valid fieldsync.v1.Record in JSON")) << r.out;

  {
    std::ofstream f(dir.Sub("unknown.json"));
    f << "{\"area\": {\"countyCode\": \"640522\"}, \"colour\": \"red\"}";
  }
  r = Cli(absl::StrCat(home, " record spot-check --json ",
                       dir.Sub("unknown.json")));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "colour")) << r.out;

  r = Cli(absl::StrCat(home, " record follow-up-visit --json ",
                       ExamplePath(RecordKind::kSpotCheck)));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "holds a spot-check record but KIND is follow-up-visit"))
      << r.out;

  // A value that breaks a rule: the message names the field.
  const std::string cmd = absl::StrCat(
      "sed 's/\"attendanceCounted\": 36/\"attendanceCounted\": 45/' ",
      ExamplePath(RecordKind::kSpotCheck), " | ", FIELDSYNC_CLI, " ", home,
      " record spot-check --json - 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[1024];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(out.find("spot_check.attendance_counted (45) exceeds "
                     "spot_check.enrolled (40)"),
            std::string::npos)
      << out;

  r = Cli(absl::StrCat(home, " status"));
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(Has(r, "pending   0")) << r.out;

  r = Cli(absl::StrCat(home, " show not-an-id"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "32 hexadecimal digits")) << r.out;
}

TEST(Cli, SyncWithoutANetworkFailsClearlyAndKeepsTheRecords) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  server.AddUser("张伟", v1::ROLE_INSPECTOR, testing::TestCounties());
  const std::string home = absl::StrCat("--home ", dir.Sub("h"));
  // Never logged in: says so, and keeps the record.
  ASSERT_EQ(Cli(absl::StrCat(home, " init --server ", server.address(),
                             " --inspector 张伟"))
                .code,
            0);
  ASSERT_EQ(Cli(absl::StrCat(home, " record interview-note --json ",
                             ExamplePath(RecordKind::kInterviewNote)))
                .code,
            0);
  CliResult r = Cli(absl::StrCat(home, " sync"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "not logged in")) << r.out;
  // Logged in, then out of network.
  r = Cli(absl::StrCat(home, " login --user 张伟"), testing::kTestPassword);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "logged in as 张伟 (inspector; areas: 640521, 640522)"))
      << r.out;
  server.Stop();
  r = Cli(absl::StrCat(home, " sync"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(
      Has(r, absl::StrCat("cannot reach the server at ", server.address())))
      << r.out;
  r = Cli(absl::StrCat(home, " status"));
  EXPECT_TRUE(Has(r, "pending   1")) << r.out;
  EXPECT_TRUE(Has(r, ", logged in)")) << r.out;
}

TEST(Cli, LoginWithAWrongPasswordFailsAndLogoutRemovesTheToken) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  server.AddUser("张伟", v1::ROLE_INSPECTOR, testing::TestCounties());
  const std::string home = absl::StrCat("--home ", dir.Sub("h"));
  const std::string login =
      absl::StrCat(home, " login --server ", server.address(), " --user 张伟");
  CliResult r = Cli(login, "wrong password");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "wrong user name or password")) << r.out;
  r = Cli(login, testing::kTestPassword);  // sets the device up too
  ASSERT_EQ(r.code, 0) << r.out;
  struct stat st;
  ASSERT_EQ(::stat(dir.Sub("h/token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  r = Cli(absl::StrCat(home, " whoami"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "张伟 (inspector); areas: 640521, 640522")) << r.out;
  r = Cli(absl::StrCat(home, " logout"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(::stat(dir.Sub("h/token").c_str(), &st), 0);
  r = Cli(absl::StrCat(home, " sync"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "not logged in")) << r.out;
  r = Cli(absl::StrCat(home, " login --user 张伟"), "");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "no password on standard input")) << r.out;
}

TEST(Cli, RecordSyncAndListAcrossTwoDevices) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  const std::string a = absl::StrCat("--home ", dir.Sub("a"));
  const std::string b = absl::StrCat("--home ", dir.Sub("b"));
  server.AddUser("张伟", v1::ROLE_INSPECTOR, testing::TestCounties());
  server.AddUser("李娜", v1::ROLE_INSPECTOR, testing::TestCounties());
  server.AddUser("王芳", v1::ROLE_COUNTY_OFFICER, {"640522"});
  ASSERT_EQ(
      Cli(absl::StrCat(a, " login --server ", server.address(), " --user 张伟"),
          testing::kTestPassword)
          .code,
      0);
  ASSERT_EQ(
      Cli(absl::StrCat(b, " login --server ", server.address(), " --user 李娜"),
          testing::kTestPassword)
          .code,
      0);
  std::vector<std::string> ids;
  for (RecordKind k : testing::InspectorKinds()) {
    CliResult r = Cli(absl::StrCat(a, " record ", RecordKindName(k), " --json ",
                                   ExamplePath(k)));
    ASSERT_EQ(r.code, 0) << r.out;
    ids.push_back(r.out.substr(0, 36));
  }
  // The county officer files the monthly report from a third device.
  const std::string c = absl::StrCat("--home ", dir.Sub("c"));
  ASSERT_EQ(
      Cli(absl::StrCat(c, " login --server ", server.address(), " --user 王芳"),
          testing::kTestPassword)
          .code,
      0);
  CliResult m = Cli(absl::StrCat(c, " record monthly-report --json ",
                                 ExamplePath(RecordKind::kMonthlyReport)));
  ASSERT_EQ(m.code, 0) << m.out;
  ids.push_back(m.out.substr(0, 36));
  ASSERT_EQ(Cli(absl::StrCat(c, " sync")).code, 0);

  CliResult s = Cli(absl::StrCat(a, " sync"));
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_TRUE(Has(s, "4 change(s) to send")) << s.out;
  EXPECT_TRUE(Has(s, "accepted 4, rejected 0")) << s.out;
  // The officer's report came first in the feed, so a's four come back as
  // confirmations after it: five positions looked through.
  EXPECT_TRUE(Has(s, "5 change(s) in the feed to look through")) << s.out;
  EXPECT_TRUE(Has(s, "looked through 5/5")) << s.out;
  EXPECT_TRUE(Has(s, "received 1 new from other devices, 4 confirmation(s)"))
      << s.out;
  s = Cli(absl::StrCat(b, " sync"));
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_TRUE(Has(s, "received 5 new from other devices")) << s.out;

  CliResult list = Cli(absl::StrCat(b, " list --json"));
  ASSERT_EQ(list.code, 0) << list.out;
  std::vector<std::string> lines =
      absl::StrSplit(list.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << list.out;
  for (const auto& line : lines) {
    google::protobuf::Struct parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok())
        << line;
    const std::string id = parsed.fields().at("id").string_value();
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
    EXPECT_EQ(parsed.fields().at("state").string_value(), "accepted");
  }
  CliResult show = Cli(absl::StrCat(b, " show ", ids[0]));
  EXPECT_EQ(show.code, 0) << show.out;
  EXPECT_TRUE(Has(show, "中式烹调师")) << show.out;

  CliResult sa = Cli(absl::StrCat(a, " state"));
  CliResult sb = Cli(absl::StrCat(b, " state"));
  const auto digest = [](const std::string& out) {
    return out.substr(out.find("digest"));
  };
  EXPECT_EQ(digest(sa.out), digest(sb.out));
}

}  // namespace
}  // namespace fieldsync
