// The authorization matrix over real gRPC, for calls without a valid token
// and for downloads. A request without a valid token (none, not Bearer,
// malformed, unknown, expired, revoked) fails as a whole with
// UNAUTHENTICATED, and a token used for another device than its own with
// PERMISSION_DENIED, storing nothing, for every role and every call; a token
// is good until exactly token_ttl_ms after the login. Each role downloads
// exactly the changes of its areas (reviewers and administrators all of
// them), back-fills only within them, and follows area changes without a new
// login. The users and the fixture are in authz_test_support.h.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/auth.h"
#include "tests/server/authz_test_support.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::ChangeIn;
using rpc_testing::Contains;
using rpc_testing::kNow;
using rpc_testing::RawDb;
using rpc_testing::Rpc;
using testing::AuthzTest;
using testing::kAdmin;
using testing::kInspector;
using testing::kOfficer;
using testing::kOther;
using testing::kOwn;
using testing::kReviewer;
using testing::kTestPassword;
using testing::MatrixUsers;
using testing::Session;
using testing::UserSpec;

// --- Calls without a valid token
// -------------------------------------------------

enum class Cred {
  kNone,          // no authorization metadata
  kNotBearer,     // "Basic <token>"
  kNotFieldsync,  // "Bearer not-a-token"
  kUnknown,       // a well-formed token the server never issued
  kExpired,       // the clock moved past token_ttl_ms
  kRevoked,       // AccountStore::RevokeToken
  kUserRevoked,   // AccountStore::RevokeUserTokens
  kOtherDevice,   // a live token, used for another device of the user
};

enum class Call {
  kLogin,
  kLogout,
  kWhoAmI,
  kHandshake,
  kUpload,
  kUploadStream,
  kDownload
};

const char* CredName(Cred c) {
  switch (c) {
    case Cred::kNone:
      return "no token";
    case Cred::kNotBearer:
      return "not Bearer";
    case Cred::kNotFieldsync:
      return "malformed token";
    case Cred::kUnknown:
      return "unknown token";
    case Cred::kExpired:
      return "expired token";
    case Cred::kRevoked:
      return "revoked token";
    case Cred::kUserRevoked:
      return "user's tokens revoked";
    case Cred::kOtherDevice:
      return "token of another device";
  }
  return "?";
}

const char* CallName(Call c) {
  switch (c) {
    case Call::kLogin:
      return "Login";
    case Call::kLogout:
      return "Logout";
    case Call::kWhoAmI:
      return "WhoAmI";
    case Call::kHandshake:
      return "Handshake";
    case Call::kUpload:
      return "Upload";
    case Call::kUploadStream:
      return "UploadStream";
    case Call::kDownload:
      return "Download";
  }
  return "?";
}

struct CredRow {
  Cred cred;
  Call call;
  grpc::StatusCode code;
  const char* message_part;  // "" when OK
};

std::vector<CredRow> CredRows() {
  using C = grpc::StatusCode;
  struct Expect {
    Cred cred;
    C code;
    const char* part;
  };
  const std::vector<Expect> unauthenticated = {
      {Cred::kNone, C::UNAUTHENTICATED, "no token: log in first"},
      {Cred::kNotBearer, C::UNAUTHENTICATED, "must be \"Bearer <token>\""},
      {Cred::kNotFieldsync, C::UNAUTHENTICATED,
       "the token is not a fieldsync token: log in again"},
      {Cred::kUnknown, C::UNAUTHENTICATED, "unknown token: log in again"},
      {Cred::kExpired, C::UNAUTHENTICATED, "the token expired at"},
      {Cred::kRevoked, C::UNAUTHENTICATED, "the token was revoked at"},
      {Cred::kUserRevoked, C::UNAUTHENTICATED, "the token was revoked at"},
  };
  std::vector<CredRow> rows;
  for (Call call : {Call::kLogout, Call::kWhoAmI, Call::kHandshake,
                    Call::kUpload, Call::kUploadStream, Call::kDownload}) {
    for (const Expect& e : unauthenticated) {
      rows.push_back({e.cred, call, e.code, e.part});
    }
  }
  // The token is bound to its device: calls naming another device are
  // refused; calls naming none (Logout, WhoAmI) are the token's own.
  for (Call call : {Call::kHandshake, Call::kUpload, Call::kUploadStream,
                    Call::kDownload}) {
    rows.push_back({Cred::kOtherDevice, call, C::PERMISSION_DENIED,
                    "log in on this device"});
  }
  rows.push_back({Cred::kOtherDevice, Call::kWhoAmI, C::OK, ""});
  rows.push_back({Cred::kOtherDevice, Call::kLogout, C::OK, ""});
  // Login needs no token.
  rows.push_back({Cred::kNone, Call::kLogin, C::OK, ""});
  return rows;
}

