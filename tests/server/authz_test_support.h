// What the authorization tests (authz_matrix_test.cc,
// authz_token_download_test.cc) share: the two counties, the users of the
// matrix (an inspector, a county officer, a reviewer and an administrator,
// each of one role), a device logged in as a user, and the fixture: a test
// server on a fake clock with those users, called over real gRPC.
#ifndef FIELDSYNC_TESTS_SERVER_AUTHZ_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_SERVER_AUTHZ_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/record_id.h"
#include "fieldsync/v1/auth.pb.h"
#include "server/server_store.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync::testing {

inline constexpr char kOwn[] = "640522";
inline constexpr char kOther[] = "640521";

// The users of the matrix, one per role.
inline constexpr char kInspector[] = "insp.ma";
inline constexpr char kOfficer[] = "officer.li";
inline constexpr char kReviewer[] = "reviewer.zhou";
inline constexpr char kAdmin[] = "admin.wang";

struct UserSpec {
  const char* name;
  v1::Role role;
  std::vector<std::string> areas;
};

inline const std::vector<UserSpec>& MatrixUsers() {
  static const std::vector<UserSpec> users = {
      {kInspector, v1::ROLE_INSPECTOR, {kOwn}},
      {kOfficer, v1::ROLE_COUNTY_OFFICER, {kOwn}},
      {kReviewer, v1::ROLE_REVIEWER, {}},
      {kAdmin, v1::ROLE_ADMIN, {}},
  };
  return users;
}

// A device logged in as a user.
struct Session {
  std::string user;
  std::string device;
  std::string token;
  uint64_t next_seq = 1;
};

class AuthzTest : public ::testing::Test {
 protected:
  AuthzTest()
      : clock_(rpc_testing::kNow),
        db_path_(dir_.Sub("server.db")),
        server_(db_path_, &clock_),
        rpc_(server_.address()) {}

  void SetUp() override {
    for (const UserSpec& u : MatrixUsers()) {
      server_.AddUser(u.name, u.role, u.areas);
    }
  }

  // Logs a new device in as `user`.
  Session NewSession(const std::string& user) {
    Session s;
    s.user = user;
    s.device = NewDeviceId();
    v1::LoginResponse resp;
    const grpc::Status st = rpc_.Login(user, kTestPassword, s.device, &resp);
    EXPECT_TRUE(st.ok()) << user << ": " << st.error_message();
    s.token = resp.token();
    return s;
  }

  Session& SessionOf(const std::string& user) {
    auto it = sessions_.find(user);
    if (it == sessions_.end()) {
      it = sessions_.emplace(user, NewSession(user)).first;
      const grpc::Status st = rpc_.Handshake(
          rpc_testing::Bearer(it->second.token), it->second.device);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    return it->second;
  }

  StoreSummary Summary() {
    auto s = server_.store()->Summarize();
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : StoreSummary{};
  }

  TempDir dir_;
  FakeClock clock_;
  std::string db_path_;
  TestServer server_;
  rpc_testing::Rpc rpc_;
  std::map<std::string, Session> sessions_;
};

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_SERVER_AUTHZ_TEST_SUPPORT_H_
