#include "common/merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/hlc.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

using testing::DeviceIdOf;

FieldWriteState W(uint64_t hlc, uint8_t device, uint64_t seq, std::string value,
                  uint64_t base_hlc = 0) {
  return FieldWriteState{Stamp{hlc, DeviceIdOf(device), seq}, std::move(value),
                         base_hlc};
}

std::string Str(const Stamp& s) {
  return absl::StrCat("(", s.hlc, ", ", absl::BytesToHexString(s.device_id),
                      ", ", s.device_seq, ")");
}

std::set<Stamp> ConflictStamps(const std::vector<FieldWriteState>& writes,
                               const FieldResolution& r) {
  std::set<Stamp> out;
  for (size_t i : r.conflicts) out.insert(writes[i].stamp);
  return out;
}

// --- Stamp order ------------------------------------------------------------

TEST(StampTest, OrdersByHlcThenDeviceThenSequence) {
  const Stamp a{100, DeviceIdOf(9), 9};
  const Stamp b{101, DeviceIdOf(1), 1};
  EXPECT_TRUE(a < b);  // HLC decides first
  const Stamp c{100, DeviceIdOf(1), 50};
  const Stamp d{100, DeviceIdOf(2), 1};
  EXPECT_TRUE(c < d);  // then the device id
  const Stamp e{100, DeviceIdOf(2), 1};
  const Stamp f{100, DeviceIdOf(2), 2};
  EXPECT_TRUE(e < f);  // then the device sequence
  EXPECT_FALSE(f < e);
  EXPECT_FALSE(e < e);
  EXPECT_TRUE(d == e);
  EXPECT_FALSE(e == f);
}

TEST(StampTest, DeviceIdsCompareAsUnsignedBytes) {
  // 0x80.. must order after 0x7f.. (as SQLite and memcmp order BLOBs).
  const Stamp lo{5, DeviceIdOf(0x7f), 1};
  const Stamp hi{5, DeviceIdOf(0x80), 1};
  EXPECT_TRUE(lo < hi);
}

// --- ResolveField: the winner ---------------------------------------------

TEST(ResolveFieldTest, SingleWriteWinsWithoutConflict) {
  const std::vector<FieldWriteState> writes = {W(10, 1, 1, "x")};
  const FieldResolution r = ResolveField(writes);
  EXPECT_EQ(r.winner, 0u);
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(ResolveFieldTest, GreatestHlcWins) {
  const std::vector<FieldWriteState> writes = {
      W(PackHlc(1000, 0), 9, 9, "old"), W(PackHlc(1001, 0), 1, 1, "new"),
      W(PackHlc(1000, 5), 5, 3, "mid")};
  EXPECT_EQ(ResolveField(writes).winner, 1u);
}

TEST(ResolveFieldTest, DeviceIdBreaksHlcTies) {
  const std::vector<FieldWriteState> writes = {
      W(500, 3, 1, "c"), W(500, 7, 1, "g"), W(500, 5, 99, "e")};
  EXPECT_EQ(ResolveField(writes).winner, 1u);
}

TEST(ResolveFieldTest, DeviceSequenceBreaksTiesWithinOneDevice) {
  // Clamped changes of one device share an HLC; the later one wins.
  const std::vector<FieldWriteState> writes = {W(500, 4, 12, "later"),
                                               W(500, 4, 11, "earlier")};
  EXPECT_EQ(ResolveField(writes).winner, 0u);
}

// --- ResolveField: conflicts -----------------------------------------------

TEST(ResolveFieldTest, ConcurrentDifferentValueIsConflict) {
  // Neither writer saw the other (base 0): the loser is flagged.
  const std::vector<FieldWriteState> writes = {W(100, 1, 1, "张三"),
                                               W(200, 2, 1, "李四")};
  const FieldResolution r = ResolveField(writes);
  EXPECT_EQ(r.winner, 1u);
  EXPECT_EQ(r.conflicts, std::vector<size_t>{0});
}

TEST(ResolveFieldTest, ConcurrentSameValueIsNoConflict) {
  const std::vector<FieldWriteState> writes = {W(100, 1, 1, "same"),
                                               W(200, 2, 1, "same")};
  const FieldResolution r = ResolveField(writes);
  EXPECT_EQ(r.winner, 1u);
  EXPECT_TRUE(r.conflicts.empty());
}

TEST(ResolveFieldTest, KnowingReplacementIsHistoryNotConflict) {
  // The winner's writer saw the loser's value (base_hlc == loser's HLC).
  const std::vector<FieldWriteState> saw = {W(100, 1, 1, "old"),
                                            W(200, 2, 1, "new", 100)};
  EXPECT_TRUE(ResolveField(saw).conflicts.empty());
  // Or a later value than the loser's.
  const std::vector<FieldWriteState> saw_later = {W(100, 1, 1, "old"),
                                                  W(200, 2, 1, "new", 150)};
  EXPECT_TRUE(ResolveField(saw_later).conflicts.empty());
}

TEST(ResolveFieldTest, WinnerBaseJustBelowLoserIsConflict) {
  const std::vector<FieldWriteState> writes = {W(100, 1, 1, "old"),
                                               W(200, 2, 1, "new", 99)};
  EXPECT_EQ(ResolveField(writes).conflicts, std::vector<size_t>{0});
}

TEST(ResolveFieldTest, OnlyTheWinnersBaseMatters) {
  // The loser claims to have seen the winner: irrelevant, it lost.
  const std::vector<FieldWriteState> writes = {W(100, 1, 1, "a", 200),
                                               W(200, 2, 1, "b", 0)};
  EXPECT_EQ(ResolveField(writes).conflicts, std::vector<size_t>{0});
}

TEST(ResolveFieldTest, ManyLosersFlaggedIndependently) {
  const std::vector<FieldWriteState> writes = {
      W(100, 1, 1, "v1"),        // seen by the winner: history
      W(300, 2, 1, "v2"),        // concurrent, different: conflict
      W(400, 4, 1, "win", 250),  // winner, saw up to 250
      W(350, 3, 1, "win"),       // concurrent, same value: no conflict
      W(250, 1, 2, "v5"),        // exactly what the winner saw: history
      W(260, 5, 7, ""),          // concurrent clear: conflict
  };
  const FieldResolution r = ResolveField(writes);
  EXPECT_EQ(r.winner, 2u);
  std::vector<size_t> got = r.conflicts;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<size_t>{1, 5}));
}

