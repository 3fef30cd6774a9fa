// The authorization matrix over real gRPC: every RPC for every role, in the
// caller's own area and in another, and every way a call can lack a valid
// token. The rules the server implements (server/access_policy.h):
//
//   role            may upload                                sees
//   inspector       spot-check, follow-up-visit, interview-   own areas
//                   note, document-review and entity edits in
//                   own areas, with record.author = own name
//   county officer  monthly-report in own areas, own author   own areas
//   reviewer        nothing                                   everything
//   admin           entity edits, any area                    everything
//
// A request without a valid token fails as a whole with UNAUTHENTICATED; a
// token used for another device than its own with PERMISSION_DENIED. A
// change outside the rules is an outcome REJECTED with code 7
// (PERMISSION_DENIED) and a reason naming the area or the role; nothing of
// it is stored but its hash.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/auth.h"
#include "tests/server/rpc_test_helpers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using rpc_testing::Bearer;
using rpc_testing::ChangeIn;
using rpc_testing::Contains;
using rpc_testing::kNow;
using rpc_testing::OutChange;
using rpc_testing::RawDb;
using rpc_testing::Rpc;
using testing::kTestPassword;
using testing::TempDir;
using testing::TestServer;

constexpr char kOwn[] = "640522";
constexpr char kOther[] = "640521";

// The users of the matrix, one per role.
constexpr char kInspector[] = "insp.ma";
constexpr char kOfficer[] = "officer.li";
constexpr char kReviewer[] = "reviewer.zhou";
constexpr char kAdmin[] = "admin.wang";

struct UserSpec {
  const char* name;
  v1::Role role;
  std::vector<std::string> areas;
};

const std::vector<UserSpec>& MatrixUsers() {
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
      : clock_(kNow),
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
      const grpc::Status st =
          rpc_.Handshake(Bearer(it->second.token), it->second.device);
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
  Rpc rpc_;
  std::map<std::string, Session> sessions_;
};

// --- Login, WhoAmI, Handshake, Logout: every role
// -----------------------------

struct IdentityRow {
  const char* user;
  v1::Role role;
  std::vector<std::string> areas;  // as the identity lists them
  bool all_areas;
};

TEST_F(AuthzTest, EveryRoleMayLogInAskWhoItIsHandshakeAndLogOut) {
  const std::vector<IdentityRow> rows = {
      {kInspector, v1::ROLE_INSPECTOR, {kOwn}, false},
      {kOfficer, v1::ROLE_COUNTY_OFFICER, {kOwn}, false},
      {kReviewer, v1::ROLE_REVIEWER, {}, true},
      {kAdmin, v1::ROLE_ADMIN, {}, true},
  };
  const int64_t ttl = AuthOptions{}.token_ttl_ms;
  for (const IdentityRow& row : rows) {
    SCOPED_TRACE(row.user);
    auto check = [&](const v1::Identity& id, const std::string& device) {
      EXPECT_EQ(id.user(), row.user);
      EXPECT_EQ(id.role(), row.role);
      EXPECT_EQ(std::vector<std::string>(id.areas().begin(), id.areas().end()),
                row.areas);
      EXPECT_EQ(id.all_areas(), row.all_areas);
      EXPECT_EQ(id.device_id(), device);
      EXPECT_EQ(id.token_expires_ms(), kNow + ttl);
    };
    const std::string device = NewDeviceId();
    v1::LoginResponse login;
    grpc::Status s = rpc_.Login(row.user, kTestPassword, device, &login);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
    EXPECT_TRUE(absl::StartsWith(login.token(), "fs1."));
    check(login.identity(), device);

    v1::Identity who;
    s = rpc_.WhoAmI(Bearer(login.token()), &who);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
    check(who, device);

    v1::HandshakeResponse hs;
    s = rpc_.Handshake(Bearer(login.token()), device, &hs);
    ASSERT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
    check(hs.identity(), device);

    s = rpc_.Logout(Bearer(login.token()));
    ASSERT_EQ(s.error_code(), grpc::StatusCode::OK) << s.error_message();
    s = rpc_.WhoAmI(Bearer(login.token()), &who);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_TRUE(Contains(s.error_message(), "revoked")) << s.error_message();
  }
}

