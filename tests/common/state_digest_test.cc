#include "common/state_digest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

using testing::DeviceIdOf;

struct Entry {
  std::string device_id;
  uint64_t seq;
  uint64_t hlc;
  std::string body;
};

std::string DigestOf(const std::vector<Entry>& entries) {
  StateDigest d;
  for (const Entry& e : entries) d.Add(e.device_id, e.seq, e.hlc, e.body);
  EXPECT_EQ(d.count(), entries.size());
  return d.Finish();
}

std::vector<Entry> Base() {
  return {
      {DeviceIdOf(1), 1, 1000, "body one"},
      {DeviceIdOf(1), 2, 1001, "body two"},
      {DeviceIdOf(2), 1, 999, std::string("\0binary\xff", 8)},
  };
}

TEST(StateDigestTest, HexOfSixteenBytes) {
  const std::string d = DigestOf(Base());
  EXPECT_EQ(d.size(), 32u);
  EXPECT_EQ(d.find_first_not_of("0123456789abcdef"), std::string::npos) << d;
}

TEST(StateDigestTest, CountCountsAdds) {
  StateDigest d;
  EXPECT_EQ(d.count(), 0u);
  d.Add(DeviceIdOf(1), 1, 1, "x");
  d.Add(DeviceIdOf(1), 2, 2, "");
  EXPECT_EQ(d.count(), 2u);
}

TEST(StateDigestTest, EqualForEqualInputs) {
  EXPECT_EQ(DigestOf(Base()), DigestOf(Base()));
  EXPECT_EQ(DigestOf({}), DigestOf({}));
}

// Pins the byte layout (each field length-prefixed or fixed, big-endian) so
// replicas built from different versions still compare: BLAKE2b-256, first
// 16 bytes, computed independently.
TEST(StateDigestTest, KnownValues) {
  EXPECT_EQ(DigestOf({}), "0e5751c026e543b2e8ab2eb06099daa1");
  std::string dev;
  for (int i = 0; i < 16; ++i) dev.push_back(static_cast<char>(i));
  EXPECT_EQ(DigestOf({{dev, 7, (uint64_t{1000} << 16) | 3, "hello"}}),
            "487a9fe77877571e1b58b916d187667c");
}

TEST(StateDigestTest, DiffersWhenAnyFieldDiffers) {
  const std::string base = DigestOf(Base());
  std::set<std::string> seen = {base};
  for (size_t i = 0; i < Base().size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<Entry> v = Base();
    v[i].device_id = DeviceIdOf(9);
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "device_id";
    v = Base();
    v[i].seq += 1;
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "seq";
    v = Base();
    v[i].hlc += 1;
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "hlc";
    v = Base();
    v[i].hlc ^= uint64_t{1} << 63;  // high bit too
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "hlc high bit";
    v = Base();
    v[i].body.back() ^= 1;
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "body";
    v = Base();
    v[i].body += '\0';
    EXPECT_TRUE(seen.insert(DigestOf(v)).second) << "body length";
  }
}

TEST(StateDigestTest, DiffersWhenAChangeIsMissingOrExtra) {
  std::vector<Entry> fewer = Base();
  fewer.pop_back();
  std::vector<Entry> more = Base();
  more.push_back({DeviceIdOf(3), 1, 5, "x"});
  EXPECT_NE(DigestOf(fewer), DigestOf(Base()));
  EXPECT_NE(DigestOf(more), DigestOf(Base()));
  EXPECT_NE(DigestOf({}), DigestOf({{DeviceIdOf(1), 0, 0, ""}}));
}

TEST(StateDigestTest, FieldBoundariesAreUnambiguous) {
  // Moving bytes between the device id and the body, or between two bodies,
  // must not collide: every variable field is length-prefixed.
  EXPECT_NE(DigestOf({{"ab", 1, 1, "c"}}), DigestOf({{"a", 1, 1, "bc"}}));
  EXPECT_NE(DigestOf({{"d", 1, 1, "xy"}, {"d", 2, 2, "z"}}),
            DigestOf({{"d", 1, 1, "x"}, {"d", 2, 2, "yz"}}));
  EXPECT_NE(DigestOf({{"d", 1, 1, ""}, {"d", 2, 2, ""}}),
            DigestOf({{"d", 1, 1, std::string(8, '\0')}}));
}

TEST(StateDigestTest, SameSetFedInTheDocumentedOrderIsEqual) {
  // Two replicas receive the same changes in different orders; both sort by
  // (device id, sequence) before feeding, as the header asks.
  std::vector<Entry> a = Base();
  std::vector<Entry> b = {a[2], a[0], a[1]};
  auto by_device_seq = [](const Entry& x, const Entry& y) {
    return std::tie(x.device_id, x.seq) < std::tie(y.device_id, y.seq);
  };
  std::sort(a.begin(), a.end(), by_device_seq);
  std::sort(b.begin(), b.end(), by_device_seq);
  EXPECT_EQ(DigestOf(a), DigestOf(b));
}

}  // namespace
}  // namespace fieldsync
