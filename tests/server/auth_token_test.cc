// Tokens, the audit trail and names over real gRPC, with a fake clock:
// logout, a new password and disabling revoke tokens (and enabling does not
// bring them back), logging a device in as another user ends the first
// user's token, role and area changes apply at the next call; the audit trail
// is append-only and records uploads with user, device and sequences; names
// and texts with SQL metacharacters, quotes and Chinese are kept byte for
// byte. The fixture is in auth_test_support.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/auth.h"
#include "tests/server/auth_test_support.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::BodyOf;
using rpc_testing::ChangeIn;
using rpc_testing::Contains;
using rpc_testing::kNow;
using rpc_testing::RawDb;
using rpc_testing::RecordIn;
using rpc_testing::Rpc;
using testing::AuthTest;
using testing::kTestPassword;
using testing::kUser;
using testing::When;

// --- tokens
// -----------------------------------------------------------------------

TEST_F(AuthTest, LogoutRevokesOnlyThatToken) {
  const std::string token = LoginOn(kUser, device_);
  const std::string other_device = NewDeviceId();
  const std::string other = LoginOn(kUser, other_device);
  ASSERT_TRUE(rpc_.Handshake(Bearer(token), device_).ok());
  clock_.Advance(5000);
  ASSERT_TRUE(rpc_.Logout(Bearer(token)).ok());
  grpc::Status s = rpc_.Handshake(Bearer(token), device_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("the token was revoked at ", When(kNow + 5000),
                         " by wu.fang: log in again (fieldsync login)"));
  v1::Identity who;
  EXPECT_EQ(rpc_.WhoAmI(Bearer(token), &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(rpc_.Logout(Bearer(token)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(rpc_.Handshake(Bearer(other), other_device).ok());
  const auto logouts = Audit(kUser, "logout");
  ASSERT_EQ(logouts.size(), 1u);
  EXPECT_EQ(logouts[0].device_id, device_);
  EXPECT_TRUE(Contains(logouts[0].detail, "of user wu.fang"))
      << logouts[0].detail;
}

TEST_F(AuthTest, WhoAmIFollowsRoleAndAreaChangesWithoutANewLogin) {
  const std::string token = LoginOn(kUser, device_);
  v1::Identity who;
  ASSERT_TRUE(rpc_.WhoAmI(Bearer(token), &who).ok());
  EXPECT_EQ(who.user(), kUser);
  EXPECT_EQ(who.role(), v1::ROLE_INSPECTOR);
  EXPECT_EQ(std::vector<std::string>(who.areas().begin(), who.areas().end()),
            std::vector<std::string>{"640522"});
  EXPECT_FALSE(who.all_areas());
  EXPECT_EQ(who.device_id(), device_);
  EXPECT_EQ(who.token_expires_ms(), kNow + AuthOptions{}.token_ttl_ms);

  // Areas: the next call sees them (unsorted and repeated in, sorted out).
  FS_ASSERT_OK(server_.accounts()->SetAreas(
      kUser, {"640522101", "640521", "640522101"}, "admin:root", kNow));
  ASSERT_TRUE(rpc_.WhoAmI(Bearer(token), &who).ok());
  EXPECT_EQ(std::vector<std::string>(who.areas().begin(), who.areas().end()),
            (std::vector<std::string>{"640521", "640522101"}));
  v1::HandshakeResponse hs;
  ASSERT_TRUE(rpc_.Handshake(Bearer(token), device_, &hs).ok());
  EXPECT_EQ(hs.identity().SerializeAsString(), who.SerializeAsString());
  v1::UploadResponse up;
  ASSERT_TRUE(rpc_.Upload(Bearer(token), device_,
                          {{1, ChangeIn(RecordKind::kSpotCheck, kUser, device_,
                                        "640522", "640522100")},
                           {2, ChangeIn(RecordKind::kSpotCheck, kUser, device_,
                                        "640522", "640522101")},
                           {3, ChangeIn(RecordKind::kSpotCheck, kUser, device_,
                                        "640521", "640521100")}},
                          &up)
                  .ok());
  ASSERT_EQ(up.outcomes_size(), 3);
  EXPECT_EQ(up.outcomes(0).code(), 7);  // no longer in its areas
  EXPECT_EQ(up.outcomes(1).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(up.outcomes(2).status(), v1::OUTCOME_STATUS_ACCEPTED);

  // Role: a reviewer sees everything and may upload nothing.
  FS_ASSERT_OK(server_.accounts()->SetRole(kUser, v1::ROLE_REVIEWER,
                                           "admin:root", kNow));
  ASSERT_TRUE(rpc_.WhoAmI(Bearer(token), &who).ok());
  EXPECT_EQ(who.role(), v1::ROLE_REVIEWER);
  EXPECT_TRUE(who.all_areas());
  EXPECT_EQ(who.areas_size(), 0);
  ASSERT_TRUE(rpc_.Upload(Bearer(token), device_,
                          {{4, ChangeIn(RecordKind::kSpotCheck, kUser, device_,
                                        "640521")}},
                          &up)
                  .ok());
  EXPECT_EQ(up.outcomes(0).code(), 7);
  EXPECT_TRUE(Contains(up.outcomes(0).reason(), "reviewer"))
      << up.outcomes(0).reason();

  // Both changes are audited with before and after.
  const auto areas = Audit("admin:root", "set_areas");
  ASSERT_EQ(areas.size(), 1u);
  EXPECT_EQ(areas[0].detail, "user wu.fang areas 640522 -> 640521,640522101");
  const auto roles = Audit("admin:root", "set_role");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].detail, "user wu.fang role inspector -> reviewer");
  FS_ASSERT_OK(server_.accounts()->SetAreas(kUser, {}, "admin:root", kNow + 1));
  EXPECT_EQ(Audit("admin:root", "set_areas").back().detail,
            "user wu.fang areas 640521,640522101 -> (none)");
}

TEST_F(AuthTest, ANewPasswordRevokesEveryToken) {
  const std::string d2 = NewDeviceId();
  const std::string t1 = LoginOn(kUser, device_);
  const std::string t2 = LoginOn(kUser, d2);
  auto hash = HashPassword("a new password", PasswordCost::kTestOnlyFast);
  ASSERT_TRUE(hash.ok());
  FS_ASSERT_OK(
      server_.accounts()->SetPassword(kUser, *hash, "admin:root", kNow));
  for (const auto& [token, device] :
       {std::pair{t1, device_}, std::pair{t2, d2}}) {
    const grpc::Status s = rpc_.Handshake(Bearer(token), device);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_TRUE(Contains(s.error_message(), "revoked at"));
    EXPECT_TRUE(Contains(s.error_message(), "by admin:root"));
  }
  EXPECT_EQ(Login(kUser, kTestPassword).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::LoginResponse fresh;
  ASSERT_TRUE(rpc_.Login(kUser, "a new password", device_, &fresh).ok());
  EXPECT_TRUE(rpc_.Handshake(Bearer(fresh.token()), device_).ok());
  const auto audit = Audit("admin:root", "set_password");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].detail, "user wu.fang; 2 token(s) revoked");
}

TEST_F(AuthTest, DisablingRevokesTokensAndEnablingDoesNotRestoreThem) {
  const std::string token = LoginOn(kUser, device_);
  FS_ASSERT_OK(
      server_.accounts()->SetDisabled(kUser, true, "admin:root", kNow));
  grpc::Status s = rpc_.Handshake(Bearer(token), device_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Contains(s.error_message(), "revoked")) << s.error_message();
  EXPECT_EQ(Login(kUser, kTestPassword).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  FS_ASSERT_OK(
      server_.accounts()->SetDisabled(kUser, false, "admin:root", kNow));
  EXPECT_EQ(rpc_.Handshake(Bearer(token), device_).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::string again = LoginOn(kUser, device_);
  EXPECT_TRUE(rpc_.Handshake(Bearer(again), device_).ok());
  EXPECT_EQ(Audit("admin:root", "user_disabled")[0].detail,
            "user wu.fang; 1 token(s) revoked");
  EXPECT_EQ(Audit("admin:root", "user_enabled")[0].detail,
            "user wu.fang; 0 token(s) revoked");
}

TEST_F(AuthTest, LoggingADeviceInAsAnotherUserEndsTheFirstUsersToken) {
  server_.AddUser("li.na", v1::ROLE_INSPECTOR, {"640522"});
  const std::string first = LoginOn(kUser, device_);
  const std::string second = LoginOn("li.na", device_);
  const grpc::Status s = rpc_.Handshake(Bearer(first), device_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Contains(s.error_message(), "revoked")) << s.error_message();
  v1::HandshakeResponse hs;
  ASSERT_TRUE(rpc_.Handshake(Bearer(second), device_, &hs).ok());
  EXPECT_EQ(hs.identity().user(), "li.na");
}

// --- the audit trail
// ----------------------------------------------------------------

class AuthAuditTest : public AuthTest {
 protected:
  // Some history: a login, an upload, a logout.
  void MakeHistory() {
    const std::string token = LoginOn(kUser, device_);
    v1::UploadResponse up;
    ASSERT_TRUE(rpc_.Upload(Bearer(token), device_,
                            {{1, ChangeIn(RecordKind::kSpotCheck, kUser,
                                          device_, "640522")}},
                            &up)
                    .ok());
    ASSERT_TRUE(rpc_.Logout(Bearer(token)).ok());
  }

  std::vector<std::string> Snapshot() {
    std::vector<std::string> rows;
    for (const AuditEntry& e : Audit("", "")) {
      rows.push_back(absl::StrCat(e.seq, "|", e.at_ms, "|", e.actor, "|",
                                  e.device_id, "|", e.action, "|", e.detail));
    }
    return rows;
  }
};

TEST_F(AuthAuditTest, UpdatesAndDeletesAreRefused) {
  MakeHistory();
  const std::vector<std::string> before = Snapshot();
  ASSERT_GE(before.size(), 4u);
  RawDb raw(db_path_, /*read_only=*/false);
  for (const char* sql :
       {"UPDATE audit SET detail = 'nothing happened'",
        "UPDATE audit SET actor = 'someone else' WHERE action = 'login'",
        "DELETE FROM audit", "DELETE FROM audit WHERE action = 'upload'"}) {
    SCOPED_TRACE(sql);
    std::string error;
    EXPECT_NE(raw.Exec(sql, &error), SQLITE_OK);
    EXPECT_TRUE(Contains(error, "the audit trail is append-only")) << error;
  }
  EXPECT_EQ(Snapshot(), before);
  // Appending stays possible (that is what the server does).
  std::string error;
  EXPECT_EQ(raw.Exec("INSERT INTO audit(at_ms, actor, action, detail) "
                     "VALUES(1, 'x', 'note', 'appended')",
                     &error),
            SQLITE_OK)
      << error;
  EXPECT_EQ(Snapshot().size(), before.size() + 1);
}

// INSERT OR REPLACE deletes the conflicting row without firing the DELETE
// trigger (SQLite fires delete triggers for REPLACE only with
// recursive_triggers on), so it must be refused on its own.
TEST_F(AuthAuditTest, RowsCannotBeOverwrittenWithInsertOrReplace) {
  MakeHistory();
  const std::vector<std::string> before = Snapshot();
  RawDb raw(db_path_, /*read_only=*/false);
  for (const char* sql :
       {"INSERT OR REPLACE INTO audit(seq, at_ms, actor, action, detail) "
        "VALUES(1, 0, 'nobody', 'login', 'forged')",
        "REPLACE INTO audit(seq, at_ms, actor, action, detail) "
        "VALUES(2, 0, 'nobody', 'login', 'forged')"}) {
    SCOPED_TRACE(sql);
    std::string error;
    EXPECT_NE(raw.Exec(sql, &error), SQLITE_OK)
        << "an audit row was overwritten";
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AuthAuditTest, AcceptedUploadsAreAuditedWithUserDeviceAndSequences) {
  const std::string token = LoginOn(kUser, device_);
  auto change = [&](const char* county) {
    return ChangeIn(RecordKind::kSpotCheck, kUser, device_, county);
  };
  v1::UploadResponse up;
  ASSERT_TRUE(rpc_.Upload(Bearer(token), device_,
                          {{1, change("640522")},
                           {2, change("640521")},
                           {3, change("640522")}},
                          &up)
                  .ok());
  ASSERT_TRUE(
      rpc_.Upload(Bearer(token), device_, {{4, change("640522")}}, &up).ok());
  ASSERT_TRUE(
      rpc_.Upload(Bearer(token), device_, {{5, change("640521")}}, &up).ok());
  // A retry decides nothing new: no row.
  ASSERT_TRUE(
      rpc_.Upload(Bearer(token), device_, {{4, change("640522")}}, &up).ok());
  const auto rows = Audit(kUser, "upload");
  ASSERT_EQ(rows.size(), 3u);
  for (const AuditEntry& e : rows) {
    EXPECT_EQ(e.actor, kUser);
    EXPECT_EQ(e.device_id, device_);
    EXPECT_EQ(e.at_ms, kNow);
  }
  EXPECT_EQ(rows[0].detail,
            "accepted 2 (server_seq 1-2), rejected 1 (1 permission denied)");
  EXPECT_EQ(rows[1].detail, "accepted 1 (server_seq 3), rejected 0");
  EXPECT_EQ(rows[2].detail, "accepted 0, rejected 1 (1 permission denied)");
  // A login is audited with role, areas and token id.
  const auto logins = Audit(kUser, "login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_TRUE(Contains(logins[0].detail, "role inspector areas 640522; token"))
      << logins[0].detail;
}

// --- SQL metacharacters, quotes and Chinese
// -----------------------------------------

constexpr char kEvilName[] = "O'Brien\"; DROP TABLE users;--";
constexpr char kChineseName[] = "张伟 (海原)";

std::string NastyText() {
  return "'; DROP TABLE changes; -- \"quoted\" back\\slash \\\\ \\n "
         "100% _match_ %_ LIKE 'a%' 🚜😀 张伟在海原县：实操课时不足。";
}

TEST_F(AuthTest, NamesAndTextsWithSqlMetacharactersRoundTripVerbatim) {
  server_.AddUser(kEvilName, v1::ROLE_INSPECTOR, {"640522"});
  server_.AddUser(kChineseName, v1::ROLE_INSPECTOR, {"640522"});
  // Created, listed and found exactly, and nothing else matches.
  auto users = server_.accounts()->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status();
  std::vector<std::string> names;
  for (const UserRecord& u : *users) names.push_back(u.name);
  EXPECT_EQ(names, (std::vector<std::string>{kEvilName, kUser, kChineseName}));
  EXPECT_TRUE(
      absl::IsNotFound(server_.accounts()->GetUser("O'Brien%").status()));
  EXPECT_TRUE(absl::IsNotFound(server_.accounts()->GetUser("张伟%").status()));

  const std::string evil_device = NewDeviceId();
  const std::string chinese_device = NewDeviceId();
  v1::LoginResponse evil_login, chinese_login;
  ASSERT_TRUE(
      rpc_.Login(kEvilName, kTestPassword, evil_device, &evil_login).ok());
  ASSERT_TRUE(
      rpc_.Login(kChineseName, kTestPassword, chinese_device, &chinese_login)
          .ok());
  EXPECT_EQ(evil_login.identity().user(), kEvilName);
  EXPECT_EQ(chinese_login.identity().user(), kChineseName);
  auto tokens = server_.accounts()->ListTokens(kEvilName);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].user, kEvilName);
  tokens = server_.accounts()->ListTokens("%");
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE(tokens->empty());

  // A record full of metacharacters, both ways.
  const std::string text = NastyText();
  auto nasty = [&](const std::string& author, const std::string& device) {
    v1::Record r =
        RecordIn(RecordKind::kSpotCheck, author, device, "640522", "640522100");
    r.set_notes(text);
    r.mutable_spot_check()->set_findings(text + " findings");
    r.mutable_rubric_links(0)->set_finding(text);
    return BodyOf(r);
  };
  const std::string evil_body = nasty(kEvilName, evil_device);
  const std::string chinese_body = nasty(kChineseName, chinese_device);
  v1::UploadResponse up;
  ASSERT_TRUE(rpc_.Upload(Bearer(evil_login.token()), evil_device,
                          {{1, evil_body}}, &up)
                  .ok());
  ASSERT_EQ(up.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED)
      << up.outcomes(0).reason();
  ASSERT_TRUE(rpc_.Upload(Bearer(chinese_login.token()), chinese_device,
                          {{1, chinese_body}}, &up)
                  .ok());
  ASSERT_EQ(up.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED)
      << up.outcomes(0).reason();
  // A refusal names both users verbatim.
  ASSERT_TRUE(rpc_.Upload(Bearer(evil_login.token()), evil_device,
                          {{2, nasty(kChineseName, evil_device)}}, &up)
                  .ok());
  EXPECT_EQ(up.outcomes(0).reason(),
            absl::StrCat("record.author \"", kChineseName,
                         "\" is not the logged-in user \"", kEvilName,
                         "\": log in as its author to send it"));

  auto fetch = [&](const v1::LoginResponse& login, const std::string& device) {
    std::vector<v1::FeedEntry> entries;
    const grpc::Status s = rpc_.Download(
        Bearer(login.token()), Rpc::DownloadRequest(device), &entries);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return entries;
  };
  const auto seen_by_chinese = fetch(chinese_login, chinese_device);
  ASSERT_EQ(seen_by_chinese.size(), 2u);
  EXPECT_EQ(seen_by_chinese[0].body(), evil_body);  // byte-exact
  const auto seen_by_evil = fetch(evil_login, evil_device);
  ASSERT_EQ(seen_by_evil.size(), 2u);
  EXPECT_EQ(seen_by_evil[1].body(), chinese_body);
  v1::ChangeBody parsed;
  ASSERT_TRUE(parsed.ParseFromString(seen_by_chinese[0].body()));
  EXPECT_EQ(parsed.record().notes(), text);
  EXPECT_EQ(parsed.record().spot_check().findings(), text + " findings");
  EXPECT_EQ(parsed.record().rubric_links(0).finding(), text);
  EXPECT_EQ(parsed.record().author(), kEvilName);

  // Nothing was dropped.
  users = server_.accounts()->ListUsers();
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 3u);
  auto summary = server_.store()->Summarize();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->changes, 2u);

  // The audit keeps the names verbatim.
  const auto created = Audit("test", "user_created");
  std::vector<std::string> details;
  for (const AuditEntry& e : created) details.push_back(e.detail);
  EXPECT_NE(std::find(details.begin(), details.end(),
                      absl::StrCat("user ", kEvilName,
                                   " role inspector areas 640522")),
            details.end());
  EXPECT_NE(std::find(details.begin(), details.end(),
                      absl::StrCat("user ", kChineseName,
                                   " role inspector areas 640522")),
            details.end());
  EXPECT_EQ(Audit(kEvilName, "login").size(), 1u);
  EXPECT_EQ(Audit(kEvilName, "upload").size(), 2u);
  EXPECT_EQ(Audit(kChineseName, "upload").size(), 1u);
  EXPECT_TRUE(Audit("%", "").empty());
  EXPECT_TRUE(Audit("O'Brien", "").empty());
  // Failed logins under such names are counted under exactly that name.
  EXPECT_EQ(Login(kEvilName, "wrong password").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Attempts(kEvilName).failures, 1);
  EXPECT_EQ(Attempts("O'Brien").failures, 0);
  const auto failed = Audit(kEvilName, "login_failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].actor, kEvilName);
}

}  // namespace
}  // namespace fieldsync
