// Authentication comes first (server/guarded_rpc.h): for every RPC but
// Login, a call without a valid token answers UNAUTHENTICATED whatever its
// request holds (empty, or malformed in each way the handlers check, or
// asking what the store holds), so a caller without a token learns nothing
// of the request's format or the store, and nothing is stored. Each request
// is also sent with a valid token, to show it really is malformed (or
// answerable). The RPCs covered are checked against the services'
// descriptors: a new RPC cannot be added without a case here.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/wire_format.h"
#include "google/protobuf/descriptor.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::ChangeIn;
using rpc_testing::kNow;
using rpc_testing::RawDb;
using rpc_testing::Rpc;
using testing::StatusIs;
using testing::TempDir;
using testing::TestServer;

constexpr char kUser[] = "zhao.lei";
constexpr uint32_t kMaxChanges = 2;  // so that 3 changes are too many

// What a call sends and gets: `auth` is the raw `authorization` metadata
// (none when empty).
using Auth = std::optional<std::string>;

// One request to one RPC.
struct Case {
  std::string rpc;      // full method name, as in the descriptors
  std::string request;  // what is wrong with it, for the trace
  // The code it gets with a valid token: it is malformed, or answerable.
  grpc::StatusCode with_token;
  std::function<grpc::Status(const Auth&)> call;
};

class AuthFirstTest : public ::testing::Test {
 protected:
  AuthFirstTest()
      : clock_(kNow),
        db_path_(dir_.Sub("server.db")),
        server_(db_path_, &clock_, Limits()),
        rpc_(server_.address()),
        device_(NewDeviceId()) {
    server_.AddUser(kUser, v1::ROLE_INSPECTOR, testing::TestCounties());
    (void)server_.Login(kUser, device_);  // registers the device
  }

  static ServerLimits Limits() {
    ServerLimits l;
    l.max_changes_per_upload = kMaxChanges;
    return l;
  }

  // The calls, each checking that nothing came back but the status.
  grpc::Status Handshake(const Auth& auth, const v1::HandshakeRequest& req) {
    v1::HandshakeResponse resp;
    return rpc_.Handshake(auth, req, &resp);
  }
  grpc::Status Upload(const Auth& auth, const v1::UploadRequest& req) {
    v1::UploadResponse resp;
    const grpc::Status s = rpc_.Upload(auth, req, &resp);
    EXPECT_EQ(resp.outcomes_size(), 0);
    return s;
  }
  grpc::Status UploadStream(const Auth& auth,
                            const std::vector<v1::UploadRequest>& batches) {
    std::vector<v1::UploadResponse> answers;
    const grpc::Status s = rpc_.UploadStream(auth, batches, &answers);
    for (const v1::UploadResponse& a : answers) {
      EXPECT_EQ(a.outcomes_size(), 0);
    }
    return s;
  }
  grpc::Status Download(const Auth& auth, const v1::DownloadRequest& req) {
    std::vector<v1::FeedEntry> entries;
    const grpc::Status s = rpc_.Download(auth, req, &entries);
    EXPECT_TRUE(entries.empty());
    return s;
  }
  grpc::Status WhoAmI(const Auth& auth) {
    v1::Identity who;
    return rpc_.WhoAmI(auth, &who);
  }

  // An upload of `n` well-formed changes from device_, from `first_seq` on.
  v1::UploadRequest Changes(uint64_t first_seq, size_t n) {
    v1::UploadRequest req;
    req.set_device_id(device_);
    for (size_t i = 0; i < n; ++i) {
      auto* c = req.add_changes();
      c->set_device_seq(first_seq + i);
      c->set_hlc(PackHlc(kNow, first_seq + i));
      c->set_body(ChangeIn(RecordKind::kSpotCheck, kUser, device_, "640522"));
    }
    return req;
  }

  std::vector<Case> Cases();

  TempDir dir_;
  FakeClock clock_;
  std::string db_path_;
  TestServer server_;
  Rpc rpc_;
  std::string device_;
};

