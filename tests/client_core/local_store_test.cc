// The device store itself (client_core/local_store.h and its parts), below
// the public Client: what a damaged row does, how a change held back by a
// pending own change is counted, released, and reported when it cannot be
// read. Each test opens the store's SQLite file beside it to damage a row,
// as a disk fault or a bad copy would.
#include "client_core/local_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "common/sqlite_db.h"
#include "common/wire_format.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using ::fieldsync::testing::Example;
using ::fieldsync::testing::StatusIs;
using ::fieldsync::testing::TempDir;

constexpr int64_t kNow = 1778544000000;  // 2026-05-12 00:00 UTC

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FS_ASSERT_OK(LocalStore::Create(dir_.path(), "127.0.0.1:1", "li", "tab"));
    Reopen();
  }

  void Reopen() {
    store_.reset();
    auto s = LocalStore::Open(dir_.path(), &clock_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  // Closes the store and runs `sql` on its file.
  void ExecClosed(const std::string& sql) {
    store_.reset();
    auto db = Db::Open(dir_.Sub(LocalStore::kDbFile));
    ASSERT_TRUE(db.ok()) << db.status();
    FS_ASSERT_OK((*db)->Exec(sql));
  }

  // Runs `sql` on the store's file with the store closed, then reopens it.
  void Damage(const std::string& sql) {
    ExecClosed(sql);
    Reopen();
  }

  // An edit of trainee T's phone, in `county`.
  static v1::EntityEdit PhoneEdit(const std::string& county,
                                  const std::string& phone) {
    v1::EntityEdit e;
    e.set_entity_type(v1::ENTITY_TYPE_TRAINEE);
    e.set_entity_id("T");
    e.mutable_area()->set_county_code(county);
    v1::FieldWrite* w = e.add_writes();
    w->set_field("name");
    w->set_value(phone);
    return e;
  }

  // A page bringing, at server_seq 1, another device's edit of trainee T in
  // county 640521, while this device's pending edit put T in 640522: the
  // feed applier holds it back (feed_applier.h).
  void ReceiveConflictingEdit() {
    FS_ASSERT_OK(store_->AddEntityEdit(PhoneEdit("640522", "111")));
    v1::DownloadPage page;
    v1::FeedEntry* e = page.add_entries();
    e->set_server_seq(1);
    e->set_device_id(std::string(kIdBytes, 'B'));
    e->set_device_seq(1);
    e->set_hlc(PackHlc(static_cast<uint64_t>(kNow), 0));
    v1::ChangeBody body;
    *body.mutable_entity_edit() = PhoneEdit("640521", "222");
    e->set_body(body.SerializeAsString());
    page.set_last_seq(1);
    uint64_t confirmations = 0, from_others = 0;
    FS_ASSERT_OK(store_->ApplyPage(page, &confirmations, &from_others));
    EXPECT_EQ(from_others, 1u);
  }

  // The server rejects this device's pending edit (device_seq 1).
  void RejectOwnEdit() {
    v1::UploadRequest request;
    FS_ASSERT_OK(store_->PendingBatch(0, 10, 1 << 20, &request));
    ASSERT_EQ(request.changes_size(), 1);
    v1::UploadResponse response;
    v1::ChangeOutcome* o = response.add_outcomes();
    o->set_device_seq(1);
    o->set_status(v1::OUTCOME_STATUS_REJECTED);
    o->set_code(static_cast<int>(absl::StatusCode::kFailedPrecondition));
    o->set_reason("trainee T belongs to county 640521, not 640522");
    std::vector<Rejection> rejections;
    uint64_t confirmed = 0;
    FS_ASSERT_OK(
        store_->ApplyOutcomes(request, response, &rejections, &confirmed));
    ASSERT_EQ(rejections.size(), 1u);
  }

  TempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, ADamagedOwnRowIsDataLossNamingItNotACrash) {
  auto id = store_->AddRecord(Example(RecordKind::kSpotCheck), nullptr);
  FS_ASSERT_OK(id);
  Damage("UPDATE own_changes SET body = x'ffffffff0a'");
  EXPECT_THAT(
      store_->List(std::nullopt),
      StatusIs(absl::StatusCode::kDataLoss, "/1 holds no readable record"));
  EXPECT_THAT(store_->Revisions(*id),
              StatusIs(absl::StatusCode::kDataLoss, "holds no readable"));
  // The rest of the store still answers, and the change is still there to
  // be sent: nothing was dropped.
  auto status = store_->Status();
  FS_ASSERT_OK(status);
  EXPECT_EQ(status->pending, 1u);
  uint64_t count = 0, bytes = 0;
  FS_ASSERT_OK(store_->PendingTotals(&count, &bytes));
  EXPECT_EQ(count, 1u);
}

TEST_F(LocalStoreTest, AHeldBackChangeComesInWhenThePendingChangeIsRejected) {
  ReceiveConflictingEdit();
  auto status = store_->Status();
  FS_ASSERT_OK(status);
  EXPECT_EQ(status->held_back, 1u);
  EXPECT_TRUE(status->unreadable_held_back.empty());
  auto fields = store_->Entity(v1::ENTITY_TYPE_TRAINEE, "T");
  FS_ASSERT_OK(fields);
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].value, "111");  // this device's pending edit

  RejectOwnEdit();
  status = store_->Status();
  FS_ASSERT_OK(status);
  EXPECT_EQ(status->held_back, 0u);
  fields = store_->Entity(v1::ENTITY_TYPE_TRAINEE, "T");
  FS_ASSERT_OK(fields);
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].value, "222");  // the other device's, now in
}

TEST_F(LocalStoreTest, ADamagedHeldBackChangeIsReportedAndKept) {
  ReceiveConflictingEdit();
  Damage("UPDATE received_changes SET body = x'ffffffff0a' WHERE deferred = 1");
  auto status = store_->Status();
  FS_ASSERT_OK(status);
  EXPECT_EQ(status->held_back, 1u);
  EXPECT_THAT(status->unreadable_held_back, ::testing::ElementsAre(1u));

  // Releasing it cannot read it: it stays held back, still reported, and
  // the rest of the rejection goes through.
  RejectOwnEdit();
  status = store_->Status();
  FS_ASSERT_OK(status);
  EXPECT_EQ(status->held_back, 1u);
  EXPECT_THAT(status->unreadable_held_back, ::testing::ElementsAre(1u));
  EXPECT_EQ(status->rejected, 1u);
  EXPECT_THAT(store_->Entity(v1::ENTITY_TYPE_TRAINEE, "T"),
              StatusIs(absl::StatusCode::kNotFound, "no entity"));
}

TEST_F(LocalStoreTest, AStoreWithoutADeviceIdIsDataLoss) {
  ExecClosed("DELETE FROM meta WHERE key = 'device_id'");
  EXPECT_THAT(LocalStore::Open(dir_.path(), &clock_),
              StatusIs(absl::StatusCode::kDataLoss, "no valid device id"));
}

TEST_F(LocalStoreTest, AStoreFromANewerClientIsRefusedUnchanged) {
  ExecClosed("PRAGMA user_version = 99");
  EXPECT_THAT(LocalStore::Open(dir_.path(), &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       absl::StrCat("schema version 99; this client knows ",
                                    kClientSchemaVersion)));
  auto db = Db::Open(dir_.Sub(LocalStore::kDbFile));
  ASSERT_TRUE(db.ok()) << db.status();
  auto version = (*db)->UserVersion();
  FS_ASSERT_OK(version);
  EXPECT_EQ(*version, 99);
}

}  // namespace
}  // namespace fieldsync
