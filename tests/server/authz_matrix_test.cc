// The authorization matrix over real gRPC, for uploads: every role logs in,
// asks who it is, handshakes and logs out; every role uploads every kind in
// its own area and in another, by Upload and by UploadStream; a batch mixes
// allowed and refused changes; a colleague revises another author's record;
// a township inspector uploads in and out of its township. The rules the
// server implements (server/access_policy.h):
//
//   role            may upload                                sees
//   inspector       spot-check, follow-up-visit, interview-   own areas
//                   note, document-review and entity edits in
//                   own areas, with record.author = own name
//   county officer  monthly-report in own areas, own author;  own areas
//                   entity edits (the roster) in own areas
//   reviewer        nothing                                   everything
//   admin           entity edits, any area                    everything
//
// A change outside the rules is an outcome REJECTED with code 7
// (PERMISSION_DENIED) and a reason naming the area or the role; nothing of
// it is stored but its hash. Calls without a valid token and downloads are in
// authz_token_download_test.cc; the users and the fixture in
// authz_test_support.h.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
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
using rpc_testing::OutChange;
using rpc_testing::RawDb;
using testing::AuthzTest;
using testing::kAdmin;
using testing::kInspector;
using testing::kOfficer;
using testing::kOther;
using testing::kOwn;
using testing::kReviewer;
using testing::kTestPassword;
using testing::Session;

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
      // County officer: the roster of own areas.
      {kOfficer, RecordKind::kEntityEdit, kOwn, "", false, kAccepted, kOk, {}},
      {kOfficer,
       RecordKind::kEntityEdit,
       kOther,
       "",
       false,
       kRejected,
       kDenied,
       {"entity-edit in county 640521", outside_officer}},
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

// A county's yearly training task is set by its county officer or an
// admin; an inspector, who may correct other roster fields, may not.
TEST_F(AuthzTest, OnlyCountyOfficersAndAdminsSetAYearlyTask) {
  struct TaskRow {
    const char* user;
    v1::OutcomeStatus status;
    std::string reason_part;
  };
  const std::vector<TaskRow> rows = {
      {kInspector, v1::OUTCOME_STATUS_REJECTED,
       "inspector may not set a county's yearly training task"},
      {kOfficer, v1::OUTCOME_STATUS_ACCEPTED, ""},
      {kAdmin, v1::OUTCOME_STATUS_ACCEPTED, ""},
      {kReviewer, v1::OUTCOME_STATUS_REJECTED,
       "reviewer may not edit entities"}};
  for (const TaskRow& row : rows) {
    SCOPED_TRACE(row.user);
    Session& s = SessionOf(row.user);
    v1::ChangeBody b;
    v1::EntityEdit* e = b.mutable_entity_edit();
    e->set_entity_type(v1::ENTITY_TYPE_TASK);
    e->set_entity_id("640522-2026");
    e->mutable_area()->set_county_code(kOwn);
    v1::FieldWrite* w = e->add_writes();
    w->set_field("trainees_target");
    w->set_value("1200");
    const uint64_t seq = s.next_seq++;
    v1::UploadResponse resp;
    ASSERT_TRUE(rpc_.UploadVia(false, Bearer(s.token), s.device,
                               {{seq, b.SerializeAsString()}}, &resp)
                    .ok());
    ASSERT_EQ(resp.outcomes_size(), 1);
    EXPECT_EQ(resp.outcomes(0).status(), row.status)
        << resp.outcomes(0).reason();
    EXPECT_TRUE(Contains(resp.outcomes(0).reason(), row.reason_part))
        << resp.outcomes(0).reason();
  }
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

}  // namespace
}  // namespace fieldsync
