#include "common/hlc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/merge.h"
#include "common/wire_format.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

constexpr int64_t kT0 = 1778553000000;  // 2026-05-12, ms

TEST(PackHlcTest, PacksWallAndLogical) {
  const uint64_t h = PackHlc(kT0, 42);
  EXPECT_EQ(HlcWallMs(h), static_cast<uint64_t>(kT0));
  EXPECT_EQ(HlcLogical(h), 42u);
  EXPECT_EQ(h, (static_cast<uint64_t>(kT0) << 16) | 42u);
  // The logical part is masked to 16 bits.
  EXPECT_EQ(PackHlc(5, kHlcLogicalMask + 1), PackHlc(5, 0));
}

TEST(PackHlcTest, IntegerOrderIsWallThenLogical) {
  EXPECT_LT(PackHlc(1000, 65535), PackHlc(1001, 0));
  EXPECT_LT(PackHlc(1000, 1), PackHlc(1000, 2));
  EXPECT_EQ(PackHlc(kHlcMaxWallMs, kHlcLogicalMask), UINT64_MAX);
}

TEST(HybridLogicalClockTest, FollowsTheWallClock) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0, 0));
  clock.Advance(5);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 5, 0));
  EXPECT_EQ(hlc.Last(), PackHlc(kT0 + 5, 0));
}

TEST(HybridLogicalClockTest, MonotonicWhenClockStandsStill) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  uint64_t prev = hlc.Now();
  for (int i = 1; i <= 1000; ++i) {
    const uint64_t next = hlc.Now();
    ASSERT_GT(next, prev);
    EXPECT_EQ(HlcWallMs(next), static_cast<uint64_t>(kT0));
    EXPECT_EQ(HlcLogical(next), static_cast<uint64_t>(i));
    prev = next;
  }
}

TEST(HybridLogicalClockTest, MonotonicWhenClockGoesBackwards) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  const uint64_t a = hlc.Now();
  clock.Set(kT0 - 60 * 60 * 1000);  // an hour back (NTP step, user change)
  const uint64_t b = hlc.Now();
  const uint64_t c = hlc.Now();
  EXPECT_GT(b, a);
  EXPECT_GT(c, b);
  EXPECT_EQ(HlcWallMs(b), static_cast<uint64_t>(kT0));
  EXPECT_EQ(b, PackHlc(kT0, 1));
  EXPECT_EQ(c, PackHlc(kT0, 2));
  // Once the wall clock passes the old value again it takes over.
  clock.Set(kT0 + 1);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 1, 0));
}

TEST(HybridLogicalClockTest, ObserveMakesNowExceedRemote) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  hlc.Now();
  const uint64_t remote = PackHlc(kT0 + 10000, 7);  // a device 10 s ahead
  hlc.Observe(remote);
  EXPECT_EQ(hlc.Last(), remote);
  const uint64_t next = hlc.Now();
  EXPECT_GT(next, remote);
  EXPECT_EQ(next, PackHlc(kT0 + 10000, 8));
}

TEST(HybridLogicalClockTest, ObserveOfOlderValueChangesNothing) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  const uint64_t a = hlc.Now();
  hlc.Observe(PackHlc(kT0 - 5, 3));
  EXPECT_EQ(hlc.Last(), a);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0, 1));
}

TEST(HybridLogicalClockTest, ObserveThenWallClockCatchesUp) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  hlc.Observe(PackHlc(kT0 + 100, 9));
  clock.Advance(101);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 101, 0));
}

TEST(HybridLogicalClockTest, EveryNowExceedsEveryObservedValue) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  uint64_t max_seen = 0;
  uint64_t prev = 0;
  // Interleave local events, remote values ahead and behind, and clock jumps.
  const int64_t jumps[] = {0, 3, -50, 1000, -2000, 0, 7, 0};
  for (int round = 0; round < 8; ++round) {
    clock.Advance(jumps[round]);
    const uint64_t remote = PackHlc(kT0 + 40 * round - 100, round * 3);
    hlc.Observe(remote);
    max_seen = std::max(max_seen, remote);
    const uint64_t now = hlc.Now();
    EXPECT_GT(now, max_seen) << "round " << round;
    EXPECT_GT(now, prev) << "round " << round;
    prev = now;
    max_seen = std::max(max_seen, now);
  }
}

