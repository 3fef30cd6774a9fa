// `fieldsync-server admin`, run as the built program (another process) on the
// database a TestServer is serving: users, roles, areas, passwords, locks,
// tokens and the audit trail. Passwords come on standard input. Every action
// is audited with the actor "admin:<os user>" and takes effect at the
// server's next call.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/auth.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

#ifndef FIELDSYNC_SERVER_BIN
#error "FIELDSYNC_SERVER_BIN must name the fieldsync-server program"
#endif

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::Contains;
using rpc_testing::Rpc;
using testing::kTestPassword;
using testing::TempDir;
using testing::TestServer;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string OsActor() {
  const struct passwd* pw = ::getpwuid(::geteuid());
  return absl::StrCat("admin:", pw != nullptr ? pw->pw_name : "unknown");
}

struct AdminResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const AdminResult& r) {
  return os << "exit " << r.exit_code << "\nstdout:\n"
            << r.out << "stderr:\n"
            << r.err;
}

// The rows of an `admin audit` listing (without the header).
std::vector<std::string> Rows(const std::string& listing) {
  std::vector<std::string> lines =
      absl::StrSplit(listing, '\n', absl::SkipEmpty());
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

class AdminCliTest : public ::testing::Test {
 protected:
  AdminCliTest()
      : clock_(SystemClock::Default()->NowMs()),
        db_path_(dir_.Sub("server.db")),
        server_(db_path_, &clock_),
        rpc_(server_.address()),
        actor_(OsActor()) {}

  // Runs `fieldsync-server admin --db DB ARGS...` with `input` on stdin.
  AdminResult Admin(const std::vector<std::string>& args,
                    const std::string& input = "") {
    const std::string in = dir_.Sub("stdin"), out = dir_.Sub("stdout"),
                      err = dir_.Sub("stderr");
    {
      std::ofstream f(in, std::ios::binary | std::ios::trunc);
      f << input;
    }
    std::string cmd = absl::StrCat(Quote(FIELDSYNC_SERVER_BIN), " admin --db ",
                                   Quote(db_path_));
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    absl::StrAppend(&cmd, " <", Quote(in), " >", Quote(out), " 2>", Quote(err));
    const int status = std::system(cmd.c_str());
    AdminResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  // The audit rows the admin command wrote for `action`.
  std::vector<AuditEntry> AdminAudit(const std::string& action) {
    AuditFilter f;
    f.actor = actor_;
    f.action = action;
    auto rows = server_.accounts()->ListAudit(f);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<AuditEntry>{};
  }

  std::vector<std::string> Details(const std::string& action) {
    std::vector<std::string> out;
    for (const AuditEntry& e : AdminAudit(action)) out.push_back(e.detail);
    return out;
  }

  v1::Identity WhoAmI(const std::string& token) {
    v1::Identity who;
    const grpc::Status s = rpc_.WhoAmI(Bearer(token), &who);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return who;
  }

  std::string LoginToken(const std::string& user, const std::string& password,
                         const std::string& device) {
    v1::LoginResponse resp;
    const grpc::Status s = rpc_.Login(user, password, device, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.token();
  }

  static std::vector<std::string> Areas(const v1::Identity& id) {
    return {id.areas().begin(), id.areas().end()};
  }

  TempDir dir_;
  FakeClock clock_;
  std::string db_path_;
  TestServer server_;
  Rpc rpc_;
  std::string actor_;
};

TEST_F(AdminCliTest, UserAddCreatesAUserWhoCanLogInWhileTheServerRuns) {
  const AdminResult r = Admin({"user", "add", "alice", "--role", "inspector",
                               "--area", "640522100", "--area", "640522"},
                              "alice-password-1\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "created user alice (inspector, areas 640522100,640522)\n");
  // The running server sees her at once.
  const std::string device = NewDeviceId();
  v1::LoginResponse login;
  const grpc::Status s =
      rpc_.Login("alice", "alice-password-1", device, &login);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(login.identity().role(), v1::ROLE_INSPECTOR);
  EXPECT_EQ(Areas(login.identity()),
            (std::vector<std::string>{"640522", "640522100"}));
  EXPECT_EQ(rpc_.Login("alice", kTestPassword, NewDeviceId()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  server_.AddUser("bo.reviewer", v1::ROLE_REVIEWER, {});
  const AdminResult list = Admin({"user", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  EXPECT_EQ(
      list.out,
      absl::StrCat(absl::StrFormat("%-20s %-15s %-9s %s\n", "USER", "ROLE",
                                   "STATE", "AREAS"),
                   absl::StrFormat("%-20s %-15s %-9s %s\n", "alice",
                                   "inspector", "active", "640522,640522100"),
                   absl::StrFormat("%-20s %-15s %-9s %s\n", "bo.reviewer",
                                   "reviewer", "active", "-")));
  EXPECT_EQ(Details("user_created"),
            std::vector<std::string>{
                "user alice role inspector areas 640522,640522100"});
}

TEST_F(AdminCliTest, UserAddRefusesBadInputAndCreatesNothing) {
  server_.AddUser("taken", v1::ROLE_INSPECTOR, {"640522"});
  struct Row {
    std::vector<std::string> args;
    std::string input;
    int exit_code;
    std::string message_part;
  };
  const std::vector<Row> rows = {
      {{"user", "add", "bob", "--role", "inspector", "--area", "640522"},
       "short\n",
       1,
       "password must be at least 8 characters"},
      {{"user", "add", "bob", "--role", "inspector"},
       "",
       1,
       "no password on standard input"},
      {{"user", "add", "bob", "--role", "boss"},
       "a good password\n",
       1,
       "fieldsync-server admin: role \"boss\" is not one of inspector, "
       "county-officer, reviewer, admin\n"},
      {{"user", "add", "bob", "--role", "inspector", "--area", "64052x"},
       "a good password\n",
       1,
       "area \"64052x\" must be a county code (6 digits) or a township code "
       "(9 digits)"},
      {{"user", "add", " bob", "--role", "inspector"},
       "a good password\n",
       1,
       "must not begin or end with a space"},
      {{"user", "add", "taken", "--role", "inspector"},
       "a good password\n",
       1,
       "user \"taken\" already exists"},
      {{"user", "add", "bob", "--area", "640522"},
       "a good password\n",
       2,
       "user add NAME --role ROLE"},
      {{"user", "add", "bob", "--role"},
       "a good password\n",
       2,
       "need a value"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrJoin(row.args, " "));
    const AdminResult r = Admin(row.args, row.input);
    EXPECT_EQ(r.exit_code, row.exit_code) << r;
    EXPECT_TRUE(Contains(r.err, row.message_part)) << r;
    EXPECT_EQ(r.out, "") << r;
  }
  EXPECT_TRUE(absl::IsNotFound(server_.accounts()->GetUser("bob").status()));
  EXPECT_TRUE(absl::IsNotFound(server_.accounts()->GetUser(" bob").status()));
  EXPECT_TRUE(AdminAudit("user_created").empty());
  auto users = server_.accounts()->ListUsers();
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 1u);
}

TEST_F(AdminCliTest, RoleAndAreaChangesApplyAtTheNextCall) {
  server_.AddUser("bob", v1::ROLE_INSPECTOR, {"640522"});
  const std::string token = LoginToken("bob", kTestPassword, NewDeviceId());
  struct Step {
    std::vector<std::string> args;
    int exit_code;
    std::string message_part;  // of stdout when 0, else of stderr
    v1::Role role;             // what WhoAmI says afterwards
    std::vector<std::string> areas;
  };
  const std::vector<Step> steps = {
      {{"user", "set-areas", "bob", "640521", "640522100"},
       0,
       "user bob: set-areas done",
       v1::ROLE_INSPECTOR,
       {"640521", "640522100"}},
      {{"user", "add-area", "bob", "640522"},
       0,
       "user bob: add-area done",
       v1::ROLE_INSPECTOR,
       {"640521", "640522", "640522100"}},
      {{"user", "remove-area", "bob", "640521"},
       0,
       "user bob: remove-area done",
       v1::ROLE_INSPECTOR,
       {"640522", "640522100"}},
      {{"user", "remove-area", "bob", "640521"},
       1,
       "user bob has no area 640521",
       v1::ROLE_INSPECTOR,
       {"640522", "640522100"}},
      {{"user", "add-area", "bob", "12345"},
       1,
       "area \"12345\" must be a county code",
       v1::ROLE_INSPECTOR,
       {"640522", "640522100"}},
      {{"user", "set-areas", "bob", "640521", "not-an-area"},
       1,
       "area \"not-an-area\"",
       v1::ROLE_INSPECTOR,
       {"640522", "640522100"}},
      {{"user", "set-areas", "bob"},
       0,
       "user bob: set-areas done",
       v1::ROLE_INSPECTOR,
       {}},
      {{"user", "set-areas", "bob", "640522"},
       0,
       "done",
       v1::ROLE_INSPECTOR,
       {"640522"}},
      {{"user", "set-role", "bob", "county-officer"},
       0,
       "user bob: set-role done",
       v1::ROLE_COUNTY_OFFICER,
       {"640522"}},
      {{"user", "set-role", "bob", "boss"},
       1,
       "role \"boss\" is not one of",
       v1::ROLE_COUNTY_OFFICER,
       {"640522"}},
      {{"user", "set-role", "bob"},
       2,
       "user set-role NAME ROLE",
       v1::ROLE_COUNTY_OFFICER,
       {"640522"}},
      {{"user", "set-role", "nobody", "reviewer"},
       1,
       "no user \"nobody\"",
       v1::ROLE_COUNTY_OFFICER,
       {"640522"}},
      {{"user", "set-role", "bob", "reviewer"},
       0,
       "done",
       v1::ROLE_REVIEWER,
       {}},  // a reviewer sees all areas: none listed
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(absl::StrJoin(step.args, " "));
    const AdminResult r = Admin(step.args);
    EXPECT_EQ(r.exit_code, step.exit_code) << r;
    EXPECT_TRUE(
        Contains(step.exit_code == 0 ? r.out : r.err, step.message_part))
        << r;
    const v1::Identity who = WhoAmI(token);
    EXPECT_EQ(who.role(), step.role);
    EXPECT_EQ(Areas(who), step.areas);
    EXPECT_EQ(who.all_areas(), step.role == v1::ROLE_REVIEWER);
  }
  const AdminResult list = Admin({"user", "list"});
  EXPECT_TRUE(
      Contains(list.out, absl::StrFormat("%-20s %-15s %-9s %s\n", "bob",
                                         "reviewer", "active", "640522")))
      << list;
  EXPECT_EQ(Details("set_areas"),
            (std::vector<std::string>{
                "user bob areas 640522 -> 640521,640522100",
                "user bob areas 640521,640522100 -> "
                "640521,640522,640522100",
                "user bob areas 640521,640522,640522100 -> 640522,640522100",
                "user bob areas 640522,640522100 -> (none)",
                "user bob areas (none) -> 640522"}));
  EXPECT_EQ(
      Details("set_role"),
      (std::vector<std::string>{"user bob role inspector -> county-officer",
                                "user bob role county-officer -> reviewer"}));
}

TEST_F(AdminCliTest, PasswdDisableEnableAndUnlock) {
  server_.AddUser("carol", v1::ROLE_INSPECTOR, {"640522"});
  const std::string device = NewDeviceId();
  const std::string token = LoginToken("carol", kTestPassword, device);

  // A new password logs every device out.
  AdminResult r = Admin({"user", "passwd", "carol"}, "carol-new-secret\n");
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "user carol: passwd done\n");
  grpc::Status s = rpc_.Handshake(Bearer(token), device);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Contains(s.error_message(), absl::StrCat("by ", actor_)))
      << s.error_message();
  EXPECT_EQ(rpc_.Login("carol", kTestPassword, device).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::string token2 = LoginToken("carol", "carol-new-secret", device);
  r = Admin({"user", "passwd", "carol"}, "tiny\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(Contains(r.err, "at least 8")) << r;
  r = Admin({"user", "passwd", "nobody"}, "long enough pw\n");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(Contains(r.err, "no user \"nobody\"")) << r;

  // Disable: tokens end, logins are refused; enable lets them in again.
  r = Admin({"user", "disable", "carol"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(rpc_.Handshake(Bearer(token2), device).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(rpc_.Login("carol", "carol-new-secret", device).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Contains(Admin({"user", "list"}).out, "disabled"));
  r = Admin({"user", "enable", "carol"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(rpc_.Login("carol", "carol-new-secret", device).ok());

  // Unlock: lock the name on the server's (fake) clock, then unlock it.
  const AuthOptions opt;
  int64_t t = clock_.NowMs();
  for (int n = 0; n < opt.lock_after; ++n) {
    if (n >= opt.free_failures) {
      t += std::min<int64_t>(int64_t{1000} << (n - opt.free_failures),
                             opt.max_delay_ms);
      clock_.Set(t);
    }
    EXPECT_EQ(rpc_.Login("carol", "guessing", device).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  s = rpc_.Login("carol", "carol-new-secret", device);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(s.error_message(), "locked")) << s.error_message();
  r = Admin({"user", "unlock", "carol"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "user carol: unlock done\n");
  s = rpc_.Login("carol", "carol-new-secret", device);
  EXPECT_TRUE(s.ok()) << s.error_message();

  EXPECT_EQ(Details("set_password"),
            std::vector<std::string>{"user carol; 1 token(s) revoked"});
  EXPECT_EQ(Details("user_disabled"),
            std::vector<std::string>{"user carol; 1 token(s) revoked"});
  EXPECT_EQ(Details("user_enabled"),
            std::vector<std::string>{"user carol; 0 token(s) revoked"});
  EXPECT_EQ(Details("unlock"), std::vector<std::string>{"user carol"});
}

TEST_F(AdminCliTest, TokenListAndRevoke) {
  server_.AddUser("dave", v1::ROLE_INSPECTOR, {"640522"});
  server_.AddUser("erin", v1::ROLE_INSPECTOR, {"640522"});
  const std::string d1 = NewDeviceId(), d2 = NewDeviceId(), d3 = NewDeviceId();
  const std::string t1 = LoginToken("dave", kTestPassword, d1);
  const std::string t2 = LoginToken("dave", kTestPassword, d2);
  const std::string t3 = LoginToken("erin", kTestPassword, d3);
  auto tokens = server_.accounts()->ListTokens("dave");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  const int64_t id2 = (*tokens)[0].token_id, id1 = (*tokens)[1].token_id;
  ASSERT_EQ((*tokens)[1].device_id, d1);

  AdminResult r = Admin({"token", "list", "--user", "dave"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 2u) << r;
  EXPECT_TRUE(absl::StartsWith(rows[0], absl::StrCat(id2, " "))) << rows[0];
  EXPECT_TRUE(Contains(rows[0], IdToString(d2))) << rows[0];
  EXPECT_TRUE(absl::EndsWith(rows[0], " live")) << rows[0];
  EXPECT_TRUE(Contains(rows[1], IdToString(d1))) << rows[1];
  EXPECT_EQ(Rows(Admin({"token", "list"}).out).size(), 3u);

  r = Admin({"token", "revoke", absl::StrCat(id1)});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, absl::StrCat("revoked token ", id1, "\n"));
  grpc::Status s = rpc_.Handshake(Bearer(t1), d1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Contains(s.error_message(), absl::StrCat("by ", actor_)))
      << s.error_message();
  EXPECT_TRUE(rpc_.Handshake(Bearer(t2), d2).ok());
  rows = Rows(Admin({"token", "list", "--user", "dave"}).out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(Contains(rows[1], absl::StrCat("revoked ")) &&
              absl::EndsWith(rows[1], absl::StrCat(" by ", actor_)))
      << rows[1];

  r = Admin({"token", "revoke", "--user", "dave"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "revoked 1 token(s) of dave\n");
  EXPECT_EQ(rpc_.Handshake(Bearer(t2), d2).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(rpc_.Handshake(Bearer(t3), d3).ok());  // erin's is untouched

  r = Admin({"token", "revoke", "99999"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(Contains(r.err, "no token 99999")) << r;
  r = Admin({"token", "revoke", "abc"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Admin({"token", "revoke", "--user", "nobody"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(Contains(r.err, "no user \"nobody\"")) << r;

  EXPECT_EQ(Details("token_revoked"), std::vector<std::string>{absl::StrCat(
                                          "token ", id1, " of user dave")});
  EXPECT_EQ(Details("tokens_revoked"),
            std::vector<std::string>{"user dave; 1 token(s) revoked"});
  EXPECT_EQ(AdminAudit("token_revoked")[0].device_id, d1);
}

TEST_F(AdminCliTest, AuditFiltersByUserActionAndLimit) {
  server_.AddUser("erin", v1::ROLE_INSPECTOR, {"640522"});
  ASSERT_EQ(Admin({"user", "set-role", "erin", "reviewer"}).exit_code, 0);
  ASSERT_EQ(Admin({"user", "set-role", "erin", "inspector"}).exit_code, 0);
  ASSERT_EQ(Admin({"user", "set-areas", "erin", "640521"}).exit_code, 0);
  EXPECT_EQ(rpc_.Login("erin", "wrong password", NewDeviceId()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  AdminResult r = Admin({"audit"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "SEQ ")) << r;
  EXPECT_EQ(Rows(r.out).size(), 5u) << r;  // created, 2 roles, areas, failure

  r = Admin({"audit", "--user", actor_});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<std::string> rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 3u) << r;
  for (const std::string& row : rows) {
    EXPECT_TRUE(Contains(row, absl::StrCat(" ", actor_, " "))) << row;
  }

  r = Admin({"audit", "--action", "set_role"});
  rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 2u) << r;
  EXPECT_TRUE(absl::EndsWith(rows[0], "user erin role inspector -> reviewer"));
  EXPECT_TRUE(absl::EndsWith(rows[1], "user erin role reviewer -> inspector"));

  r = Admin({"audit", "--action", "set_role", "--limit", "1"});
  rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 1u) << r;
  EXPECT_TRUE(absl::EndsWith(rows[0], "user erin role inspector -> reviewer"));

  r = Admin({"audit", "--user", "erin", "--action", "login_failed"});
  rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 1u) << r;
  EXPECT_TRUE(absl::EndsWith(rows[0], "wrong password; failure 1")) << rows[0];

  r = Admin({"audit", "--user", actor_, "--action", "set_areas"});
  rows = Rows(r.out);
  ASSERT_EQ(rows.size(), 1u) << r;
  EXPECT_TRUE(absl::EndsWith(rows[0], "user erin areas 640522 -> 640521"));

  // --after: only rows after that sequence number.
  const std::vector<AuditEntry> roles = AdminAudit("set_role");
  ASSERT_EQ(roles.size(), 2u);
  r = Admin({"audit", "--after", absl::StrCat(roles[1].seq)});
  EXPECT_EQ(Rows(r.out).size(), 2u) << r;

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"audit", "--limit", "0"},
                                             {"audit", "--limit", "ten"},
                                             {"audit", "--since", "2026-13-01"},
                                             {"audit", "--after", "x"},
                                             {"audit", "--user"},
                                             {"audit", "extra"}}) {
    SCOPED_TRACE(absl::StrJoin(bad, " "));
    r = Admin(bad);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_EQ(r.out, "") << r;
  }
}

// A failed login's user name is whatever the caller sent: `audit` prints it
// with control characters escaped, so it cannot clear the admin's screen,
// retitle the window or hide the rows above it (issue 15).
TEST_F(AdminCliTest, AuditEscapesControlCharactersOfUserText) {
  const std::string hostile =
      "mallory\x1b[2J\x1b]0;pwned\x07\rroot\xc2\x9b"
      "2J";
  EXPECT_EQ(rpc_.Login(hostile, "wrong password", NewDeviceId()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  AdminResult r = Admin({"audit", "--action", "login_failed"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "raw ESC printed";
  EXPECT_EQ(r.out.find('\x07'), std::string::npos) << "raw BEL printed";
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "raw CR printed";
  EXPECT_EQ(r.out.find("\xc2\x9b"), std::string::npos) << "raw C1 CSI printed";
  EXPECT_TRUE(
      Contains(r.out, "mallory\\x1b[2J\\x1b]0;pwned\\x07\\x0droot\\u009b2J"))
      << r;
}

// A mistyped --db path is refused rather than silently creating an empty
// database; only `user add` (the first user) creates one.
TEST_F(AdminCliTest, AMissingDatabaseIsCreatedOnlyByUserAdd) {
  const std::string saved = db_path_;
  db_path_ = dir_.Sub("typo.db");
  AdminResult r = Admin({"user", "list"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_TRUE(Contains(r.err, absl::StrCat("no server database at ", db_path_)))
      << r;
  EXPECT_FALSE(std::ifstream(db_path_).good());
  r = Admin({"user", "add", "first.admin", "--role", "admin"},
            "first-admin-password\n");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(Contains(r.err, "created a new server database")) << r;
  EXPECT_EQ(r.out, "created user first.admin (admin, areas none)\n");
  r = Admin({"user", "list"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(Contains(r.out, "first.admin")) << r;
  db_path_ = saved;
}

TEST_F(AdminCliTest, UnknownCommandsAreUsageErrors) {
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{},
                                             {"frobnicate"},
                                             {"user"},
                                             {"user", "frobnicate", "x"},
                                             {"token"},
                                             {"token", "frobnicate"}}) {
    SCOPED_TRACE(absl::StrJoin(bad, " "));
    const AdminResult r = Admin(bad);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_TRUE(absl::StartsWith(r.err, "fieldsync-server admin: ")) << r;
  }
  // Nothing was audited.
  AuditFilter f;
  f.actor = actor_;
  auto rows = server_.accounts()->ListAudit(f);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

}  // namespace
}  // namespace fieldsync
