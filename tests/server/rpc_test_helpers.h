// Helpers for the account, authorization and admin tests: the AuthService and
// SyncService called over real gRPC with raw `authorization` metadata (so
// tests can send none, a malformed one, or another user's token), change
// bodies of every kind in a chosen area, and a read-only look at the server's
// SQLite file.
#ifndef FIELDSYNC_TESTS_SERVER_RPC_TEST_HELPERS_H_
#define FIELDSYNC_TESTS_SERVER_RPC_TEST_HELPERS_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/wire_format.h"
#include "fieldsync/v1/auth.grpc.pb.h"
#include "fieldsync/v1/sync.grpc.pb.h"
#include "tests/util/test_util.h"

namespace fieldsync::rpc_testing {

// 2026-05-28T20:26:40Z: the fake "now" of these tests.
inline constexpr int64_t kNow = 1'780'000'000'000;

// The `authorization` metadata value for a token.
inline std::string Bearer(const std::string& token) {
  return absl::StrCat("Bearer ", token);
}

// A change to upload: device sequence and serialized ChangeBody.
struct OutChange {
  uint64_t device_seq = 0;
  std::string body;
};

// Calls both services of a server. `auth` is the raw value of the
// `authorization` metadata; std::nullopt sends none.
class Rpc {
 public:
  explicit Rpc(const std::string& address)
      : channel_(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        auth_(v1::AuthService::NewStub(channel_)),
        sync_(v1::SyncService::NewStub(channel_)) {}

  grpc::Status Login(const std::string& user, const std::string& password,
                     const std::string& device, v1::LoginResponse* resp) {
    v1::LoginRequest req;
    req.set_user(user);
    req.set_password(password);
    req.set_device_id(device);
    req.set_device_key(testing::TestDeviceKey(device));
    req.set_device_label(absl::StrCat(user, "'s device"));
    grpc::ClientContext ctx;
    return auth_->Login(&ctx, req, resp);
  }
  grpc::Status Login(const std::string& user, const std::string& password,
                     const std::string& device) {
    v1::LoginResponse resp;
    return Login(user, password, device, &resp);
  }

  grpc::Status Logout(const std::optional<std::string>& auth) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    v1::LogoutResponse resp;
    return auth_->Logout(&ctx, v1::LogoutRequest(), &resp);
  }

  grpc::Status WhoAmI(const std::optional<std::string>& auth,
                      v1::Identity* resp) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    return auth_->WhoAmI(&ctx, v1::WhoAmIRequest(), resp);
  }

  grpc::Status Handshake(const std::optional<std::string>& auth,
                         const v1::HandshakeRequest& req,
                         v1::HandshakeResponse* resp) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    return sync_->Handshake(&ctx, req, resp);
  }
  grpc::Status Handshake(const std::optional<std::string>& auth,
                         const std::string& device,
                         v1::HandshakeResponse* resp) {
    v1::HandshakeRequest req;
    req.set_protocol_version(kProtocolVersion);
    req.set_device_id(device);
    req.set_device_label("test device");
    return Handshake(auth, req, resp);
  }
  grpc::Status Handshake(const std::optional<std::string>& auth,
                         const std::string& device) {
    v1::HandshakeResponse resp;
    return Handshake(auth, device, &resp);
  }

  static v1::UploadRequest Request(const std::string& device,
                                   const std::vector<OutChange>& changes) {
    v1::UploadRequest req;
    req.set_device_id(device);
    for (const OutChange& c : changes) {
      auto* out = req.add_changes();
      out->set_device_seq(c.device_seq);
      out->set_hlc(PackHlc(kNow, c.device_seq));
      out->set_body(c.body);
    }
    return req;
  }

  grpc::Status Upload(const std::optional<std::string>& auth,
                      const v1::UploadRequest& req, v1::UploadResponse* resp) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    return sync_->Upload(&ctx, req, resp);
  }
  grpc::Status Upload(const std::optional<std::string>& auth,
                      const std::string& device,
                      const std::vector<OutChange>& changes,
                      v1::UploadResponse* resp) {
    return Upload(auth, Request(device, changes), resp);
  }

  // Streams `batches` (each as one UploadRequest) and collects the answers.
  grpc::Status UploadStream(const std::optional<std::string>& auth,
                            const std::vector<v1::UploadRequest>& batches,
                            std::vector<v1::UploadResponse>* answers) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    auto stream = sync_->UploadStream(&ctx);
    for (const v1::UploadRequest& b : batches) {
      if (!stream->Write(b)) break;
    }
    stream->WritesDone();
    v1::UploadResponse resp;
    while (stream->Read(&resp)) answers->push_back(resp);
    return stream->Finish();
  }

  // Upload or UploadStream with one batch, answering like Upload.
  grpc::Status UploadVia(bool stream, const std::optional<std::string>& auth,
                         const std::string& device,
                         const std::vector<OutChange>& changes,
                         v1::UploadResponse* resp) {
    if (!stream) return Upload(auth, device, changes, resp);
    std::vector<v1::UploadResponse> answers;
    grpc::Status s = UploadStream(auth, {Request(device, changes)}, &answers);
    if (s.ok()) {
      EXPECT_EQ(answers.size(), 1u);
      if (!answers.empty()) *resp = answers[0];
    } else {
      // The failure is announced in-band first, with no outcomes.
      EXPECT_EQ(answers.size(), 1u);
      if (!answers.empty()) {
        EXPECT_EQ(answers[0].error_code(), static_cast<int>(s.error_code()));
        EXPECT_EQ(answers[0].error_message(), s.error_message());
        EXPECT_EQ(answers[0].outcomes_size(), 0);
      }
    }
    return s;
  }

  // Reads the whole download; `entries` gets every entry of every page.
  grpc::Status Download(const std::optional<std::string>& auth,
                        const v1::DownloadRequest& req,
                        std::vector<v1::FeedEntry>* entries) {
    grpc::ClientContext ctx;
    Authorize(&ctx, auth);
    auto reader = sync_->Download(&ctx, req);
    v1::DownloadPage page;
    while (reader->Read(&page)) {
      for (const auto& e : page.entries()) entries->push_back(e);
    }
    return reader->Finish();
  }

  static v1::DownloadRequest DownloadRequest(const std::string& device,
                                             uint64_t after_seq = 0) {
    v1::DownloadRequest req;
    req.set_protocol_version(kProtocolVersion);
    req.set_device_id(device);
    req.set_after_seq(after_seq);
    return req;
  }

 private:
  static void Authorize(grpc::ClientContext* ctx,
                        const std::optional<std::string>& auth) {
    if (auth.has_value()) ctx->AddMetadata("authorization", *auth);
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AuthService::Stub> auth_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
};

