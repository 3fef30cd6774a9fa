// The client core's API on one device, without a server: set-up errors,
// what Record fills in, validation errors naming the field, revisions.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/review_state.h"
#include "common/sqlite_db.h"
#include "common/wire_format.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::MakeDevice;
using testing::TempDir;

TEST(Client, InitTwiceAndOpenUninitialisedFailClearly) {
  TempDir dir;
  FS_ASSERT_OK(Client::Init(dir.Sub("h"), "127.0.0.1:1", "张伟", ""));
  auto again = Client::Init(dir.Sub("h"), "127.0.0.1:1", "张伟", "");
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  ClientOptions o;
  o.home = dir.Sub("nothing-here");
  auto c = Client::Open(o);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(c.status().message().find("init"), std::string::npos);
  EXPECT_EQ(Client::Init(dir.Sub("x"), "no-port", "a", "").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Client, RecordFillsIdAuthorAndDeviceAndStartsPending) {
  TempDir dir;
  auto c = MakeDevice(dir.Sub("h"), "127.0.0.1:1", "张伟");
  v1::Record r = Example(RecordKind::kSpotCheck);
  r.set_author("someone else");  // replaced by the device's inspector
  auto id = c->Record(r);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_TRUE(IsUuidV7(*id));
  auto revs = c->Show(*id);
  ASSERT_TRUE(revs.ok());
  ASSERT_EQ(revs->size(), 1u);
  EXPECT_EQ(revs->at(0).record.author(), "张伟");
  EXPECT_EQ(revs->at(0).record.device_id(), c->device_id());
  EXPECT_EQ(revs->at(0).state, ChangeState::kPending);
  EXPECT_EQ(revs->at(0).device_seq, 1u);
  auto st = c->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 1u);
  EXPECT_GT(st->pending_bytes, 300u);
}

TEST(Client, InvalidRecordIsRefusedWithTheFieldAndNothingIsStored) {
  TempDir dir;
  auto c = MakeDevice(dir.Sub("h"), "127.0.0.1:1", "张伟");
  ASSERT_TRUE(c->Record(Example(RecordKind::kMonthlyReport)).ok());
  v1::Record bad = Example(RecordKind::kMonthlyReport);
  bad.mutable_monthly_report()->mutable_rows(1)->set_employed(999);
  auto id = c->Record(bad);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(id.status().message().find("monthly_report.rows[1].employed (999)"),
            std::string::npos)
      << id.status();
  v1::Record no_county = Example(RecordKind::kInterviewNote);
  no_county.mutable_area()->clear_county_code();
  EXPECT_NE(c->Record(no_county).status().message().find("area.county_code"),
            std::string::npos);
  auto list = c->List(std::nullopt);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  auto st = c->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 1u);
}

TEST(Client, ARecordTooBigToSyncIsRefusedBeforeItIsSaved) {
  TempDir dir;
  auto c = MakeDevice(dir.Sub("h"), "127.0.0.1:1", "张伟");
  v1::Record big = Example(RecordKind::kInterviewNote);
  // Each finding within the 64 KiB text limit, together over the body limit.
  for (int i = 0; i < 5; ++i) {
    auto* link = big.add_rubric_links();
    link->set_item_id("1.1");
    link->set_finding(std::string(60 * 1024, 'x'));
  }
  auto id = c->Record(big);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(id.status().message().find("at most 262144"), std::string::npos)
      << id.status();
  auto st = c->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 0u);
}

TEST(Client, ReviseKeepsEveryRevisionAndChecksTheRecord) {
  TempDir dir;
  auto c = MakeDevice(dir.Sub("h"), "127.0.0.1:1", "张伟");
  v1::Record r = Example(RecordKind::kDocumentReview);
  auto id = c->Record(r);
  ASSERT_TRUE(id.ok());
  r.mutable_document_review()->set_findings("补充：协议缺少盖章");
  FS_ASSERT_OK(c->Revise(*id, r));
  auto revs = c->Show(*id);
  ASSERT_TRUE(revs.ok());
  ASSERT_EQ(revs->size(), 2u);
  EXPECT_EQ(revs->at(1).record.document_review().findings(),
            "补充：协议缺少盖章");
  auto list = c->List(RecordKind::kDocumentReview);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).revisions, 2);
  EXPECT_EQ(list->at(0).current.device_seq, 2u);

  FakeClock clock(1'780'000'000'000);
  EXPECT_EQ(c->Revise(NewRecordId(clock), r).code(),
            absl::StatusCode::kNotFound);
  v1::Record moved = r;
  moved.mutable_area()->set_county_code("640521");
  moved.mutable_area()->clear_township_code();
  moved.mutable_area()->clear_village_code();
  EXPECT_EQ(c->Revise(*id, moved).code(),
            absl::StatusCode::kFailedPrecondition);
  v1::Record other_kind = Example(RecordKind::kInterviewNote);
  EXPECT_EQ(c->Revise(*id, other_kind).code(),
            absl::StatusCode::kFailedPrecondition);
}

