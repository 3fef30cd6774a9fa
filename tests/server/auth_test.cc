// Logins, tokens and the audit trail over real gRPC, with a fake clock:
// failed logins slow down and then lock a name (known or not) without
// checking the password; logout, a new password and disabling revoke tokens;
// role and area changes apply at the next call; the audit trail is
// append-only and records uploads and account changes; names and texts with
// SQL metacharacters, quotes and Chinese are kept byte for byte.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/password.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/status_matchers.h"
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
using testing::kTestPassword;
using testing::StatusIs;
using testing::TempDir;
using testing::TestServer;

constexpr char kUser[] = "wu.fang";
constexpr char kWrongAnswer[] = "wrong user name or password";

// The time format of the server's messages.
std::string When(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest()
      : clock_(kNow),
        db_path_(dir_.Sub("server.db")),
        server_(db_path_, &clock_),
        rpc_(server_.address()),
        device_(NewDeviceId()) {
    server_.AddUser(kUser, v1::ROLE_INSPECTOR, {"640522"});
  }

  grpc::Status Login(const std::string& user, const std::string& password) {
    return rpc_.Login(user, password, device_);
  }

  // A login of `user` on a new device; its token.
  std::string LoginOn(const std::string& user, const std::string& device) {
    v1::LoginResponse resp;
    const grpc::Status s = rpc_.Login(user, kTestPassword, device, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.token();
  }

  // The failed-login counter of `user`, read from the file (the store has
  // no reader for it: only the login policy reads it, while counting).
  LoginAttempts Attempts(const std::string& user) {
    return RawDb(db_path_).Attempts(user);
  }

  std::vector<AuditEntry> Audit(const std::string& actor,
                                const std::string& action) {
    AuditFilter f;
    f.actor = actor;
    f.action = action;
    f.limit = 1000;
    auto rows = server_.accounts()->ListAudit(f);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<AuditEntry>{};
  }

  // Fails logins of `user` until it locks (AuthOptions defaults), waiting
  // out each slow-down on the fake clock. The time of the last failure.
  int64_t DriveToLock(const std::string& user) {
    const AuthOptions opt;
    int64_t last = clock_.NowMs();
    for (int n = 0; n < opt.lock_after; ++n) {
      if (n >= opt.free_failures) {
        last += std::min<int64_t>(int64_t{1000} << (n - opt.free_failures),
                                  opt.max_delay_ms);
        clock_.Set(last);
      }
      const grpc::Status s = Login(user, "not the password");
      EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << n << ": " << s.error_message();
    }
    EXPECT_EQ(Attempts(user).locked_until_ms, last + opt.lock_ms);
    return last;
  }

  TempDir dir_;
  FakeClock clock_;
  std::string db_path_;
  TestServer server_;
  Rpc rpc_;
  std::string device_;
};

// --- failed logins
// ----------------------------------------------------------------

TEST_F(AuthTest, FailedLoginsSlowDownThenLockEvenTheRightPassword) {
  const AuthOptions opt;
  ASSERT_EQ(opt.free_failures, 3);
  ASSERT_EQ(opt.lock_after, 10);
  int refused = 0;
  // The free failures.
  for (int i = 0; i < opt.free_failures; ++i) {
    const grpc::Status s = Login(kUser, absl::StrCat("wrong password ", i));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(s.error_message(), kWrongAnswer);
  }
  // Right away: refused without looking at the password.
  grpc::Status s = Login(kUser, kTestPassword);
  ++refused;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("slowed down for user \"wu.fang\" after 3 failed "
                         "logins: try again after ",
                         When(kNow + 1000), " (in 1 s)"));
  EXPECT_EQ(Attempts(kUser).failures, 3);  // a refusal is not a failure

  // Each further failure doubles the wait (1, 2, 4 ... s, at most 60 s)
  // after the last failure.
  int64_t last = kNow;
  for (int n = opt.free_failures; n < opt.lock_after; ++n) {
    SCOPED_TRACE(absl::StrCat("after ", n, " failures"));
    const int64_t delay = std::min<int64_t>(
        int64_t{1000} << (n - opt.free_failures), opt.max_delay_ms);
    clock_.Set(last + delay - 1);
    s = Login(kUser, kTestPassword);
    ++refused;
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_TRUE(Contains(s.error_message(),
                         absl::StrCat("slowed down for user \"wu.fang\" after ",
                                      n, " failed logins: try again after ",
                                      When(last + delay), " (in 1 s)")))
        << s.error_message();
    clock_.Set(last + delay);
    s = Login(kUser, "still wrong");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(s.error_message(), kWrongAnswer);
    last += delay;
    EXPECT_EQ(Attempts(kUser).failures, n + 1);
  }
  EXPECT_EQ(last - kNow, 1000 + 2000 + 4000 + 8000 + 16000 + 32000 + 60000);

  // Locked for 15 minutes, even with the right password.
  const int64_t until = last + opt.lock_ms;
  EXPECT_EQ(Attempts(kUser).locked_until_ms, until);
  s = Login(kUser, kTestPassword);
  ++refused;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(s.error_message(),
            absl::StrCat("locked for user \"wu.fang\" after 10 failed logins: "
                         "try again after ",
                         When(until),
                         " (in 900 s), or ask an administrator to unlock it"));
  clock_.Set(until - 1);
  s = Login(kUser, kTestPassword);
  ++refused;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(s.error_message(), "locked")) << s.error_message();
  EXPECT_TRUE(Contains(s.error_message(), "(in 1 s)")) << s.error_message();
  EXPECT_EQ(Attempts(kUser).failures, 10);

  // The lock runs out: the right password works and clears the counter.
  clock_.Set(until);
  s = Login(kUser, kTestPassword);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
  EXPECT_EQ(Attempts(kUser).failures, 0);
  EXPECT_EQ(Attempts(kUser).locked_until_ms, 0);
  // ...so three failures are free again.
  for (int i = 0; i < opt.free_failures; ++i) {
    s = Login(kUser, "wrong again");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  s = Login(kUser, kTestPassword);
  ++refused;
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The audit has every failure and every refusal.
  const auto failed = Audit(kUser, "login_failed");
  ASSERT_EQ(failed.size(), 13u);
  EXPECT_EQ(failed[0].detail, "wrong password; failure 1");
  EXPECT_EQ(failed[0].device_id, device_);
  EXPECT_EQ(failed[9].detail, absl::StrCat("wrong password; locked until ",
                                           When(until), "; failure 10"));
  EXPECT_EQ(failed[10].detail, "wrong password; failure 1");
  const auto refusals = Audit(kUser, "login_refused");
  ASSERT_EQ(refusals.size(), static_cast<size_t>(refused));
  EXPECT_TRUE(Contains(refusals[0].detail, "slowed down"))
      << refusals[0].detail;
  EXPECT_TRUE(Contains(refusals[8].detail, "locked")) << refusals[8].detail;
  EXPECT_EQ(Audit(kUser, "login").size(), 1u);
}