TEST(HybridLogicalClockTest, RestartContinuesAfterPersistedLast) {
  FakeClock clock(kT0);
  uint64_t persisted;
  {
    HybridLogicalClock hlc(&clock);
    hlc.Now();
    hlc.Now();
    persisted = hlc.Now();
    EXPECT_EQ(persisted, PackHlc(kT0, 2));
  }
  // The device restarts with its clock reset to an earlier time.
  clock.Set(kT0 - 3600 * 1000);
  HybridLogicalClock restarted(&clock, persisted);
  EXPECT_EQ(restarted.Last(), persisted);
  const uint64_t next = restarted.Now();
  EXPECT_GT(next, persisted);
  EXPECT_EQ(next, PackHlc(kT0, 3));
}

TEST(HybridLogicalClockTest, RestartWithLaterWallClockUsesWallClock) {
  FakeClock clock(kT0 + 1000);
  HybridLogicalClock hlc(&clock, PackHlc(kT0, 500));
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 1000, 0));
}

TEST(HybridLogicalClockTest, SetOffsetMsShiftsTheWallPart) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  hlc.SetOffsetMs(250);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 250, 0));
  clock.Advance(10);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 260, 0));
}

TEST(HybridLogicalClockTest, NegativeOffsetNeverGoesBack) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  const uint64_t a = hlc.Now();
  hlc.SetOffsetMs(-5000);  // the server says this device is 5 s fast
  const uint64_t b = hlc.Now();
  EXPECT_GT(b, a);
  EXPECT_EQ(b, PackHlc(kT0, 1));
  clock.Advance(5001);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 1, 0));
}

TEST(HybridLogicalClockTest, OffsetBelowEpochClampsToZero) {
  FakeClock clock(100);
  HybridLogicalClock hlc(&clock);
  hlc.SetOffsetMs(-1000);
  const uint64_t a = hlc.Now();
  const uint64_t b = hlc.Now();
  EXPECT_EQ(HlcWallMs(a), 0u);
  EXPECT_GT(b, a);
}

TEST(HybridLogicalClockTest, LogicalOverflowBorrowsNextMs) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock, PackHlc(kT0, kHlcLogicalMask - 1));
  EXPECT_EQ(hlc.Now(), PackHlc(kT0, kHlcLogicalMask));
  const uint64_t borrowed = hlc.Now();
  EXPECT_EQ(borrowed, PackHlc(kT0 + 1, 0));
  // The wall clock reaching the borrowed millisecond does not repeat it.
  clock.Set(kT0 + 1);
  EXPECT_EQ(hlc.Now(), PackHlc(kT0 + 1, 1));
}

TEST(HybridLogicalClockTest, SixtyFiveThousandEventsInOneMs) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  uint64_t prev = hlc.Now();
  for (uint64_t i = 0; i < kHlcLogicalMask + 10; ++i) {
    const uint64_t next = hlc.Now();
    ASSERT_GT(next, prev) << i;
    prev = next;
  }
  EXPECT_EQ(prev, PackHlc(kT0 + 1, 9));
}

