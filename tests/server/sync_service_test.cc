// The SyncService over real gRPC on 127.0.0.1: request-level errors get the
// right status code and a message naming the field, change-level errors get
// per-change rejections, retries return the original outcomes, and nothing
// stored changes when a request is refused.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "client_core/channel.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/wire_format.h"
#include "fieldsync/v1/auth.grpc.pb.h"
#include "fieldsync/v1/sync.grpc.pb.h"
#include "health.grpc.pb.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::TempDir;
using testing::TestServer;

constexpr int64_t kNow = 1'780'000'000'000;

class SyncServiceTest : public ::testing::Test {
 protected:
  SyncServiceTest()
      : clock_(kNow),
        server_(dir_.Sub("server.db"), &clock_, Limits()),
        channel_(grpc::CreateChannel(server_.address(),
                                     grpc::InsecureChannelCredentials())),
        stub_(v1::SyncService::NewStub(channel_)),
        device_(NewDeviceId()) {
    server_.AddUser("张伟", v1::ROLE_INSPECTOR, testing::TestCounties());
    server_.AddUser("李娜", v1::ROLE_INSPECTOR, testing::TestCounties());
    token_ = server_.Login("张伟", device_);
  }

  static ServerLimits Limits() {
    ServerLimits l;
    l.max_changes_per_upload = 50;
    l.max_upload_bytes = 64 * 1024;
    return l;
  }

  grpc::Status Handshake(v1::HandshakeResponse* resp,
                         uint32_t version = kProtocolVersion) {
    v1::HandshakeRequest req;
    req.set_protocol_version(version);
    req.set_device_id(device_);
    req.set_author("张伟");
    req.set_device_time_ms(kNow);
    grpc::ClientContext ctx;
    Authorize(&ctx, token_);
    return stub_->Handshake(&ctx, req, resp);
  }

  // A valid change body: the spot-check example made by this device.
  std::string Body(const std::string& notes = "") {
    v1::Record r = Example(RecordKind::kSpotCheck);
    r.set_id(NewRecordId(clock_));
    r.set_author("张伟");
    r.set_device_id(device_);
    if (!notes.empty()) r.set_notes(notes);
    v1::ChangeBody b;
    *b.mutable_record() = r;
    return b.SerializeAsString();
  }

  grpc::Status Upload(
      const std::vector<std::pair<uint64_t, std::string>>& changes,
      v1::UploadResponse* resp) {
    v1::UploadRequest req;
    req.set_device_id(device_);
    for (const auto& [seq, body] : changes) {
      auto* c = req.add_changes();
      c->set_device_seq(seq);
      c->set_hlc(PackHlc(kNow, seq));
      c->set_body(body);
    }
    grpc::ClientContext ctx;
    Authorize(&ctx, token_);
    return stub_->Upload(&ctx, req, resp);
  }

  StoreSummary Summary() {
    auto s = server_.store()->Summarize();
    EXPECT_TRUE(s.ok());
    return *s;
  }

  TempDir dir_;
  FakeClock clock_;
  TestServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
  std::string device_;
  std::string token_;
};

TEST_F(SyncServiceTest, HealthCheckingIsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(health->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(SyncServiceTest, HandshakeRefusesWrongProtocolAndBadDeviceId) {
  v1::HandshakeResponse resp;
  grpc::Status s = Handshake(&resp, 99);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("protocol_version 99"), std::string::npos);

  device_ = "short";
  s = Handshake(&resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("device_id"), std::string::npos);
  EXPECT_EQ(Summary().devices, 1u);  // only the login registered it
}

TEST_F(SyncServiceTest, UploadForAnotherDeviceThanTheTokensIsRefused) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  device_ = NewDeviceId();  // the token stays bound to the first device
  v1::UploadResponse resp;
  grpc::Status s = Upload({{1, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("log in on this device"), std::string::npos);
  EXPECT_EQ(Summary().changes, 0u);
}

TEST_F(SyncServiceTest, ExactlyOnceRetryReturnsTheOriginalOutcomes) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  EXPECT_EQ(hs.device_high_water(), 0u);
  const std::vector<std::pair<uint64_t, std::string>> batch = {
      {1, Body("一")}, {2, Body("二")}, {3, Body("三")}};
  v1::UploadResponse first, second;
  ASSERT_TRUE(Upload(batch, &first).ok());
  ASSERT_TRUE(Upload(batch, &second).ok());  // the retry
  ASSERT_EQ(first.outcomes_size(), 3);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  for (const auto& o : first.outcomes()) {
    EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_ACCEPTED);
  }
  EXPECT_EQ(Summary().changes, 3u);
  v1::HandshakeResponse hs2;
  ASSERT_TRUE(Handshake(&hs2).ok());
  EXPECT_EQ(hs2.device_high_water(), 3u);
  EXPECT_EQ(hs2.feed_head(), 3u);
}