// --- Upload and UploadStream: every role, every kind, own and other area
// ------

struct UploadRow {
  const char* user;
  RecordKind kind;  // kEntityEdit for an entity edit
  const char* county;
  const char* township;
  bool foreign_author;  // record.author is not the caller
  v1::OutcomeStatus status;
  grpc::StatusCode code;  // OK when accepted
  std::vector<std::string> reason_parts;
};

std::string Describe(const UploadRow& r) {
  return absl::StrCat(r.user, " uploads ", RecordKindName(r.kind), " in ",
                      r.county, "/", r.township,
                      r.foreign_author ? " by another author" : "");
}

std::vector<UploadRow> UploadRows() {
  constexpr auto kAccepted = v1::OUTCOME_STATUS_ACCEPTED;
  constexpr auto kRejected = v1::OUTCOME_STATUS_REJECTED;
  constexpr auto kOk = grpc::StatusCode::OK;
  constexpr auto kDenied = grpc::StatusCode::PERMISSION_DENIED;
  const std::string outside_inspector =
      absl::StrCat("is outside the areas of user ", kInspector);
  const std::string outside_officer =
      absl::StrCat("is outside the areas of user ", kOfficer);
  std::vector<UploadRow> rows = {
      // Inspector: observations other than monthly reports and entity edits,
      // in own areas, as own author.
      {kInspector,
       RecordKind::kSpotCheck,
       kOwn,
       "640522100",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kFollowUpVisit,
       kOwn,
       "640522101",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kInterviewNote,
       kOwn,
       "",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kDocumentReview,
       kOwn,
       "",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kEntityEdit,
       kOwn,
       "",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kEntityEdit,
       kOwn,
       "640522100",
       false,
       kAccepted,
       kOk,
       {}},
      {kInspector,
       RecordKind::kMonthlyReport,
       kOwn,
       "",
       false,
       kRejected,
       kDenied,
       {"inspector may not record", "monthly-report"}},
      {kInspector,
       RecordKind::kSpotCheck,
       kOwn,
       "640522100",
       true,
       kRejected,
       kDenied,
       {"record.author", "is not the logged-in user"}},
      {kInspector,
       RecordKind::kSpotCheck,
       kOther,
       "640521100",
       false,
       kRejected,
       kDenied,
       {"county 640521", outside_inspector}},
      {kInspector,
       RecordKind::kFollowUpVisit,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"county 640521", outside_inspector}},
      {kInspector,
       RecordKind::kInterviewNote,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"county 640521", outside_inspector}},
      {kInspector,
       RecordKind::kDocumentReview,
       kOther,
       "640521101",
       false,
       kRejected,
       kDenied,
       {"township 640521101", outside_inspector}},
      {kInspector,
       RecordKind::kEntityEdit,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"entity-edit in county 640521", outside_inspector}},
      {kInspector,
       RecordKind::kMonthlyReport,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"inspector may not record", "monthly-report"}},
      // County officer: monthly reports of own areas, as own author.
      {kOfficer,
       RecordKind::kMonthlyReport,
       kOwn,
       "",
       false,
       kAccepted,
       kOk,
       {}},
      {kOfficer,
       RecordKind::kMonthlyReport,
       kOwn,
       "",
       true,
       kRejected,
       kDenied,
       {"record.author", "is not the logged-in user"}},
      {kOfficer,
       RecordKind::kMonthlyReport,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"monthly-report in county 640521", outside_officer}},
      {kOfficer,
       RecordKind::kEntityEdit,
       kOwn,
       "",
       false,
       kRejected,
       kDenied,
       {"county-officer may not edit entities"}},
      {kOfficer,
       RecordKind::kEntityEdit,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"county-officer may not edit entities"}},
      // Admin: entity edits anywhere.
      {kAdmin, RecordKind::kEntityEdit, kOwn, "", false, kAccepted, kOk, {}},
      {kAdmin,
       RecordKind::kEntityEdit,
       kOther,
       "640521101",
       false,
       kAccepted,
       kOk,
       {}},
  };
  for (RecordKind kind : testing::InspectorKinds()) {
    for (const char* county : {kOwn, kOther}) {
      rows.push_back({kOfficer,
                      kind,
                      county,
                      "",
                      false,
                      kRejected,
                      kDenied,
                      {"county-officer may not record",
                       std::string(RecordKindName(kind))}});
    }
  }
  // Reviewer: nothing; admin: no records.
  for (RecordKind kind : ObservationKinds()) {
    for (const char* county : {kOwn, kOther}) {
      rows.push_back(
          {kReviewer,
           kind,
           county,
           "",
           false,
           kRejected,
           kDenied,
           {"reviewer may not record", std::string(RecordKindName(kind))}});
      rows.push_back(
          {kAdmin,
           kind,
           county,
           "",
           false,
           kRejected,
           kDenied,
           {"admin may not record", std::string(RecordKindName(kind))}});
    }
  }
  for (const char* county : {kOwn, kOther}) {
    rows.push_back({kReviewer,
                    RecordKind::kEntityEdit,
                    county,
                    "",
                    false,
                    kRejected,
                    kDenied,
                    {"reviewer may not edit entities"}});
  }
  return rows;
}