// A record of `kind` (the example) in `county` and, if not empty,
// `township`, by `author` from `device`.
inline v1::Record RecordIn(RecordKind kind, const std::string& author,
                           const std::string& device, const std::string& county,
                           const std::string& township = "") {
  static FakeClock id_clock(kNow);
  v1::Record r = testing::Example(kind);
  r.set_id(NewRecordId(id_clock));
  r.set_author(author);
  r.set_device_id(device);
  r.mutable_area()->set_county_code(county);
  r.mutable_area()->set_township_code(township);
  r.mutable_area()->clear_village_code();
  return r;
}

inline std::string BodyOf(const v1::Record& r) {
  v1::ChangeBody b;
  *b.mutable_record() = r;
  return b.SerializeAsString();
}

// A serialized change body: a record of `kind`, or for
// RecordKind::kEntityEdit an edit of trainee `entity_id`.
inline std::string ChangeIn(RecordKind kind, const std::string& author,
                            const std::string& device,
                            const std::string& county,
                            const std::string& township = "",
                            const std::string& entity_id = "") {
  if (kind == RecordKind::kEntityEdit) {
    v1::ChangeBody b;
    *b.mutable_entity_edit() = testing::TraineeEdit(
        entity_id.empty() ? absl::StrCat("T-", IdToString(NewDeviceId()))
                          : entity_id,
        county, "name", "王芳");
    b.mutable_entity_edit()->mutable_area()->set_township_code(township);
    return b.SerializeAsString();
  }
  return BodyOf(RecordIn(kind, author, device, county, township));
}

// One row of the rejections table.
struct RejectionRow {
  bool found = false;
  int code = 0;
  int64_t body_length = -1;
  bool has_hash = false;
};

// A read-only connection of its own to the server's SQLite file.
class RawDb {
 public:
  explicit RawDb(const std::string& path, bool read_only = true) {
    const int rc = sqlite3_open_v2(
        path.c_str(), &db_,
        read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db_);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  RejectionRow Rejection(const std::string& device, uint64_t device_seq) {
    RejectionRow row;
    sqlite3_stmt* q = Prepare(
        "SELECT code, length(body), body_hash IS NOT NULL FROM rejections "
        "WHERE device_id = ? AND device_seq = ?");
    sqlite3_bind_blob(q, 1, device.data(), static_cast<int>(device.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, static_cast<sqlite3_int64>(device_seq));
    if (sqlite3_step(q) == SQLITE_ROW) {
      row.found = true;
      row.code = sqlite3_column_int(q, 0);
      row.body_length = sqlite3_column_int64(q, 1);
      row.has_hash = sqlite3_column_int(q, 2) != 0;
    }
    sqlite3_finalize(q);
    return row;
  }

  // The failed-login counter of `name` as stored (all zero: no row).
  LoginAttempts Attempts(const std::string& name) {
    LoginAttempts a;
    sqlite3_stmt* q = Prepare(
        "SELECT failures, last_failure_ms, locked_until_ms FROM "
        "login_attempts WHERE name = ?");
    sqlite3_bind_text(q, 1, name.data(), static_cast<int>(name.size()),
                      SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW) {
      a.failures = sqlite3_column_int64(q, 0);
      a.last_failure_ms = sqlite3_column_int64(q, 1);
      a.locked_until_ms = sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
    return a;
  }

  // The first column of the first row of `sql` as an integer.
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* q = Prepare(sql);
    int64_t v = -1;
    if (sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
  }

  // Runs `sql`; the SQLite result code, with the message in `*error`.
  int Exec(const std::string& sql, std::string* error) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
    if (error != nullptr) *error = msg != nullptr ? msg : "";
    sqlite3_free(msg);
    return rc;
  }

  sqlite3* raw() { return db_; }

 private:
  // `sql` prepared (the test fails if it cannot be); finalize it after use.
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* q = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &q, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
    return q;
  }

  sqlite3* db_ = nullptr;
};

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace fieldsync::rpc_testing

#endif  // FIELDSYNC_TESTS_SERVER_RPC_TEST_HELPERS_H_