TEST_F(AuthzTest, CallsWithoutAValidTokenFailAsAWholeAndStoreNothing) {
  const int64_t ttl = AuthOptions{}.token_ttl_ms;
  RawDb raw(db_path_);
  for (const UserSpec& user : MatrixUsers()) {
    for (const CredRow& row : CredRows()) {
      SCOPED_TRACE(absl::StrCat(user.name, ": ", CallName(row.call), " with ",
                                CredName(row.cred)));
      clock_.Set(kNow);
      Session s = NewSession(user.name);
      // A second registered device of the same user.
      const Session other = NewSession(user.name);
      std::optional<std::string> auth = Bearer(s.token);
      std::string device = s.device;
      switch (row.cred) {
        case Cred::kNone:
          auth.reset();
          break;
        case Cred::kNotBearer:
          auth = absl::StrCat("Basic ", s.token);
          break;
        case Cred::kNotFieldsync:
          auth = Bearer("not-a-token");
          break;
        case Cred::kUnknown:
          auth = Bearer("fs1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
          break;
        case Cred::kExpired:
          clock_.Advance(ttl + 1);
          break;
        case Cred::kRevoked: {
          auto t = server_.accounts()->LookupToken(TokenHash(s.token));
          ASSERT_TRUE(t.ok()) << t.status();
          FS_ASSERT_OK(server_.accounts()->RevokeToken(
              t->token_id, "test-admin", "token_revoked", kNow));
          break;
        }
        case Cred::kUserRevoked: {
          auto n = server_.accounts()->RevokeUserTokens(user.name, "test-admin",
                                                        kNow);
          ASSERT_TRUE(n.ok()) << n.status();
          EXPECT_GE(*n, 2);
          break;
        }
        case Cred::kOtherDevice:
          device = other.device;
          break;
      }
      const StoreSummary before = Summary();
      const int64_t rejections_before =
          raw.Int("SELECT count(*) FROM rejections");
      // A change every role may not necessarily make; it must not matter.
      const std::string body =
          ChangeIn(RecordKind::kSpotCheck, user.name, device, kOwn);
      grpc::Status st;
      v1::Identity who;
      switch (row.call) {
        case Call::kLogin:
          st = rpc_.Login(user.name, kTestPassword, NewDeviceId());
          break;
        case Call::kLogout:
          st = rpc_.Logout(auth);
          break;
        case Call::kWhoAmI:
          st = rpc_.WhoAmI(auth, &who);
          break;
        case Call::kHandshake:
          st = rpc_.Handshake(auth, device);
          break;
        case Call::kUpload: {
          v1::UploadResponse resp;
          st = rpc_.Upload(auth, device, {{1, body}}, &resp);
          EXPECT_EQ(resp.outcomes_size(), 0);
          break;
        }
        case Call::kUploadStream: {
          v1::UploadResponse resp;
          st = rpc_.UploadVia(true, auth, device, {{1, body}}, &resp);
          break;
        }
        case Call::kDownload: {
          std::vector<v1::FeedEntry> entries;
          st = rpc_.Download(auth, Rpc::DownloadRequest(device), &entries);
          EXPECT_TRUE(entries.empty());
          break;
        }
      }
      EXPECT_EQ(st.error_code(), row.code) << st.error_message();
      EXPECT_TRUE(Contains(st.error_message(), row.message_part))
          << "message \"" << st.error_message() << "\" lacks \""
          << row.message_part << "\"";
      if (row.code == grpc::StatusCode::OK && row.call == Call::kWhoAmI) {
        EXPECT_EQ(who.user(), user.name);
        EXPECT_EQ(who.device_id(), s.device);  // the token's own device
      }
      const StoreSummary after = Summary();
      EXPECT_EQ(after.changes, before.changes);
      EXPECT_EQ(after.digest, before.digest);
      EXPECT_EQ(raw.Int("SELECT count(*) FROM rejections"), rejections_before);
      EXPECT_EQ(raw.Int("SELECT coalesce(max(high_water), 0) FROM devices"), 0);
    }
  }
  clock_.Set(kNow);
}

// The token is good until token_ttl_ms after the login, not a millisecond
// longer.
TEST_F(AuthzTest, TokenExpiresExactlyAfterTheTtl) {
  const int64_t ttl = AuthOptions{}.token_ttl_ms;
  Session s = NewSession(kInspector);
  clock_.Set(kNow + ttl - 1);
  EXPECT_TRUE(rpc_.Handshake(Bearer(s.token), s.device).ok());
  clock_.Set(kNow + ttl);
  const grpc::Status st = rpc_.Handshake(Bearer(s.token), s.device);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Contains(st.error_message(), "expired")) << st.error_message();
  // A new login gives a new token.
  clock_.Set(kNow + ttl + 1);
  Session again = NewSession(kInspector);
  EXPECT_TRUE(rpc_.Handshake(Bearer(again.token), again.device).ok());
}

