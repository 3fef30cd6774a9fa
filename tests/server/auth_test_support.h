// What the tests of logins and tokens (auth_test.cc, auth_token_test.cc)
// share: the user they log in as, the time format of the server's messages,
// and the fixture: a test server on a fake clock called over real gRPC from
// one device, with helpers to log in, read a name's failed-login counter and
// the audit trail, and fail logins until a name locks.
#ifndef FIELDSYNC_TESTS_SERVER_AUTH_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_SERVER_AUTH_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "fieldsync/v1/auth.pb.h"
#include "server/account_store.h"
#include "server/audit_log.h"
#include "server/auth.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync::testing {

inline constexpr char kUser[] = "wu.fang";

// The time format of the server's messages.
inline std::string When(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest()
      : clock_(rpc_testing::kNow),
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
    return rpc_testing::RawDb(db_path_).Attempts(user);
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
  rpc_testing::Rpc rpc_;
  std::string device_;
};

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_SERVER_AUTH_TEST_SUPPORT_H_
