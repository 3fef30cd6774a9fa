// `fieldsync review`, `todo` and `history` as an inspector and a reviewer run
// them: the reviewer questions one record and accepts another; the inspector
// sees the question in `todo` and `status`, answers it, and a revision of the
// accepted record is refused; `history` tells the story; a wrong command
// line exits 2; text someone else typed cannot drive the terminal.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
  return absl::StrCat(FIELDSYNC_SOURCE_DIR, "/examples/", file);
}

// The id a `record` command printed (its first line).
std::string IdOf(const CliResult& r) {
  return std::string(absl::StripAsciiWhitespace(r.out.substr(0, 36)));
}

TEST(CliReview, AQuestionAnAnswerAndALockedRecord) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  server.AddUser("张伟", v1::ROLE_INSPECTOR, {"640522"});
  server.AddUser("周敏", v1::ROLE_REVIEWER, {});
  const std::string insp = absl::StrCat("--home ", dir.Sub("insp"));
  const std::string rev = absl::StrCat("--home ", dir.Sub("rev"));
  for (const auto& [home, user] :
       {std::pair{insp, "张伟"}, std::pair{rev, "周敏"}}) {
    CliResult r = Cli(absl::StrCat(home, " login --server ", server.address(),
                                   " --user ", user),
                      testing::kTestPassword);
    ASSERT_EQ(r.code, 0) << r.out;
  }
  CliResult r = Cli(absl::StrCat(insp, " record spot-check --json ",
                                 Example("spot-check.json")));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string asked = IdOf(r);
  r = Cli(absl::StrCat(insp, " record follow-up-visit --json ",
                       Example("follow-up-visit.json")));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string accepted = IdOf(r);
  ASSERT_EQ(Cli(absl::StrCat(insp, " sync")).code, 0);
  ASSERT_EQ(Cli(absl::StrCat(rev, " sync")).code, 0);

  // The reviewer's verdicts; the question carries an escape sequence that
  // would clear the inspector's screen if printed raw.
  r = Cli(absl::StrCat(rev, " review ", asked,
                       " --question '实操课时与签到表不符\x1b[2J请说明'"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, absl::StrCat("questioned ", asked, " (pending sync)")))
      << r.out;
  r = Cli(absl::StrCat(rev, " review ", accepted, " --accept"));
  EXPECT_EQ(r.code, 0) << r.out;
  r = Cli(absl::StrCat(rev, " list"));
  EXPECT_TRUE(Has(r, "accepted")) << r.out;
  EXPECT_TRUE(Has(r, "questioned")) << r.out;
  ASSERT_EQ(Cli(absl::StrCat(rev, " sync")).code, 0);
  ASSERT_EQ(Cli(absl::StrCat(insp, " sync")).code, 0);

  // The inspector sees the question, escaped, in todo and status.
  r = Cli(absl::StrCat(insp, " todo"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "1 review(s) waiting for you:")) << r.out;
  EXPECT_TRUE(Has(r, absl::StrCat("spot-check ", asked,
                                  " questioned by reviewer 周敏: "
                                  "\"实操课时与签到表不符\\x1b[2J请说明\"")))
      << r.out;
  EXPECT_FALSE(Has(r, "\x1b")) << "an escape sequence reached the terminal";
  r = Cli(absl::StrCat(insp, " todo --json"));
  EXPECT_TRUE(
      Has(r, absl::StrCat("{\"kind\":\"review\",\"recordId\":\"", asked, "\"")))
      << r.out;
  r = Cli(absl::StrCat(insp, " status"));
  EXPECT_TRUE(Has(r, "reviews   1 waiting for you")) << r.out;

  // A revision of the accepted record is refused before it is saved.
  r = Cli(absl::StrCat(insp, " record follow-up-visit --json ",
                       Example("follow-up-visit.json"), " --revise ",
                       accepted));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(Has(r, "accepted by reviewer 周敏 and is locked")) << r.out;

  // The answer; then nothing waits for the inspector, and the reviewer
  // gets the answer.
  r = Cli(
      absl::StrCat(insp, " review ", asked, " --answer '第二天补了4课时实操'"));
  EXPECT_EQ(r.code, 0) << r.out;
  r = Cli(absl::StrCat(insp, " todo"));
  EXPECT_FALSE(Has(r, "waiting for you")) << r.out;
  ASSERT_EQ(Cli(absl::StrCat(insp, " sync")).code, 0);
  ASSERT_EQ(Cli(absl::StrCat(rev, " sync")).code, 0);
  r = Cli(absl::StrCat(rev, " todo"));
  EXPECT_TRUE(Has(r, absl::StrCat("spot-check ", asked,
                                  " by 张伟 answered your question: "
                                  "\"第二天补了4课时实操\"")))
      << r.out;

  r = Cli(absl::StrCat(rev, " history ", asked));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "revision 1 by 张伟")) << r.out;
  EXPECT_TRUE(Has(r, "question  by 周敏")) << r.out;
  EXPECT_TRUE(Has(r, "answer    by 张伟")) << r.out;
  EXPECT_TRUE(Has(r, "received by the server")) << r.out;
  r = Cli(absl::StrCat(rev, " history ", asked, " --json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Has(r, "\"type\":\"review\"")) << r.out;

  // Wrong command lines.
  EXPECT_EQ(Cli(absl::StrCat(rev, " review ", asked)).code, 2);
  EXPECT_EQ(
      Cli(absl::StrCat(rev, " review ", asked, " --accept --reject no")).code,
      2);
  EXPECT_EQ(Cli(absl::StrCat(rev, " review --accept")).code, 2);
  EXPECT_EQ(Cli(absl::StrCat(rev, " history")).code, 2);
  r = Cli(absl::StrCat(rev,
                       " review 0190f5c2-8a1b-7c3d-9e4f-0123456789ab "
                       "--accept"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_TRUE(Has(r,
                  "no record 0190f5c2-8a1b-7c3d-9e4f-0123456789ab on this "
                  "device to review"))
      << r.out;
}

}  // namespace
}  // namespace fieldsync