// false: Upload; true: UploadStream.
class AuthzUploadMatrixTest : public AuthzTest,
                              public ::testing::WithParamInterface<bool> {};

TEST_P(AuthzUploadMatrixTest,
       EachChangeGetsThePolicysOutcomeAndRefusalsStoreNothing) {
  const bool stream = GetParam();
  RawDb raw(db_path_);
  int accepted = 0;
  for (const UploadRow& row : UploadRows()) {
    SCOPED_TRACE(Describe(row));
    Session& s = SessionOf(row.user);
    const uint64_t seq = s.next_seq++;
    const std::string body =
        ChangeIn(row.kind, row.foreign_author ? "someone.else" : row.user,
                 s.device, row.county, row.township);
    const StoreSummary before = Summary();
    v1::UploadResponse resp;
    const grpc::Status st =
        rpc_.UploadVia(stream, Bearer(s.token), s.device, {{seq, body}}, &resp);
    ASSERT_EQ(st.error_code(), grpc::StatusCode::OK) << st.error_message();
    ASSERT_EQ(resp.outcomes_size(), 1);
    const v1::ChangeOutcome& o = resp.outcomes(0);
    EXPECT_EQ(o.device_seq(), seq);
    EXPECT_EQ(o.status(), row.status) << o.reason();
    EXPECT_EQ(o.code(), static_cast<int>(row.code)) << o.reason();
    for (const std::string& part : row.reason_parts) {
      EXPECT_TRUE(Contains(o.reason(), part))
          << "reason \"" << o.reason() << "\" lacks \"" << part << "\"";
    }
    EXPECT_EQ(resp.device_high_water(), seq);
    const StoreSummary after = Summary();
    const rpc_testing::RejectionRow rejection = raw.Rejection(s.device, seq);
    if (row.status == v1::OUTCOME_STATUS_ACCEPTED) {
      ++accepted;
      EXPECT_EQ(after.changes, before.changes + 1);
      EXPECT_EQ(o.server_seq(), after.feed_head);
      EXPECT_FALSE(rejection.found);
    } else {
      EXPECT_EQ(o.server_seq(), 0u);
      EXPECT_EQ(after.changes, before.changes);
      EXPECT_EQ(after.digest, before.digest);
      EXPECT_EQ(after.rejected, before.rejected + 1);
      ASSERT_TRUE(rejection.found);
      EXPECT_EQ(rejection.code, 7);
      EXPECT_EQ(rejection.body_length, 0) << "a refused change's body was kept";
      EXPECT_TRUE(rejection.has_hash);
    }
  }
  const StoreSummary end = Summary();
  EXPECT_EQ(end.changes, static_cast<uint64_t>(accepted));
  EXPECT_EQ(raw.Int("SELECT count(*) FROM rejections WHERE length(body) > 0"),
            0);
  // A retry of the refused changes gets the same outcome (from the hash).
  Session& reviewer = SessionOf(kReviewer);
  ASSERT_GT(reviewer.next_seq, 1u);
  v1::UploadResponse retry;
  const std::string again =
      ChangeIn(RecordKind::kSpotCheck, kReviewer, reviewer.device, kOwn);
  ASSERT_TRUE(rpc_.UploadVia(stream, Bearer(reviewer.token), reviewer.device,
                             {{reviewer.next_seq, again}}, &retry)
                  .ok());
  v1::UploadResponse retry2;
  ASSERT_TRUE(rpc_.UploadVia(stream, Bearer(reviewer.token), reviewer.device,
                             {{reviewer.next_seq, again}}, &retry2)
                  .ok());
  EXPECT_EQ(retry.SerializeAsString(), retry2.SerializeAsString());
  EXPECT_EQ(retry2.outcomes(0).code(), 7);
}

