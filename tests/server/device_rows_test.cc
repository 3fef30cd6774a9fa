// The one place that registers devices (server/device_rows.h), on a real
// server database: a handshake registers a device or updates it and returns
// its high-water mark; a login registers it to the user and keeps the first
// device key for good; Find tells a device with no user from one with a
// user, and an unknown device from both.
#include "server/device_rows.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "common/record_id.h"
#include "common/sqlite_db.h"
#include "server/server_schema.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;
using testing::TempDir;

class DeviceRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenServerDb(dir_.Sub("server.db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto rows = DeviceRows::Prepare(db_.get());
    ASSERT_TRUE(rows.ok()) << rows.status();
    rows_ = std::move(*rows);
    ASSERT_THAT(db_->Exec("INSERT INTO users(user_id, name, role, pw_hash, "
                          "created_ms, updated_ms) VALUES(7, '李娜', 1, '', "
                          "0, 0), (8, 'wu', 1, '', 0, 0)"),
                IsOk());
  }

  std::optional<DeviceRegistration> Find(const std::string& device) {
    auto found = rows_->Find(device);
    EXPECT_THAT(found, IsOk());
    return found.ok() ? *found : std::nullopt;
  }

  int64_t Int(const std::string& sql) {
    auto q = db_->Prepare(sql);
    EXPECT_THAT(q, IsOk());
    if (!q.ok()) return -1;
    auto row = q->Step();
    return row.ok() && *row ? q->Int(0) : -1;
  }

  TempDir dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<DeviceRows> rows_;
  const std::string device_ = NewDeviceId();
};

TEST_F(DeviceRowsTest, AHelloRegistersAndReturnsTheHighWaterMark) {
  EXPECT_EQ(Find(device_), std::nullopt);
  DeviceHello hello{device_, "tablet", "李娜", -1500, true, 1000};
  auto hw = rows_->RecordHello(hello);
  ASSERT_THAT(hw, IsOk());
  EXPECT_EQ(*hw, 0u);
  ASSERT_THAT(db_->Exec("UPDATE devices SET high_water = 42"), IsOk());
  hello.label = "tablet 2";
  hello.now_ms = 2000;
  hw = rows_->RecordHello(hello);
  ASSERT_THAT(hw, IsOk());
  EXPECT_EQ(*hw, 42u);
  EXPECT_EQ(Int("SELECT count(*) FROM devices"), 1);
  EXPECT_EQ(Int("SELECT first_seen_ms FROM devices"), 1000);
  EXPECT_EQ(Int("SELECT last_seen_ms FROM devices"), 2000);
  EXPECT_EQ(Int("SELECT clock_offset_ms FROM devices"), -1500);
  EXPECT_EQ(Int("SELECT clock_flagged FROM devices"), 1);
  // A hello registers no user and no key.
  const auto found = Find(device_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, std::nullopt);
  EXPECT_EQ(found->key_hash, std::nullopt);
}

TEST_F(DeviceRowsTest, AnUploadReadsAndAdvancesTheHighWaterMark) {
  EXPECT_THAT(rows_->HighWater(device_),
              StatusIs(absl::StatusCode::kFailedPrecondition, "Handshake"));
  ASSERT_THAT(rows_->RecordHello({device_, "tablet", "li", 0, false, 1000}),
              IsOk());
  auto hw = rows_->HighWater(device_);
  ASSERT_THAT(hw, IsOk());
  EXPECT_EQ(*hw, 0u);
  ASSERT_THAT(rows_->AdvanceHighWater(device_, 17, 3000, 2), IsOk());
  ASSERT_THAT(rows_->AdvanceHighWater(device_, 20, 4000, 1), IsOk());
  hw = rows_->HighWater(device_);
  ASSERT_THAT(hw, IsOk());
  EXPECT_EQ(*hw, 20u);
  EXPECT_EQ(Int("SELECT last_seen_ms FROM devices"), 4000);
  EXPECT_EQ(Int("SELECT clamped_changes FROM devices"), 3);  // 2 + 1
  // The next hello returns the advanced mark.
  auto again = rows_->RecordHello({device_, "tablet", "li", 0, false, 5000});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 20u);
}

TEST_F(DeviceRowsTest, ALoginRegistersTheUserAndKeepsTheFirstKey) {
  const std::string key(32, 'k'), other_key(32, 'o');
  ASSERT_THAT(rows_->RecordLogin(device_, "tablet", 7, "李娜", key, 1000),
              IsOk());
  auto found = Find(device_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, 7);
  EXPECT_EQ(found->user_name, "李娜");
  EXPECT_EQ(found->key_hash, key);
  // Another user on the same device: the user changes, the key does not.
  ASSERT_THAT(rows_->RecordLogin(device_, "tablet", 8, "wu", other_key, 2000),
              IsOk());
  found = Find(device_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, 8);
  EXPECT_EQ(found->user_name, "wu");
  EXPECT_EQ(found->key_hash, key);
  EXPECT_EQ(Int("SELECT first_seen_ms FROM devices"), 1000);
  EXPECT_EQ(Int("SELECT last_seen_ms FROM devices"), 2000);
}

TEST_F(DeviceRowsTest, ADeviceWhoseUserIsGoneHasNoUser) {
  ASSERT_THAT(rows_->RecordLogin(device_, "tablet", 99, "ghost",
                                 std::string(32, 'k'), 1000),
              IsOk());
  const auto found = Find(device_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, std::nullopt);
  EXPECT_EQ(found->user_name, "");
}

TEST(DeviceRows, PrepareRefusesADatabaseWithoutTheTable) {
  TempDir dir;
  auto db = Db::Open(dir.Sub("empty.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_THAT(DeviceRows::Prepare(db->get()),
              StatusIs(absl::StatusCode::kInternal, "no such table: devices"));
}

}  // namespace
}  // namespace fieldsync