TEST_F(SyncServiceTest, RetryOfMixedBatchesReturnsTheSameOutcomes) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::ChangeBody bad;
  ASSERT_TRUE(bad.ParseFromString(Body()));
  bad.mutable_record()->mutable_spot_check()->set_enrolled(0);
  const std::vector<std::pair<uint64_t, std::string>> first = {
      {1, Body()}, {2, bad.SerializeAsString()}, {3, Body()}, {4, Body()}};
  const std::vector<std::pair<uint64_t, std::string>> second = {{5, Body()},
                                                                {6, Body()}};
  v1::UploadResponse a1, a2, r1, r2;
  ASSERT_TRUE(Upload(first, &a1).ok());
  ASSERT_TRUE(Upload(second, &a2).ok());
  ASSERT_TRUE(Upload(first, &r1).ok());  // retried after a lost answer
  ASSERT_TRUE(Upload(second, &r2).ok());
  auto outcomes = [](const v1::UploadResponse& r) {
    std::vector<std::string> out;
    for (const auto& o : r.outcomes()) out.push_back(o.SerializeAsString());
    return out;
  };
  EXPECT_EQ(outcomes(a1), outcomes(r1));
  EXPECT_EQ(outcomes(a2), outcomes(r2));
  EXPECT_EQ(r1.device_high_water(), 6u);  // the device's mark, not the batch's
  EXPECT_EQ(r1.outcomes(1).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(r1.outcomes(3).server_seq(), 3u);
  EXPECT_EQ(r2.outcomes(1).server_seq(), 5u);
  EXPECT_EQ(Summary().changes, 5u);
}