INSTANTIATE_TEST_SUITE_P(Transports, AuthzUploadMatrixTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UploadStream" : "Upload";
                         });

// A batch mixing allowed and refused changes: each gets its own outcome, the
// refused ones do not block the others.
TEST_F(AuthzTest, MixedBatchAcceptsTheAllowedAndRefusesTheRest) {
  Session& s = SessionOf(kInspector);
  const std::vector<OutChange> batch = {
      {1, ChangeIn(RecordKind::kSpotCheck, kInspector, s.device, kOwn)},
      {2, ChangeIn(RecordKind::kSpotCheck, kInspector, s.device, kOther)},
      {3, ChangeIn(RecordKind::kMonthlyReport, kInspector, s.device, kOwn)},
      {4, ChangeIn(RecordKind::kInterviewNote, kInspector, s.device, kOwn)},
  };
  v1::UploadResponse resp;
  ASSERT_TRUE(rpc_.Upload(Bearer(s.token), s.device, batch, &resp).ok());
  ASSERT_EQ(resp.outcomes_size(), 4);
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(resp.outcomes(0).server_seq(), 1u);
  EXPECT_EQ(resp.outcomes(1).code(), 7);
  EXPECT_EQ(resp.outcomes(2).code(), 7);
  EXPECT_EQ(resp.outcomes(3).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(resp.outcomes(3).server_seq(), 2u);
  EXPECT_EQ(resp.device_high_water(), 4u);
  EXPECT_EQ(Summary().changes, 2u);
  // The upload audit row counts the refusals.
  AuditFilter f;
  f.action = "upload";
  auto audit = server_.accounts()->ListAudit(f);
  ASSERT_TRUE(audit.ok()) << audit.status();
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].detail,
            "accepted 2 (server_seq 1-2), rejected 2 (2 permission denied)");
}

