// Logins over real gRPC, with a fake clock: failed logins slow down and then
// lock a name (known or not) without checking the password, a lock runs out
// or is lifted, a successful login clears the count, a disabled account is
// refused after the password check, concurrent guesses are all counted, and
// the server does not start without the stand-in hash for unknown names.
// Tokens, the audit trail and awkward names are in auth_token_test.cc; the
// fixture in auth_test_support.h.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/password.h"
#include "tests/server/auth_test_support.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::Contains;
using rpc_testing::kNow;
using rpc_testing::RawDb;
using rpc_testing::Rpc;
using testing::AuthTest;
using testing::kTestPassword;
using testing::kUser;
using testing::StatusIs;
using testing::TempDir;
using testing::When;

constexpr char kWrongAnswer[] = "wrong user name or password";

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

// Creates `user` with an interactive-cost hash of kTestPassword (so each
// check takes long enough for the attempts to overlap), then logs in with
// every password of `passwords` at once, each from a new device; the codes.
std::vector<grpc::StatusCode> LoginAllAtOnce(
    testing::TestServer& server, const std::string& user,
    const std::vector<std::string>& passwords) {
  auto hash = HashPassword(kTestPassword, PasswordCost::kInteractive);
  EXPECT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(server.accounts()
                  ->CreateUser(user, v1::ROLE_INSPECTOR, *hash, {"640522"},
                               "test", kNow)
                  .ok());
  std::vector<grpc::StatusCode> codes(passwords.size());
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < passwords.size(); ++i) {
    threads.emplace_back([&, i] {
      Rpc rpc(server.address());
      while (!go.load()) std::this_thread::yield();
      codes[i] = rpc.Login(user, passwords[i], NewDeviceId()).error_code();
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  return codes;
}

// Guesses sent all at once must not get more password checks than guesses
// sent one by one: every checked (UNAUTHENTICATED) attempt is counted, and no
// more than free_failures are checked before the first wait. The user has an
// interactive-cost hash, so each check takes long enough for the guesses to
// overlap.
TEST_F(AuthTest, ConcurrentGuessesAreAllCountedAndThrottled) {
  constexpr char kSlowUser[] = "chen.jie";
  constexpr int kGuesses = 8;
  std::vector<std::string> guesses;
  for (int i = 0; i < kGuesses; ++i) {
    guesses.push_back(absl::StrCat("guess number ", i));
  }
  const std::vector<grpc::StatusCode> codes =
      LoginAllAtOnce(server_, kSlowUser, guesses);
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

// Correct logins sent all at once (one user on several devices) all
// succeed: a login is counted only when its password check fails, and the
// attempts of one user wait their turn instead of being counted first.
TEST_F(AuthTest, ConcurrentCorrectLoginsAllSucceed) {
  constexpr char kSlowUser[] = "chen.jie";
  constexpr int kLogins = 8;
  const std::vector<grpc::StatusCode> codes = LoginAllAtOnce(
      server_, kSlowUser, std::vector<std::string>(kLogins, kTestPassword));
  EXPECT_EQ(std::count(codes.begin(), codes.end(), grpc::StatusCode::OK),
            kLogins);
  EXPECT_EQ(Attempts(kSlowUser).failures, 0);
  EXPECT_TRUE(Audit(kSlowUser, "login_failed").empty());
}

// A password the server could not check (argon2id could not run: out of
// memory, or a damaged stored hash) is not a wrong password: UNAVAILABLE,
// audited as such, not counted toward the lock.
TEST_F(AuthTest, APasswordThatCouldNotBeCheckedIsNotAWrongPassword) {
  constexpr char kUser[] = "ma.li";
  // t=0 passes: below argon2id's minimum, so crypto_pwhash refuses to run,
  // as it does when it cannot get its memory.
  ASSERT_TRUE(server_.accounts()
                  ->CreateUser(kUser, v1::ROLE_INSPECTOR,
                               "$argon2id$v=19$m=65536,t=0,p=1$"
                               "c2FsdHNhbHRzYWx0c2FsdA$"
                               "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
                               {"640522"}, "test", kNow)
                  .ok());
  Rpc rpc(server_.address());
  for (int i = 0; i < AuthOptions{}.lock_after + 1; ++i) {
    const grpc::Status st = rpc.Login(kUser, kTestPassword, NewDeviceId());
    EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_NE(st.error_message().find("could not check the password"),
              std::string::npos)
        << st.error_message();
  }
  EXPECT_EQ(Attempts(kUser).failures, 0);
  EXPECT_EQ(Attempts(kUser).locked_until_ms, 0);
  EXPECT_TRUE(Audit(kUser, "login_failed").empty());
  EXPECT_EQ(Audit(kUser, "login_unchecked").size(),
            static_cast<size_t>(AuthOptions{}.lock_after + 1));
}

TEST(PasswordTest, MatchMismatchAndUnchecked) {
  auto hash = HashPassword("correct horse", PasswordCost::kTestOnlyFast);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(VerifyPassword(*hash, "correct horse"), PasswordCheck::kMatch);
  EXPECT_EQ(VerifyPassword(*hash, "correct horsE"), PasswordCheck::kMismatch);
  EXPECT_EQ(VerifyPassword("not a hash", "x"), PasswordCheck::kUnchecked);
  EXPECT_EQ(VerifyPassword("$argon2id$v=19$m=65536,t=0,p=1$"
                           "c2FsdHNhbHRzYWx0c2FsdA$"
                           "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
                           "x"),
            PasswordCheck::kUnchecked);
}

}  // namespace
}  // namespace fieldsync