TEST_F(SyncServiceTest, InvalidRecordIsRejectedWithTheFieldAndDoesNotBlock) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::ChangeBody bad;
  ASSERT_TRUE(bad.ParseFromString(Body()));
  bad.mutable_record()->mutable_spot_check()->set_attendance_counted(45);
  v1::UploadResponse resp;
  ASSERT_TRUE(Upload({{1, Body()},
                      {2, bad.SerializeAsString()},
                      {3, "\xff\xfe garbage"},
                      {4, Body()}},
                     &resp)
                  .ok());
  ASSERT_EQ(resp.outcomes_size(), 4);
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(resp.outcomes(1).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(1).code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(
      resp.outcomes(1).reason().find("spot_check.attendance_counted (45)"),
      std::string::npos)
      << resp.outcomes(1).reason();
  EXPECT_EQ(resp.outcomes(2).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(2).code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(resp.outcomes(3).status(), v1::OUTCOME_STATUS_ACCEPTED);
  const StoreSummary s = Summary();
  EXPECT_EQ(s.changes, 2u);
  EXPECT_EQ(s.records, 2u);
  EXPECT_EQ(s.rejected, 2u);
}

// Smaller findings of the black-box trial (issue 15): a 1970 HLC (a device
// clock never set) is kept but flagged, not accepted silently; an
// entity write claiming to have seen a value from its own future (which
// would hide every conflict) is refused; an all-zero device id is refused.
TEST_F(SyncServiceTest, ImplausibleClocksBasesAndDeviceIdsAreCaught) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::ChangeBody edit;
  *edit.mutable_entity_edit() =
      testing::TraineeEdit("T-1", "640522", "name", "王芳");
  edit.mutable_entity_edit()->mutable_writes(0)->set_base_hlc(
      std::numeric_limits<uint64_t>::max());
  v1::UploadRequest req;
  req.set_device_id(device_);
  auto* old = req.add_changes();
  old->set_device_seq(1);
  old->set_hlc(PackHlc(86'400'000, 0));  // 1970-01-02
  old->set_body(Body());
  auto* future_base = req.add_changes();
  future_base->set_device_seq(2);
  future_base->set_hlc(PackHlc(kNow, 2));
  future_base->set_body(edit.SerializeAsString());
  grpc::ClientContext ctx;
  Authorize(&ctx, token_);
  v1::UploadResponse resp;
  ASSERT_TRUE(stub_->Upload(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.outcomes_size(), 2);
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(resp.outcomes(0).effective_hlc(), PackHlc(86'400'000, 0));
  EXPECT_EQ(resp.outcomes(0).flags(),
            static_cast<uint32_t>(v1::CHANGE_FLAG_CLOCK_IMPLAUSIBLE));
  EXPECT_EQ(resp.outcomes(1).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(1).code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_NE(resp.outcomes(1).reason().find(
                "entity_edit.writes[0].base_hlc (18446744073709551615) is not "
                "before the change's hlc"),
            std::string::npos)
      << resp.outcomes(1).reason();

  v1::LoginResponse login;
  const grpc::Status zero =
      rpc_testing::Rpc(server_.address())
          .Login("张伟", testing::kTestPassword, std::string(16, '\0'), &login);
  EXPECT_EQ(zero.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(zero.error_message().find("device_id is all zero bytes"),
            std::string::npos)
      << zero.error_message();
}

TEST_F(SyncServiceTest, RequestLevelErrorsStoreNothing) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::UploadResponse resp;
  ASSERT_TRUE(Upload({{1, Body()}}, &resp).ok());
  const StoreSummary before = Summary();

  // A gap in the device sequence.
  grpc::Status s = Upload({{2, Body()}, {4, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << s.error_message();
  EXPECT_NE(s.error_message().find("changes[1]: device_seq 4 leaves a gap"),
            std::string::npos)
      << s.error_message();
  s = Upload({{3, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("next must be 2"), std::string::npos)
      << s.error_message();
  // Sequences out of order / zero.
  s = Upload({{3, Body()}, {2, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("changes[1].device_seq"), std::string::npos);
  s = Upload({{0, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Too many changes in one call.
  std::vector<std::pair<uint64_t, std::string>> many;
  for (uint64_t i = 2; i < 2 + 51; ++i) many.push_back({i, "x"});
  s = Upload(many, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("at most 50"), std::string::npos);
  // A message beyond the server's size limit (64 KiB here).
  s = Upload({{2, std::string(100 * 1024, 'x')}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << s.error_message();
  // A malformed device id.
  device_ = "0123";
  s = Upload({{2, Body()}}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("device_id"), std::string::npos);

  const StoreSummary after = Summary();
  EXPECT_EQ(after.changes, before.changes);
  EXPECT_EQ(after.rejected, before.rejected);
  EXPECT_EQ(after.digest, before.digest);
}

TEST_F(SyncServiceTest,
       ReusedRejectedSequenceWithDifferentContentIsAlreadyExists) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::UploadResponse resp;
  ASSERT_TRUE(Upload({{1, "not a change body \xff"}}, &resp).ok());
  EXPECT_EQ(resp.outcomes(0).code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  // The same sequence again, now with a valid but different change: not the
  // old reason (which says nothing about it), but ALREADY_EXISTS.
  ASSERT_TRUE(Upload({{1, Body()}}, &resp).ok());
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(0).code(),
            static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_EQ(Summary().changes, 0u);
}

TEST_F(SyncServiceTest, HandshakeRefusesADeviceTimeOutOfRange) {
  v1::HandshakeRequest req;
  req.set_protocol_version(kProtocolVersion);
  req.set_device_id(device_);
  req.set_device_time_ms(std::numeric_limits<int64_t>::min() + 1);
  v1::HandshakeResponse resp;
  grpc::ClientContext ctx;
  Authorize(&ctx, token_);
  grpc::Status s = stub_->Handshake(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("device_time_ms"), std::string::npos);
  EXPECT_EQ(Summary().devices, 1u);  // only the login registered it
}

TEST_F(SyncServiceTest,
       ReusedSequenceWithDifferentContentIsRejectedNotDropped) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  v1::UploadResponse resp;
  ASSERT_TRUE(Upload({{1, Body("原始")}}, &resp).ok());
  ASSERT_TRUE(Upload({{1, Body("另一条")}}, &resp).ok());
  ASSERT_EQ(resp.outcomes_size(), 1);
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(0).code(),
            static_cast<int>(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_NE(resp.outcomes(0).reason().find("already used"), std::string::npos);
  EXPECT_EQ(Summary().changes, 1u);
}

TEST_F(SyncServiceTest, UploadStreamAnswersEachBatchInOrderAndStopsAtAnError) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  grpc::ClientContext ctx;
  Authorize(&ctx, token_);
  auto stream = stub_->UploadStream(&ctx);
  auto batch = [&](std::vector<uint64_t> seqs) {
    v1::UploadRequest req;
    req.set_device_id(device_);
    for (uint64_t seq : seqs) {
      auto* c = req.add_changes();
      c->set_device_seq(seq);
      c->set_hlc(PackHlc(kNow, seq));
      c->set_body(Body());
    }
    return req;
  };
  // Two good batches written without waiting, then one with a gap.
  ASSERT_TRUE(stream->Write(batch({1, 2})));
  ASSERT_TRUE(stream->Write(batch({3})));
  stream->Write(batch({7}));
  stream->WritesDone();
  v1::UploadResponse resp;
  std::vector<uint64_t> answered;
  while (stream->Read(&resp)) {
    for (const auto& o : resp.outcomes()) {
      EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_ACCEPTED);
      answered.push_back(o.device_seq());
    }
  }
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("next must be 4"), std::string::npos)
      << s.error_message();
  EXPECT_EQ(answered, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Summary().changes, 3u);  // the batches answered before it stand
}

TEST_F(SyncServiceTest, UploadStreamAnnouncesAFailureToADeviceWaitingForIt) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  grpc::ClientContext ctx;
  Authorize(&ctx, token_);
  // Only so that a regression fails instead of hanging the test run.
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub_->UploadStream(&ctx);
  v1::UploadRequest good, gap;
  good.set_device_id(device_);
  gap.set_device_id(device_);
  auto* c = good.add_changes();
  c->set_device_seq(1);
  c->set_hlc(PackHlc(kNow, 1));
  c->set_body(Body());
  auto* g = gap.add_changes();
  g->set_device_seq(5);  // the server expects 2
  g->set_hlc(PackHlc(kNow, 5));
  g->set_body(Body());
  // Like a device with two batches in flight that waits for an answer
  // before it sends more (and before it closes its side).
  ASSERT_TRUE(stream->Write(good));
  ASSERT_TRUE(stream->Write(gap));
  v1::UploadResponse first, second;
  ASSERT_TRUE(stream->Read(&first));
  EXPECT_EQ(first.error_code(), 0);
  ASSERT_EQ(first.outcomes_size(), 1);
  ASSERT_TRUE(stream->Read(&second));
  EXPECT_EQ(second.error_code(),
            static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_NE(second.error_message().find("next must be 2"), std::string::npos)
      << second.error_message();
  EXPECT_EQ(second.outcomes_size(), 0);
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Summary().changes, 1u);
}

TEST_F(SyncServiceTest, DownloadPagesAndRefusesACursorBeyondTheHead) {
  v1::HandshakeResponse hs;
  ASSERT_TRUE(Handshake(&hs).ok());
  std::vector<std::pair<uint64_t, std::string>> batch;
  for (uint64_t i = 1; i <= 25; ++i) batch.push_back({i, Body()});
  v1::UploadResponse resp;
  ASSERT_TRUE(Upload(batch, &resp).ok());

  v1::DownloadRequest req;
  req.set_protocol_version(kProtocolVersion);
  const std::string other = NewDeviceId();  // another device: gets bodies
  const std::string other_token = server_.Login("李娜", other);
  req.set_device_id(other);
  req.set_after_seq(5);
  req.set_page_size(10);
  grpc::ClientContext ctx;
  Authorize(&ctx, other_token);
  auto reader = stub_->Download(&ctx, req);
  v1::DownloadPage page;
  std::vector<int> sizes;
  uint64_t expect = 6;
  while (reader->Read(&page)) {
    sizes.push_back(page.entries_size());
    for (const auto& e : page.entries()) {
      EXPECT_EQ(e.server_seq(), expect++);
      EXPECT_FALSE(e.body().empty());
    }
    EXPECT_EQ(page.feed_head(), 25u);
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(sizes, (std::vector<int>{10, 10}));

  // The uploading device's own changes come back as body-less confirmations.
  v1::DownloadRequest own = req;
  own.set_device_id(device_);
  own.set_after_seq(0);
  own.set_page_size(0);
  grpc::ClientContext ctx2;
  Authorize(&ctx2, token_);
  auto own_reader = stub_->Download(&ctx2, own);
  int n = 0;
  while (own_reader->Read(&page)) {
    for (const auto& e : page.entries()) {
      EXPECT_TRUE(e.body().empty());
      ++n;
    }
  }
  ASSERT_TRUE(own_reader->Finish().ok());
  EXPECT_EQ(n, 25);

  v1::DownloadRequest beyond = req;
  beyond.set_after_seq(99);
  grpc::ClientContext ctx3;
  Authorize(&ctx3, other_token);
  auto r3 = stub_->Download(&ctx3, beyond);
  while (r3->Read(&page)) {
  }
  grpc::Status s = r3->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_NE(s.error_message().find("after_seq 99"), std::string::npos);
}

TEST_F(SyncServiceTest, ALoginNamingAnotherDevicesIdWithoutItsKeyIsRefused) {
  // Device ids travel in the feed; the key made with the device home does
  // not. Another user naming this device cannot take it over.
  auto auth = v1::AuthService::NewStub(channel_);
  v1::LoginRequest req;
  req.set_user("李娜");
  req.set_password(testing::kTestPassword);
  req.set_device_id(device_);
  req.set_device_key(std::string(32, 'x'));
  v1::LoginResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = auth->Login(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("another device key"), std::string::npos)
      << s.error_message();
  // The device's own token still works.
  v1::HandshakeResponse hs;
  EXPECT_TRUE(Handshake(&hs).ok());
  EXPECT_EQ(hs.identity().user(), "张伟");
  // Without a key at all: a malformed request.
  req.clear_device_key();
  grpc::ClientContext ctx2;
  s = auth->Login(&ctx2, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("device_key"), std::string::npos);
}

}  // namespace
}  // namespace fieldsync

namespace fieldsync {
namespace {

// A page of large records stays under the 4 MiB a default gRPC client in any
// language accepts (issue 15): 30 records of about 180 KB, 5.4 MB of bodies
// (a page that stopped only once its bodies reached 4 MiB would pass the
// limit), read by a plain stub with gRPC's default receive limit.
TEST(DownloadPageSize, EveryPageFitsADefaultClientWhateverTheBodies) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto writer = testing::MakeDevice(dir.Sub("a"), server.address(), "张伟");
  const std::string text(60 * 1000, 'x');
  for (int i = 0; i < 30; ++i) {
    v1::Record r = Example(RecordKind::kSpotCheck);
    r.set_notes(text);
    r.mutable_spot_check()->set_findings(text);
    v1::RubricLink* link = r.add_rubric_links();
    link->set_item_id("2.3");
    link->set_finding(text);
    auto made = writer->Record(r);
    ASSERT_TRUE(made.ok()) << made.status();
  }
  ASSERT_TRUE(writer->Sync().ok());

  const std::string reader_device = NewDeviceId();
  const std::string token = server.Login("张伟", reader_device);
  auto channel =
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  auto stub = v1::SyncService::NewStub(channel);
  v1::DownloadRequest req;
  req.set_protocol_version(kProtocolVersion);
  req.set_device_id(reader_device);
  req.set_page_size(2000);
  grpc::ClientContext ctx;
  Authorize(&ctx, token);
  auto reader = stub->Download(&ctx, req);
  v1::DownloadPage page;
  int entries = 0, pages = 0;
  uint64_t expect = 1;
  while (reader->Read(&page)) {
    ++pages;
    EXPECT_LE(page.ByteSizeLong(), ServerLimits().max_page_bytes);
    for (const v1::FeedEntry& e : page.entries()) {
      EXPECT_EQ(e.server_seq(), expect++) << "a change skipped or repeated";
      ++entries;
    }
  }
  const grpc::Status s = reader->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(entries, 30);
  EXPECT_GE(pages, 2);
}

}  // namespace
}  // namespace fieldsync