// --- Download: who sees what
// ------------------------------------------------------

class DownloadAuthzTest : public AuthzTest {
 protected:
  static constexpr char kOtherInspector[] = "insp.other";
  static constexpr char kTownshipInspector[] = "insp.township";

  void SetUp() override {
    AuthzTest::SetUp();
    server_.AddUser(kOtherInspector, v1::ROLE_INSPECTOR, {kOther});
    server_.AddUser(kTownshipInspector, v1::ROLE_INSPECTOR, {"640522100"});
    // The feed: one change per letter, in this order.
    Put('a', kInspector, RecordKind::kSpotCheck, kOwn, "640522100");
    Put('b', kInspector, RecordKind::kFollowUpVisit, kOwn, "640522101");
    Put('c', kInspector, RecordKind::kInterviewNote, kOwn, "");
    Put('d', kOtherInspector, RecordKind::kSpotCheck, kOther, "640521100");
    Put('e', kOfficer, RecordKind::kMonthlyReport, kOwn, "");
    Put('f', kAdmin, RecordKind::kEntityEdit, kOther, "");
    Put('g', kAdmin, RecordKind::kEntityEdit, kOwn, "640522100");
    Put('h', kTownshipInspector, RecordKind::kDocumentReview, kOwn,
        "640522100");
    Put('i', kOtherInspector, RecordKind::kEntityEdit, kOther, "640521101");
  }

  void Put(char letter, const std::string& user, RecordKind kind,
           const std::string& county, const std::string& township) {
    Session& s = SessionOf(user);
    const uint64_t seq = s.next_seq++;
    v1::UploadResponse resp;
    const grpc::Status st = rpc_.Upload(
        Bearer(s.token), s.device,
        {{seq, ChangeIn(kind, user, s.device, county, township)}}, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.outcomes_size(), 1);
    ASSERT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED)
        << letter << ": " << resp.outcomes(0).reason();
    seq_of_[letter] = resp.outcomes(0).server_seq();
    origin_[resp.outcomes(0).server_seq()] = s.device;
  }

  std::vector<uint64_t> Seqs(const std::string& letters) {
    std::vector<uint64_t> out;
    for (char l : letters) out.push_back(seq_of_.at(l));
    return out;
  }

  // Downloads as `user`; the server_seqs that came back.
  grpc::Status Download(const std::string& user, const v1::DownloadRequest& r,
                        std::vector<uint64_t>* seqs) {
    Session& s = SessionOf(user);
    v1::DownloadRequest req = r;
    req.set_device_id(s.device);
    std::vector<v1::FeedEntry> entries;
    const grpc::Status st = rpc_.Download(Bearer(s.token), req, &entries);
    for (const auto& e : entries) {
      seqs->push_back(e.server_seq());
      // The asker's own changes come as body-less confirmations.
      EXPECT_EQ(e.body().empty(), e.device_id() == s.device) << e.server_seq();
      EXPECT_EQ(e.device_id(), origin_[e.server_seq()]);
    }
    return st;
  }

  std::map<char, uint64_t> seq_of_;
  std::map<uint64_t, std::string> origin_;
};

TEST_F(DownloadAuthzTest, EachRoleSeesExactlyItsAreas) {
  struct Row {
    const char* user;
    const char* letters;
  };
  const std::vector<Row> rows = {
      {kInspector, "abcegh"},   {kOfficer, "abcegh"},
      {kOtherInspector, "dfi"}, {kTownshipInspector, "agh"},
      {kReviewer, "abcdefghi"}, {kAdmin, "abcdefghi"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.user);
    std::vector<uint64_t> seqs;
    const grpc::Status st = Download(row.user, Rpc::DownloadRequest(""), &seqs);
    ASSERT_EQ(st.error_code(), grpc::StatusCode::OK) << st.error_message();
    EXPECT_EQ(seqs, Seqs(row.letters));
  }
  // From a cursor on: only what is after it.
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(
      Download(kInspector, Rpc::DownloadRequest("", seq_of_['c']), &seqs).ok());
  EXPECT_EQ(seqs, Seqs("egh"));
}