TEST_F(AuthTest, AfterALockRunsOutCountingStartsAfresh) {
  const AuthOptions opt;
  const int64_t last = DriveToLock(kUser);
  clock_.Set(last + opt.lock_ms);
  for (int i = 1; i <= opt.free_failures; ++i) {
    const grpc::Status s = Login(kUser, "wrong");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Attempts(kUser).failures, i);
    EXPECT_EQ(Attempts(kUser).locked_until_ms, 0);
  }
  EXPECT_EQ(Login(kUser, kTestPassword).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(AuthTest, ASuccessfulLoginClearsTheCounter) {
  EXPECT_EQ(Login(kUser, "wrong 1").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Login(kUser, "wrong 2").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Login(kUser, kTestPassword).ok());
  EXPECT_EQ(Attempts(kUser).failures, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login(kUser, "wrong").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_F(AuthTest, UnlockClearsALock) {
  DriveToLock(kUser);
  EXPECT_EQ(Login(kUser, kTestPassword).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  FS_ASSERT_OK(server_.accounts()->Unlock(kUser, "admin:root", clock_.NowMs()));
  EXPECT_EQ(Attempts(kUser).failures, 0);
  EXPECT_EQ(Attempts(kUser).locked_until_ms, 0);
  const grpc::Status s = Login(kUser, kTestPassword);
  EXPECT_TRUE(s.ok()) << s.error_message();
  const auto unlocks = Audit("admin:root", "unlock");
  ASSERT_EQ(unlocks.size(), 1u);
  EXPECT_EQ(unlocks[0].detail, "user wu.fang");
}

TEST_F(AuthTest, UnknownNamesAreCountedAndAnsweredLikeWrongPasswords) {
  const grpc::Status known = Login(kUser, "not the password");
  EXPECT_EQ(known.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  for (int i = 0; i < 3; ++i) {
    const grpc::Status s = Login("ghost", kTestPassword);
    EXPECT_EQ(s.error_code(), known.error_code());
    EXPECT_EQ(s.error_message(), known.error_message());
  }
  EXPECT_EQ(Attempts("ghost").failures, 3);
  grpc::Status s = Login("ghost", kTestPassword);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(s.error_message(),
                       "slowed down for user \"ghost\" after 3 failed logins"))
      << s.error_message();
  // And locked like a real name.
  clock_.Advance(1000);
  EXPECT_EQ(Login("ghost", "x-password").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  DriveToLock("nobody");
  s = Login("nobody", kTestPassword);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Contains(s.error_message(), "locked for user \"nobody\""))
      << s.error_message();

  const auto failed = Audit("ghost", "login_failed");
  ASSERT_EQ(failed.size(), 4u);
  EXPECT_EQ(failed[0].detail, "no such user; failure 1");
  EXPECT_EQ(failed[3].detail, "no such user; failure 4");
  EXPECT_EQ(Audit("ghost", "login_refused").size(), 1u);
  EXPECT_EQ(Audit("nobody", "login_failed").size(), 10u);
  // The known name's counter is its own.
  EXPECT_EQ(Attempts(kUser).failures, 1);
}

TEST_F(AuthTest, ADisabledAccountIsRefusedAfterThePasswordCheck) {
  FS_ASSERT_OK(
      server_.accounts()->SetDisabled(kUser, true, "admin:root", kNow));
  grpc::Status s = Login(kUser, kTestPassword);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(),
            "the account \"wu.fang\" is disabled: ask an administrator");
  s = Login(kUser, "wrong password");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto refusals = Audit(kUser, "login_refused");
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].detail, "account disabled");
}

// A disabled account gets one answer at login and at a token check:
// FAILED_PRECONDITION (only an administrator can fix it; retrying or logging
// in again cannot). Disabling revokes the tokens, so a token check meets a
// disabled account only with a token issued while it was being disabled (a
// login that passed its checks just before); the test makes that token by
// disabling the account in the file directly.
TEST_F(AuthTest, ADisabledAccountGetsTheSameCodeAtLoginAndAtTheTokenCheck) {
  constexpr char kDisabled[] =
      "the account \"wu.fang\" is disabled: ask an administrator";
  const std::string token = LoginOn(kUser, device_);
  {
    RawDb raw(db_path_, /*read_only=*/false);
    std::string error;
    ASSERT_EQ(raw.Exec("UPDATE users SET disabled = 1 WHERE name = 'wu.fang'",
                       &error),
              SQLITE_OK)
        << error;
  }
  EXPECT_THAT(rpc_.Handshake(Bearer(token), device_),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, kDisabled));
  v1::Identity who;
  EXPECT_THAT(rpc_.WhoAmI(Bearer(token), &who),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, kDisabled));
  EXPECT_THAT(Login(kUser, kTestPassword),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, kDisabled));
}