// --- property: the result is a function of the set of writes ----------------

// The rule of merge.h written out independently.
struct Expected {
  Stamp winner;
  std::string value;
  std::set<Stamp> conflicts;
};

Expected Reference(const std::vector<FieldWriteState>& writes) {
  Expected e;
  const FieldWriteState* best = &writes[0];
  for (const auto& w : writes) {
    if (best->stamp < w.stamp) best = &w;
  }
  e.winner = best->stamp;
  e.value = best->value;
  for (const auto& w : writes) {
    if (w.stamp == best->stamp) continue;
    const bool concurrent = w.stamp.hlc > best->base_hlc;
    if (concurrent && w.value != best->value) e.conflicts.insert(w.stamp);
  }
  return e;
}

std::vector<FieldWriteState> RandomWrites(std::mt19937& rng) {
  std::uniform_int_distribution<int> count(1, 12);
  std::uniform_int_distribution<int> device(1, 4);
  std::uniform_int_distribution<int> wall(0, 4);  // few values: many ties
  std::uniform_int_distribution<int> logical(0, 2);
  std::uniform_int_distribution<int> value(0, 3);
  std::uniform_int_distribution<int> coin(0, 2);
  const int n = count(rng);
  std::vector<uint64_t> next_seq(5, 1);
  std::vector<FieldWriteState> writes;
  for (int i = 0; i < n; ++i) {
    const int d = device(rng);
    // Sometimes a device repeats its own previous HLC (as after clamping).
    const uint64_t hlc = PackHlc(1000 + wall(rng), logical(rng));
    std::string v = std::string(1, static_cast<char>('a' + value(rng)));
    uint64_t base = 0;
    if (!writes.empty() && coin(rng) != 0) {
      // The writer saw some earlier write (or something near it).
      std::uniform_int_distribution<size_t> pick(0, writes.size() - 1);
      base = writes[pick(rng)].stamp.hlc + static_cast<uint64_t>(coin(rng)) - 1;
    }
    writes.push_back(
        W(hlc, static_cast<uint8_t>(d), next_seq[d]++, std::move(v), base));
  }
  return writes;
}

TEST(ResolveFieldPropertyTest, ResultIsIndependentOfOrder) {
  std::mt19937 rng(20260512);
  int conflicts_seen = 0;
  for (int trial = 0; trial < 500; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    std::vector<FieldWriteState> writes = RandomWrites(rng);
    const Expected want = Reference(writes);
    conflicts_seen += want.conflicts.empty() ? 0 : 1;
    for (int round = 0; round < 24; ++round) {
      std::shuffle(writes.begin(), writes.end(), rng);
      const FieldResolution r = ResolveField(writes);
      ASSERT_LT(r.winner, writes.size());
      const FieldWriteState& w = writes[r.winner];
      ASSERT_TRUE(w.stamp == want.winner)
          << Str(w.stamp) << " vs " << Str(want.winner);
      EXPECT_EQ(w.value, want.value);
      for (const auto& x : writes) EXPECT_FALSE(w.stamp < x.stamp);
      // No index twice, never the winner.
      std::set<size_t> idx(r.conflicts.begin(), r.conflicts.end());
      EXPECT_EQ(idx.size(), r.conflicts.size());
      EXPECT_EQ(idx.count(r.winner), 0u);
      EXPECT_EQ(ConflictStamps(writes, r), want.conflicts);
    }
  }
  // The generator must actually exercise the conflict rule.
  EXPECT_GT(conflicts_seen, 50);
}

TEST(ResolveFieldPropertyTest, AllPermutationsOfSmallSets) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<FieldWriteState> writes;
    do {
      writes = RandomWrites(rng);
    } while (writes.size() < 3 || writes.size() > 6);
    std::vector<size_t> perm(writes.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
    const Expected want = Reference(writes);
    do {
      std::vector<FieldWriteState> p;
      for (size_t i : perm) p.push_back(writes[i]);
      const FieldResolution r = ResolveField(p);
      ASSERT_TRUE(p[r.winner].stamp == want.winner);
      ASSERT_EQ(ConflictStamps(p, r), want.conflicts);
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

}  // namespace
}  // namespace fieldsync