// Only a record's author may revise it. The refusal is a PERMISSION_DENIED
// like the policy's, so like them it must keep nothing of the change but
// its hash (server_store.h: "a change outside the caller's rights, of which
// nothing may be stored").
TEST_F(AuthzTest, RevisingAnotherAuthorsRecordIsRefusedAndNotStored) {
  constexpr char kColleague[] = "insp.colleague";
  server_.AddUser(kColleague, v1::ROLE_INSPECTOR, {kOwn});
  Session& author = SessionOf(kInspector);
  Session& colleague = SessionOf(kColleague);
  v1::Record r = rpc_testing::RecordIn(RecordKind::kSpotCheck, kInspector,
                                       author.device, kOwn, "640522100");
  v1::UploadResponse resp;
  ASSERT_TRUE(rpc_.Upload(Bearer(author.token), author.device,
                          {{1, rpc_testing::BodyOf(r)}}, &resp)
                  .ok());
  ASSERT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
  // The colleague sends a revision of it (same id) as its own author.
  r.set_author(kColleague);
  r.set_device_id(colleague.device);
  r.set_notes("改写了别人的记录");
  const StoreSummary before = Summary();
  ASSERT_TRUE(rpc_.Upload(Bearer(colleague.token), colleague.device,
                          {{1, rpc_testing::BodyOf(r)}}, &resp)
                  .ok());
  ASSERT_EQ(resp.outcomes_size(), 1);
  EXPECT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(resp.outcomes(0).code(), 7);
  EXPECT_TRUE(Contains(resp.outcomes(0).reason(),
                       "only the author (insp.ma) may revise this record"))
      << resp.outcomes(0).reason();
  EXPECT_EQ(Summary().changes, before.changes);
  RawDb raw(db_path_);
  const auto rej = raw.Rejection(colleague.device, 1);
  ASSERT_TRUE(rej.found);
  EXPECT_EQ(rej.code, 7);
  EXPECT_EQ(rej.body_length, 0) << "the refused revision's body was stored";
  EXPECT_TRUE(rej.has_hash);
}

// --- Township areas
// -------------------------------------------------------------

TEST_F(AuthzTest, TownshipInspectorUploadsOnlyInItsTownship) {
  constexpr char kTownshipInspector[] = "insp.township";
  server_.AddUser(kTownshipInspector, v1::ROLE_INSPECTOR, {"640522100"});
  Session& s = SessionOf(kTownshipInspector);
  struct Row {
    RecordKind kind;
    const char* township;
    v1::OutcomeStatus status;
    const char* reason_part;
  };
  const std::vector<Row> rows = {
      {RecordKind::kSpotCheck, "640522100", v1::OUTCOME_STATUS_ACCEPTED, ""},
      {RecordKind::kDocumentReview, "640522100", v1::OUTCOME_STATUS_ACCEPTED,
       ""},
      {RecordKind::kEntityEdit, "640522100", v1::OUTCOME_STATUS_ACCEPTED, ""},
      {RecordKind::kSpotCheck, "640522101", v1::OUTCOME_STATUS_REJECTED,
       "spot-check in county 640522 township 640522101 is outside the areas "
       "of user insp.township (640522100)"},
      {RecordKind::kEntityEdit, "640522101", v1::OUTCOME_STATUS_REJECTED,
       "township 640522101 is outside the areas"},
      // The county without a township is wider than the township.
      {RecordKind::kSpotCheck, "", v1::OUTCOME_STATUS_REJECTED,
       "spot-check in county 640522 is outside the areas"},
      {RecordKind::kEntityEdit, "", v1::OUTCOME_STATUS_REJECTED,
       "entity-edit in county 640522 is outside the areas"},
  };
  RawDb raw(db_path_);
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrCat(RecordKindName(row.kind), " in ", row.township));
    const uint64_t seq = s.next_seq++;
    const StoreSummary before = Summary();
    v1::UploadResponse resp;
    ASSERT_TRUE(rpc_.Upload(Bearer(s.token), s.device,
                            {{seq, ChangeIn(row.kind, kTownshipInspector,
                                            s.device, kOwn, row.township)}},
                            &resp)
                    .ok());
    ASSERT_EQ(resp.outcomes_size(), 1);
    EXPECT_EQ(resp.outcomes(0).status(), row.status);
    if (row.status == v1::OUTCOME_STATUS_REJECTED) {
      EXPECT_EQ(resp.outcomes(0).code(), 7);
      EXPECT_TRUE(Contains(resp.outcomes(0).reason(), row.reason_part))
          << resp.outcomes(0).reason();
      EXPECT_EQ(Summary().changes, before.changes);
      const auto rej = raw.Rejection(s.device, seq);
      EXPECT_TRUE(rej.found);
      EXPECT_EQ(rej.body_length, 0);
      EXPECT_TRUE(rej.has_hash);
    } else {
      EXPECT_EQ(Summary().changes, before.changes + 1);
    }
  }
}

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