// The stand-in hash that unknown names are checked against is made when the
// server starts; if it cannot be made, the server does not start (rather
// than answering unknown names faster than known ones).
absl::StatusOr<std::string> NoMemoryToHash(absl::string_view, PasswordCost) {
  return absl::ResourceExhaustedError("not enough memory to hash the password");
}
absl::StatusOr<std::string> EmptyHash(absl::string_view, PasswordCost) {
  return std::string();
}

TEST(AuthStartTest, TheServerRefusesToStartWithoutTheStandInHash) {
  TempDir dir;
  auto store = SqliteServerStore::Open(dir.Sub("server.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto accounts = SqliteAccountStore::Open(dir.Sub("server.db"));
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ServerOptions options;
  options.auth.dummy_cost = PasswordCost::kTestOnlyFast;
  options.auth.hash_password = &NoMemoryToHash;
  auto server = FieldsyncServer::Start(store->get(), accounts->get(), options);
  EXPECT_THAT(server, StatusIs(absl::StatusCode::kResourceExhausted,
                               "cannot make the stand-in password hash"));
  EXPECT_THAT(server, StatusIs(absl::StatusCode::kResourceExhausted,
                               "(not enough memory to hash the password)"));
  options.auth.hash_password = &EmptyHash;
  EXPECT_THAT(FieldsyncServer::Start(store->get(), accounts->get(), options),
              StatusIs(absl::StatusCode::kInternal, "came out empty"));
  // With the real hasher it starts.
  options.auth.hash_password = &HashPassword;
  EXPECT_THAT(FieldsyncServer::Start(store->get(), accounts->get(), options),
              testing::IsOk());
}

// Guesses sent all at once must not get more password checks than guesses
// sent one by one: every checked (UNAUTHENTICATED) attempt is counted, and no
// more than free_failures are checked before the first wait. The user has an
// interactive-cost hash, so each check takes long enough for the guesses to
// overlap.
TEST_F(AuthTest, ConcurrentGuessesAreAllCountedAndThrottled) {
  constexpr char kSlowUser[] = "chen.jie";
  auto hash = HashPassword(kTestPassword, PasswordCost::kInteractive);
  ASSERT_TRUE(hash.ok()) << hash.status();
  ASSERT_TRUE(server_.accounts()
                  ->CreateUser(kSlowUser, v1::ROLE_INSPECTOR, *hash, {"640522"},
                               "test", kNow)
                  .ok());
  constexpr int kGuesses = 8;
  std::vector<grpc::StatusCode> codes(kGuesses);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kGuesses; ++i) {
    threads.emplace_back([&, i] {
      Rpc rpc(server_.address());
      while (!go.load()) std::this_thread::yield();
      codes[i] =
          rpc.Login(kSlowUser, absl::StrCat("guess number ", i), NewDeviceId())
              .error_code();
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  const int checked = static_cast<int>(std::count(
      codes.begin(), codes.end(), grpc::StatusCode::UNAUTHENTICATED));
  const int refused = static_cast<int>(std::count(
      codes.begin(), codes.end(), grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(checked + refused, kGuesses);
  EXPECT_EQ(Attempts(kSlowUser).failures, checked)
      << "failed logins were lost: " << checked << " passwords were checked";
  EXPECT_LE(checked, AuthOptions{}.free_failures)
      << "concurrent guesses bypassed the slow-down";
  EXPECT_EQ(Audit(kSlowUser, "login_failed").size(),
            static_cast<size_t>(checked));
}

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