std::vector<Case> AuthFirstTest::Cases() {
  using C = grpc::StatusCode;
  constexpr char kSync[] = "fieldsync.v1.SyncService.";
  constexpr char kAuth[] = "fieldsync.v1.AuthService.";
  std::vector<Case> cases;
  auto add = [&](const char* service, const char* rpc, std::string request,
                 C with_token, std::function<grpc::Status(const Auth&)> call) {
    cases.push_back({absl::StrCat(service, rpc), std::move(request), with_token,
                     std::move(call)});
  };

  v1::HandshakeRequest bad_hello;
  bad_hello.set_protocol_version(99);
  bad_hello.set_device_id("short");
  v1::HandshakeRequest hello;
  hello.set_protocol_version(kProtocolVersion);
  hello.set_device_id(device_);
  add(kSync, "Handshake", "empty", C::FAILED_PRECONDITION,
      [=, this](const Auth& a) { return Handshake(a, {}); });
  add(kSync, "Handshake", "bad protocol and device id", C::FAILED_PRECONDITION,
      [=, this](const Auth& a) { return Handshake(a, bad_hello); });
  add(kSync, "Handshake", "well-formed", C::OK,
      [=, this](const Auth& a) { return Handshake(a, hello); });

  v1::UploadRequest disordered;
  disordered.set_device_id("short");
  disordered.add_changes()->set_device_seq(0);
  const v1::UploadRequest gap = Changes(5, 1);
  const v1::UploadRequest too_many = Changes(1, kMaxChanges + 1);
  add(kSync, "Upload", "empty", C::INVALID_ARGUMENT,
      [=, this](const Auth& a) { return Upload(a, {}); });
  add(kSync, "Upload", "bad device id and sequence", C::INVALID_ARGUMENT,
      [=, this](const Auth& a) { return Upload(a, disordered); });
  add(kSync, "Upload", "too many changes", C::RESOURCE_EXHAUSTED,
      [=, this](const Auth& a) { return Upload(a, too_many); });
  add(kSync, "Upload", "a gap after the stored high-water mark",
      C::FAILED_PRECONDITION,
      [=, this](const Auth& a) { return Upload(a, gap); });

  add(kSync, "UploadStream", "no batch", C::OK,
      [=, this](const Auth& a) { return UploadStream(a, {}); });
  add(kSync, "UploadStream", "an empty batch", C::INVALID_ARGUMENT,
      [=, this](const Auth& a) {
        return UploadStream(a, std::vector<v1::UploadRequest>(1));
      });
  add(kSync, "UploadStream", "a gap after the stored high-water mark",
      C::FAILED_PRECONDITION,
      [=, this](const Auth& a) { return UploadStream(a, {gap}); });

  v1::DownloadRequest beyond;
  beyond.set_protocol_version(kProtocolVersion);
  beyond.set_device_id(device_);
  beyond.set_after_seq(1000);
  v1::DownloadRequest bad_area = beyond;
  bad_area.set_after_seq(0);
  bad_area.set_backfill_area("64x");
  add(kSync, "Download", "empty", C::FAILED_PRECONDITION,
      [=, this](const Auth& a) { return Download(a, {}); });
  add(kSync, "Download", "a cursor beyond the feed head", C::OUT_OF_RANGE,
      [=, this](const Auth& a) { return Download(a, beyond); });
  add(kSync, "Download", "a malformed back-fill area", C::INVALID_ARGUMENT,
      [=, this](const Auth& a) { return Download(a, bad_area); });

  add(kAuth, "WhoAmI", "empty", C::OK,
      [=, this](const Auth& a) { return WhoAmI(a); });
  add(kAuth, "Logout", "empty", C::OK,
      [=, this](const Auth& a) { return rpc_.Logout(a); });
  return cases;
}

TEST_F(AuthFirstTest, EveryRpcButLoginIsCovered) {
  std::set<std::string> guarded;
  for (const char* name :
       {"fieldsync.v1.SyncService", "fieldsync.v1.AuthService"}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      guarded.insert(service->method(i)->full_name());
    }
  }
  ASSERT_EQ(guarded.erase("fieldsync.v1.AuthService.Login"), 1u);
  std::set<std::string> covered;
  for (const Case& c : Cases()) covered.insert(c.rpc);
  EXPECT_EQ(covered, guarded);
}

TEST_F(AuthFirstTest, WithoutAValidTokenEveryRequestAnswersUnauthenticated) {
  const std::vector<std::pair<const char*, Auth>> credentials = {
      {"no token", std::nullopt},
      {"not Bearer", "Basic fs1.AAAA"},
      {"malformed token", Bearer("not-a-token")},
      {"unknown token",
       Bearer("fs1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
  };
  RawDb raw(db_path_);
  const auto before = server_.store()->Summarize();
  ASSERT_TRUE(before.ok()) << before.status();
  const int64_t devices = raw.Int("SELECT count(*) FROM devices");
  const int64_t audit = raw.Int("SELECT count(*) FROM audit");
  for (const Case& c : Cases()) {
    for (const auto& [what, auth] : credentials) {
      SCOPED_TRACE(absl::StrCat(c.rpc, " (", c.request, ") with ", what));
      EXPECT_THAT(c.call(auth), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
    }
  }
  const auto after = server_.store()->Summarize();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->changes, before->changes);
  EXPECT_EQ(after->rejected, before->rejected);
  EXPECT_EQ(after->digest, before->digest);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM devices"), devices);
  EXPECT_EQ(raw.Int("SELECT coalesce(max(high_water), 0) FROM devices"), 0);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM audit"), audit);
}

// The same requests with a valid token get past the token and earn their
// own answer: the requests above are what they say they are.
TEST_F(AuthFirstTest, WithAValidTokenEachRequestGetsItsOwnAnswer) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(absl::StrCat(c.rpc, " (", c.request, ")"));
    // A fresh token each time: Logout ends the one it carries.
    const std::string token = server_.Login(kUser, device_);
    EXPECT_THAT(c.call(Bearer(token)), StatusIs(c.with_token));
  }
}

}  // namespace
}  // namespace fieldsync
