#include "common/record_id.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/wire_format.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

using testing::StatusIs;

constexpr int64_t kT0 = 1778553000000;  // 2026-05-12, ms

int Version(const std::string& id) { return static_cast<uint8_t>(id[6]) >> 4; }
int Variant(const std::string& id) { return static_cast<uint8_t>(id[8]) >> 6; }
// Byte-wise (unsigned) comparison, as SQLite compares BLOB keys.
int Compare(const std::string& a, const std::string& b) {
  return std::memcmp(a.data(), b.data(), kIdBytes);
}

TEST(NewRecordIdTest, IsUuidV7) {
  FakeClock clock(kT0);
  const std::string id = NewRecordId(clock);
  ASSERT_EQ(id.size(), static_cast<size_t>(kIdBytes));
  EXPECT_EQ(Version(id), 7);
  EXPECT_EQ(Variant(id), 2);
  EXPECT_TRUE(IsUuidV7(id));
}

TEST(NewRecordIdTest, StartsWithBigEndianMilliseconds) {
  FakeClock clock(0x0123456789ABLL);
  const std::string id = NewRecordId(clock);
  const uint8_t want[6] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB};
  EXPECT_EQ(std::memcmp(id.data(), want, 6), 0) << IdToString(id);
}

TEST(NewRecordIdTest, IdsOfOneMillisecondDiffer) {
  FakeClock clock(kT0);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewRecordId(clock));
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(NewRecordIdTest, TimeOrderedAcrossIncreasingClock) {
  FakeClock clock(kT0);
  // Steps that cross byte boundaries of the 48-bit time field.
  const int64_t starts[] = {0xFE, 0xFFFE, 0xFFFFFE, kT0, 0xFFFFFFFFFELL};
  for (int64_t start : starts) {
    clock.Set(start);
    std::string prev = NewRecordId(clock);
    for (int i = 0; i < 5; ++i) {
      clock.Advance(1);
      const std::string next = NewRecordId(clock);
      EXPECT_LT(Compare(prev, next), 0)
          << IdToString(prev) << " !< " << IdToString(next);
      prev = next;
    }
  }
  // Large steps too (a day, a year).
  clock.Set(kT0);
  const std::string a = NewRecordId(clock);
  clock.Advance(86400000);
  const std::string b = NewRecordId(clock);
  clock.Advance(365LL * 86400000);
  const std::string c = NewRecordId(clock);
  EXPECT_LT(Compare(a, b), 0);
  EXPECT_LT(Compare(b, c), 0);
}

TEST(NewDeviceIdTest, IsRandomUuidV4) {
  const std::string a = NewDeviceId();
  const std::string b = NewDeviceId();
  ASSERT_EQ(a.size(), static_cast<size_t>(kIdBytes));
  ASSERT_EQ(b.size(), static_cast<size_t>(kIdBytes));
  EXPECT_NE(a, b);
  EXPECT_EQ(Version(a), 4);
  EXPECT_EQ(Variant(a), 2);
  EXPECT_FALSE(IsUuidV7(a));
  EXPECT_FALSE(IsUuidV7(b));
}

TEST(IsUuidV7Test, RejectsWrongSizeVersionOrVariant) {
  FakeClock clock(kT0);
  const std::string id = NewRecordId(clock);
  EXPECT_FALSE(IsUuidV7(""));
  EXPECT_FALSE(IsUuidV7(id.substr(0, 15)));
  EXPECT_FALSE(IsUuidV7(id + "x"));
  std::string v6 = id;
  v6[6] = static_cast<char>(0x60 | (v6[6] & 0x0F));
  EXPECT_FALSE(IsUuidV7(v6));
  std::string ncs = id;
  ncs[8] = static_cast<char>(ncs[8] & 0x3F);  // variant 00
  EXPECT_FALSE(IsUuidV7(ncs));
  std::string ms = id;
  ms[8] = static_cast<char>(0xC0 | (ms[8] & 0x3F));  // variant 11
  EXPECT_FALSE(IsUuidV7(ms));
}

TEST(IdToStringTest, CanonicalLowercaseForm) {
  std::string raw;
  for (int i = 0; i < kIdBytes; ++i) {
    raw.push_back(static_cast<char>(i * 0x11));
  }
  EXPECT_EQ(IdToString(raw), "00112233-4455-6677-8899-aabbccddeeff");
}

TEST(IdToStringTest, WrongSizeIsMarkedInvalid) {
  EXPECT_EQ(IdToString("abc"), "<invalid id: 3 bytes>");
  EXPECT_EQ(IdToString(""), "<invalid id: 0 bytes>");
}

TEST(IdFromStringTest, RoundTrip) {
  FakeClock clock(kT0);
  for (int i = 0; i < 50; ++i) {
    const std::string id = i % 2 ? NewRecordId(clock) : NewDeviceId();
    const std::string text = IdToString(id);
    EXPECT_EQ(text.size(), 36u);
    auto back = IdFromString(text);
    FS_ASSERT_OK(back);
    EXPECT_EQ(*back, id);
  }
}

TEST(IdFromStringTest, AcceptsUppercaseAndNoDashes) {
  const std::string want =
      *IdFromString("0190f5c2-8a1b-7c3d-9e4f-0123456789ab");
  auto upper = IdFromString("0190F5C2-8A1B-7C3D-9E4F-0123456789AB");
  FS_ASSERT_OK(upper);
  EXPECT_EQ(*upper, want);
  auto bare = IdFromString("0190f5c28a1b7c3d9e4f0123456789ab");
  FS_ASSERT_OK(bare);
  EXPECT_EQ(*bare, want);
  EXPECT_TRUE(IsUuidV7(want));
  EXPECT_EQ(static_cast<uint8_t>(want[0]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(want[15]), 0xab);
}

TEST(IdFromStringTest, BadTextIsInvalidArgument) {
  const std::vector<std::string> bad = {
      "",
      "not-an-id",
      "0190f5c2-8a1b-7c3d-9e4f-0123456789a",     // 31 digits
      "0190f5c2-8a1b-7c3d-9e4f-0123456789abc",   // 33 digits
      "0190f5c2-8a1b-7c3d-9e4f-0123456789abcd",  // 34 digits
      "0190f5c2-8a1b-7c3d-9e4f-0123456789ag",    // not hex
      "0190f5c2 8a1b 7c3d 9e4f 0123456789ab",    // spaces
      "{0190f5c2-8a1b-7c3d-9e4f-0123456789ab}",
  };
  for (const std::string& text : bad) {
    EXPECT_THAT(IdFromString(text), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "id \"" + text + "\""))
        << "text: " << text;
  }
}

}  // namespace
}  // namespace fieldsync