TEST(HybridLogicalClockTest, ConcurrentCallersGetDistinctIncreasingValues) {
  FakeClock clock(kT0);
  HybridLogicalClock hlc(&clock);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        got[t].push_back(hlc.Now());
        if (i % 100 == 0) clock.Advance(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& v : got) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

// --- ClampHlc ---------------------------------------------------------------

constexpr int64_t kSkew = 5 * 60 * 1000;

TEST(ClampHlcTest, ValuesWithinBoundAreUnchanged) {
  bool clamped = true;
  const uint64_t past = PackHlc(kT0 - 86400000, 3);
  EXPECT_EQ(ClampHlc(past, kT0, kSkew, &clamped), past);
  EXPECT_FALSE(clamped);

  clamped = true;
  const uint64_t now = PackHlc(kT0, 0);
  EXPECT_EQ(ClampHlc(now, kT0, kSkew, &clamped), now);
  EXPECT_FALSE(clamped);

  clamped = true;
  const uint64_t ahead = PackHlc(kT0 + kSkew - 1, 77);
  EXPECT_EQ(ClampHlc(ahead, kT0, kSkew, &clamped), ahead);
  EXPECT_FALSE(clamped);

  clamped = true;
  const uint64_t floor = PackHlc(kMinPlausibleWallMs, 0);
  EXPECT_EQ(ClampHlc(floor, kT0, kSkew, &clamped), floor);
  EXPECT_FALSE(clamped);
}

// A device whose clock was never set stamps 1970: such values are flagged
// (issue 15), never moved (raising a write's HLC but not the base_hlc of the
// device's next write would flag a false conflict).
TEST(ClampHlcTest, ValuesBefore2020AreImplausibleButKept) {
  for (const uint64_t old : {uint64_t{1}, PackHlc(86400000, 3),
                             PackHlc(kMinPlausibleWallMs - 1, 9)}) {
    EXPECT_TRUE(IsImplausibleHlc(old)) << old;
    bool clamped = true;
    EXPECT_EQ(ClampHlc(old, kT0, kSkew, &clamped), old);
    EXPECT_FALSE(clamped);
  }
  EXPECT_FALSE(IsImplausibleHlc(PackHlc(kMinPlausibleWallMs, 0)));
  EXPECT_FALSE(IsImplausibleHlc(PackHlc(kT0, 0)));
}

TEST(ClampHlcTest, ValuesBeyondBoundAreLowered) {
  bool clamped = false;
  const uint64_t limit = PackHlc(kT0 + kSkew, 0);
  EXPECT_EQ(ClampHlc(PackHlc(kT0 + kSkew + 1, 0), kT0, kSkew, &clamped), limit);
  EXPECT_TRUE(clamped);

  clamped = false;
  // A clock set a year ahead.
  EXPECT_EQ(ClampHlc(PackHlc(kT0 + 365LL * 86400000, 12), kT0, kSkew, &clamped),
            limit);
  EXPECT_TRUE(clamped);

  clamped = false;
  EXPECT_EQ(ClampHlc(UINT64_MAX, kT0, kSkew, &clamped), limit);
  EXPECT_TRUE(clamped);
}

TEST(ClampHlcTest, NegativeLimitClampsToZero) {
  bool clamped = false;
  EXPECT_EQ(ClampHlc(PackHlc(10, 1), -1000, 0, &clamped), PackHlc(0, 0));
  EXPECT_TRUE(clamped);
}

TEST(ClampHlcTest, ClampedValuesOfOneBatchTieAndSequenceDecides) {
  const std::string dev = testing::DeviceIdOf(0x11);
  // One device with a clock a day fast uploads three changes in one batch.
  const int64_t fast = kT0 + 86400000;
  const uint64_t raw[] = {PackHlc(fast, 0), PackHlc(fast, 1),
                          PackHlc(fast + 20, 0)};
  std::vector<Stamp> stamps;
  for (int i = 0; i < 3; ++i) {
    bool clamped = false;
    const uint64_t h = ClampHlc(raw[i], kT0, kSkew, &clamped);
    EXPECT_TRUE(clamped);
    stamps.push_back(Stamp{h, dev, static_cast<uint64_t>(i + 1)});
  }
  EXPECT_EQ(stamps[0].hlc, stamps[1].hlc);
  EXPECT_EQ(stamps[1].hlc, stamps[2].hlc);
  EXPECT_TRUE(stamps[0] < stamps[1]);
  EXPECT_TRUE(stamps[1] < stamps[2]);
}

// Regression: the header promises "clamped values never invert one device's
// order". A change whose wall part is exactly at the bound keeps its logical
// count, while the device's next change (one ms later) is clamped to logical
// 0 at the same wall time, and so orders before the earlier change.
TEST(ClampHlcTest, ClampDoesNotInvertOneDevicesOrderAtTheBound) {
  const std::string dev = testing::DeviceIdOf(0x22);
  const uint64_t earlier = PackHlc(kT0 + kSkew, 5);    // at the bound
  const uint64_t later = PackHlc(kT0 + kSkew + 1, 0);  // just beyond
  ASSERT_LT(earlier, later);
  bool c1 = false, c2 = false;
  const Stamp a{ClampHlc(earlier, kT0, kSkew, &c1), dev, 1};
  const Stamp b{ClampHlc(later, kT0, kSkew, &c2), dev, 2};
  EXPECT_TRUE(c2);
  EXPECT_TRUE(a < b) << "seq 1 at hlc " << a.hlc << " orders after seq 2 at "
                     << b.hlc;
}

}  // namespace
}  // namespace fieldsync