TEST_F(DownloadAuthzTest, BackfillIsLimitedToTheCallersAreas) {
  struct Row {
    const char* user;
    const char* area;
    char after;  // letter, or 0 = from the start
    char up_to;  // letter, or 0 = up_to_seq 0, or '$' = the head
    grpc::StatusCode code;
    const char* letters;
    const char* message_part;
  };
  using C = grpc::StatusCode;
  const std::vector<Row> rows = {
      {kInspector, "640521", 0, '$', C::PERMISSION_DENIED, "",
       "backfill_area 640521 is outside the areas of user insp.ma (640522)"},
      {kInspector, "640521100", 0, '$', C::PERMISSION_DENIED, "",
       "outside the areas"},
      {kInspector, "64052", 0, '$', C::INVALID_ARGUMENT, "", "backfill_area"},
      {kInspector, "64052x", 0, '$', C::INVALID_ARGUMENT, "", "backfill_area"},
      {kInspector, "6405221001", 0, '$', C::INVALID_ARGUMENT, "",
       "backfill_area"},
      {kInspector, "640522 ", 0, '$', C::INVALID_ARGUMENT, "", "backfill_area"},
      {kInspector, "640522100", 0, 'g', C::OK, "ag", ""},
      {kInspector, "640522", 'b', 'g', C::OK, "ceg", ""},
      {kInspector, "640522", 0, '$', C::OK, "abcegh", ""},
      {kInspector, "640522", 0, 0, C::OK, "", ""},
      {kOfficer, "640522101", 0, '$', C::OK, "b", ""},
      {kOfficer, "640521", 0, '$', C::PERMISSION_DENIED, "",
       "outside the areas of user officer.li"},
      {kOtherInspector, "640522", 0, '$', C::PERMISSION_DENIED, "",
       "outside the areas"},
      {kOtherInspector, "640521", 0, 'e', C::OK, "d", ""},
      // A township inspector may not back-fill its whole county.
      {kTownshipInspector, "640522", 0, '$', C::PERMISSION_DENIED, "",
       "outside the areas of user insp.township (640522100)"},
      {kTownshipInspector, "640522101", 0, '$', C::PERMISSION_DENIED, "",
       "outside the areas"},
      {kTownshipInspector, "640522100", 0, '$', C::OK, "agh", ""},
      {kReviewer, "640521", 0, '$', C::OK, "dfi", ""},
      {kReviewer, "640522", 'c', 'h', C::OK, "egh", ""},
      {kAdmin, "640521100", 0, '$', C::OK, "d", ""},
      {kAdmin, "640522x", 0, '$', C::INVALID_ARGUMENT, "", "backfill_area"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrCat(row.user, " back-fills \"", row.area, "\""));
    v1::DownloadRequest req =
        Rpc::DownloadRequest("", row.after == 0 ? 0 : seq_of_.at(row.after));
    req.set_backfill_area(row.area);
    req.set_up_to_seq(row.up_to == 0     ? 0
                      : row.up_to == '$' ? seq_of_.at('i')
                                         : seq_of_.at(row.up_to));
    std::vector<uint64_t> seqs;
    const grpc::Status st = Download(row.user, req, &seqs);
    EXPECT_EQ(st.error_code(), row.code) << st.error_message();
    EXPECT_TRUE(Contains(st.error_message(), row.message_part))
        << st.error_message();
    EXPECT_EQ(seqs, Seqs(row.letters));
  }
}

// Areas changed by an administrator apply at the caller's next call: the
// feed follows them without a new login.
TEST_F(DownloadAuthzTest, AreaChangesApplyToTheNextDownload) {
  FS_ASSERT_OK(server_.accounts()->SetAreas(kInspector, {kOther, "640522101"},
                                            "test-admin", kNow));
  std::vector<uint64_t> seqs;
  ASSERT_TRUE(Download(kInspector, Rpc::DownloadRequest(""), &seqs).ok());
  EXPECT_EQ(seqs, Seqs("bdfi"));
  seqs.clear();
  FS_ASSERT_OK(
      server_.accounts()->SetAreas(kInspector, {}, "test-admin", kNow));
  ASSERT_TRUE(Download(kInspector, Rpc::DownloadRequest(""), &seqs).ok());
  EXPECT_TRUE(seqs.empty());
}

}  // namespace
}  // namespace fieldsync
