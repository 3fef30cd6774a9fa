// `fieldsync import` as a county officer runs it, with the example files of
// examples/roster (a UTF-8 file with a BOM and Chinese headers, a GB18030
// file from Excel with a quoted multi-line remark): the messages, the exit
// codes, a re-import that saves nothing, a file with problems listed line by
// line and nothing saved, and the server's `roster import`.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/client_core/cli_test_support.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Cli;
using testing::CliResult;
using testing::Has;
using testing::TempDir;
using testing::TestServer;

std::string Example(const std::string& file) {
  return absl::StrCat(FIELDSYNC_SOURCE_DIR, "/examples/roster/", file);
}

TEST(CliImport, ACountyOfficerImportsTheExampleRoster) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  server.AddUser("王芳", v1::ROLE_COUNTY_OFFICER, {"640522"});
  const std::string home = absl::StrCat("--home ", dir.Sub("h"));
  CliResult r = Cli(
      absl::StrCat(home, " login --server ", server.address(), " --user 王芳"),
      testing::kTestPassword);
  ASSERT_EQ(r.code, 0) << r.out;
  r = Cli(
      absl::StrCat(home, " import institutions ", Example("institutions.csv")));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, "log in and sync once, then import")) << r.out;
  ASSERT_EQ(Cli(absl::StrCat(home, " sync")).code, 0);

  r = Cli(
      absl::StrCat(home, " import institutions ", Example("institutions.csv")));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "imported 2 rows of institutions: 2 new")) << r.out;
  r = Cli(absl::StrCat(home, " import classes ", Example("classes.csv")));
  EXPECT_EQ(r.code, 0) << r.out;
  r = Cli(absl::StrCat(home, " import trainees ",
                       Example("trainees-gb18030.csv"), " --dry-run"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "would import 4 rows of trainees: 4 new")) << r.out;
  EXPECT_TRUE(Has(r, "nothing saved (--dry-run)")) << r.out;
  r = Cli(
      absl::StrCat(home, " import trainees ", Example("trainees-gb18030.csv")));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "ignored columns: 备注")) << r.out;
  EXPECT_TRUE(Has(r, "imported 4 rows of trainees: 4 new")) << r.out;
  EXPECT_TRUE(Has(r, "4 changes saved on this device")) << r.out;
  r = Cli(
      absl::StrCat(home, " import trainees ", Example("trainees-gb18030.csv")));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "0 new, 0 changed (0 fields), 4 unchanged")) << r.out;
  EXPECT_TRUE(Has(r, "nothing to save")) << r.out;
  r = Cli(absl::StrCat(home, " status"));
  EXPECT_TRUE(Has(r, "pending   8")) << r.out;

  // A bad file: every problem, line by line, and nothing saved.
  const std::string bad = dir.Sub("bad.csv");
  std::ofstream(bad) << "id,name,category,class_id,county_code\n"
                        "T-9,张三,贫困户,HY-C-2026-01,640522\n"
                        "T-10,,other,HY-C-2026-09,640521\n";
  r = Cli(absl::StrCat(home, " import trainees ", bad));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Has(r, absl::StrCat(bad, ":2: category: must be one of")))
      << r.out;
  EXPECT_TRUE(Has(r, absl::StrCat(bad, ":3: name: is required"))) << r.out;
  EXPECT_TRUE(Has(r, absl::StrCat(bad,
                                  ":3: county_code: county 640521 is "
                                  "outside your areas (640522)")))
      << r.out;
  EXPECT_TRUE(Has(r, absl::StrCat(bad,
                                  ":3: class_id: unknown class "
                                  "HY-C-2026-09")))
      << r.out;
  EXPECT_TRUE(Has(r, "nothing imported: 4 problems in 2 rows")) << r.out;
  r = Cli(absl::StrCat(home, " status"));
  EXPECT_TRUE(Has(r, "pending   8")) << r.out;

  r = Cli(absl::StrCat(home, " sync"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "sent 8 (accepted 8, rejected 0)")) << r.out;

  // The example classes ended in April and June 2026: their trainees'
  // first visits are overdue by now (todo_test pins the dates).
  r = Cli(absl::StrCat(home, " todo"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r,
                  "follow-up visit(s) due or overdue (dates: "
                  "Asia/Shanghai)"))
      << r.out;
  EXPECT_TRUE(Has(r, "2026-05-10  overdue")) << r.out;
  EXPECT_TRUE(Has(r,
                  "HY-T-0001 马小花 640522********0029  village "
                  "640522100201  class HY-C-2026-01 中式烹调师  visit 1 of 3"))
      << r.out;
  r = Cli(absl::StrCat(home, " todo --json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r,
                  "{\"kind\":\"follow-up-visit\",\"traineeId\":"
                  "\"HY-T-0001\""))
      << r.out;
  EXPECT_EQ(Cli(absl::StrCat(home, " todo extra")).code, 2);
}

TEST(CliImport, WrongCommandLinesExitTwo) {
  CliResult r = Cli("--home /tmp/none import people x.csv");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "unknown roster \"people\"")) << r.out;
  r = Cli("--home /tmp/none import trainees");
  EXPECT_EQ(r.code, 2);
  r = Cli("--home /tmp/none import trainees x.csv --encoding latin1");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r, "use auto, utf-8 or gb18030")) << r.out;
  r = Cli("import --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(Has(r, "KIND: institutions, classes, trainees, tasks")) << r.out;
}

}  // namespace
}  // namespace fieldsync