// A device home of schema version 2 kept each record's county, author and
// head stamp in its records row; version 3 reads them from the change row;
// version 4 adds when the server received each change.
TEST(Client, AVersion2HomeIsUpgradedAndRevisionsAreStillChecked) {
  TempDir dir;
  const std::string home = dir.Sub("h");
  FS_ASSERT_OK(Client::Init(home, "127.0.0.1:1", "张伟", ""));
  ClientOptions o;
  o.home = home;
  v1::Record r = Example(RecordKind::kDocumentReview);
  std::string id;
  {
    auto c = Client::Open(o);
    ASSERT_TRUE(c.ok()) << c.status();
    auto made = (*c)->Record(r);
    ASSERT_TRUE(made.ok()) << made.status();
    id = *made;
  }
  {  // Back to the version-2 shape of the records table.
    auto db = Db::Open(absl::StrCat(home, "/fieldsync.db"));
    ASSERT_TRUE(db.ok());
    FS_ASSERT_OK((*db)->Exec(testing::RecordsTableOfVersion2Sql("张伟")));
    // Nor did it know when the server received a change (version 4).
    FS_ASSERT_OK((*db)->Exec(
        "ALTER TABLE own_changes DROP COLUMN server_received_ms; "
        "ALTER TABLE received_changes DROP COLUMN server_received_ms;"));
  }
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok()) << c.status();
  auto list = (*c)->List(std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  v1::Record moved = r;
  moved.mutable_area()->set_county_code("640521");
  moved.mutable_area()->clear_township_code();
  moved.mutable_area()->clear_village_code();
  EXPECT_EQ((*c)->Revise(id, moved).code(),
            absl::StatusCode::kFailedPrecondition);
  r.set_notes("补充");
  FS_ASSERT_OK((*c)->Revise(id, r));
  list = (*c)->List(std::nullopt);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).revisions, 2);
  EXPECT_EQ(list->at(0).current.record.notes(), "补充");
  auto db = Db::Open(absl::StrCat(home, "/fieldsync.db"));
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->UserVersion(), kClientSchemaVersion);
}

// A version-3 client kept a review it received (a change kind it did not
// know) whole, as kind 0. Upgraded, the client reads it: the record shows
// the review and `history` lists it.
TEST(Client, AReviewAVersion3HomeKeptUnreadIsReadWhenUpgraded) {
  TempDir dir;
  const std::string home = dir.Sub("h");
  FS_ASSERT_OK(Client::Init(home, "127.0.0.1:1", "张伟", ""));
  ClientOptions o;
  o.home = home;
  v1::Record r = Example(RecordKind::kDocumentReview);
  std::string id, device;
  {
    auto c = Client::Open(o);
    ASSERT_TRUE(c.ok()) << c.status();
    auto made = (*c)->Record(r);
    ASSERT_TRUE(made.ok()) << made.status();
    id = *made;
    device = (*c)->device_id();
  }
  {  // What a version-3 client stored of a review it received.
    v1::ChangeBody body;
    v1::Review& review = *body.mutable_review();
    review.set_record_id(id);
    *review.mutable_area() = r.area();
    review.set_author("周敏");
    review.set_verdict(v1::REVIEW_VERDICT_ACCEPT);
    review.mutable_revision()->set_device_id(device);
    review.mutable_revision()->set_device_seq(1);
    auto db = Db::Open(absl::StrCat(home, "/fieldsync.db"));
    ASSERT_TRUE(db.ok());
    auto ins = (*db)->Prepare(
        "INSERT INTO received_changes(server_seq, device_id, device_seq, "
        "kind, county, subject, hlc, flags, received_ms, body) "
        "VALUES(1, ?, 1, 0, '', x'', ?, 0, 0, ?)");
    ASSERT_TRUE(ins.ok());
    ins->BindBlob(1, NewDeviceId())
        .Bind(2, static_cast<int64_t>(PackHlc(1'780'000'000'000, 0)))
        .BindBlob(3, body.SerializeAsString());
    FS_ASSERT_OK(ins->Run());
    FS_ASSERT_OK((*db)->Exec(
        "DELETE FROM reviews; "
        "ALTER TABLE own_changes DROP COLUMN server_received_ms; "
        "ALTER TABLE received_changes DROP COLUMN server_received_ms; "
        "PRAGMA user_version = 3;"));
  }
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok()) << c.status();
  auto list = (*c)->List(std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).review.status, ReviewStatus::kAccepted);
  EXPECT_EQ(list->at(0).review.reviewer, "周敏");
  auto history = (*c)->History(id);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_NE(history->at(0).is_review, history->at(1).is_review);
  // And the lock holds on the device.
  EXPECT_EQ((*c)->Revise(id, r).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Client, EntityEditFillsTheBaseFromTheCurrentValue) {
  TempDir dir;
  auto c = MakeDevice(dir.Sub("h"), "127.0.0.1:1", "张伟");
  v1::EntityEdit e;
  e.set_entity_type(v1::ENTITY_TYPE_INSTITUTION);
  e.set_entity_id("INST-HY-007");
  e.mutable_area()->set_county_code("640522");
  auto* w = e.add_writes();
  w->set_field("name");
  w->set_value("海原县职业技能培训学校");
  auto h1 = c->EditEntity(e);
  ASSERT_TRUE(h1.ok()) << h1.status();
  w->set_value("海原县职业技能培训中心");
  auto h2 = c->EditEntity(e);
  ASSERT_TRUE(h2.ok());
  EXPECT_GT(*h2, *h1);
  auto f = c->GetEntity(v1::ENTITY_TYPE_INSTITUTION, "INST-HY-007");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 1u);  // a sequential edit is not a conflict
  EXPECT_EQ(f->at(0).value, "海原县职业技能培训中心");
  w->set_field("not_a_field");
  auto bad = c->EditEntity(e);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("entity_edit.writes[0].field"),
            std::string::npos);
}

}  // namespace
}  // namespace fieldsync
