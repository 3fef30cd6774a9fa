// DerivedState taking changes out and moving them: the bulk path for new
// records (InsertNewRecords, all or nothing), Remove of record revisions and
// entity writes (the head and winners recomputed, the caller's lister
// trusted), Restamp of a clamped change, and rejections and clamps
// interleaved over a mixed set, which must leave the rows of a replica that
// only ever held the remaining changes. The shared fixture and builders are in
// derived_state_test_support.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/derived_state.h"
#include "tests/common/derived_state_test_support.h"

namespace fieldsync {
namespace {

using testing::Change;
using testing::DerivedStateTest;
using testing::DeviceIdOf;
using testing::Dump;
using testing::DumpOf;
using testing::EditChange;
using testing::H;
using testing::LocatorOf;
using testing::MixedChanges;
using testing::RecordChange;
using testing::RecordIdAt;
using testing::Replica;
using testing::StatusIs;

// --- the bulk path (InsertNewRecords)
// --------------------------------------------------------

// kBulkRecords new records from device 1, each a millisecond apart.
std::vector<Change> NewRecordChanges(int64_t first_ms) {
  std::vector<Change> out;
  for (size_t i = 0; i < DerivedState::kBulkRecords; ++i) {
    const int64_t ms = first_ms + static_cast<int64_t>(i);
    out.push_back(RecordChange(RecordKind::kSpotCheck, RecordIdAt(ms), "li", 1,
                               static_cast<uint64_t>(100 + i), H(ms)));
  }
  return out;
}

std::vector<DerivedState::NewRecord> AsNewRecords(
    const std::vector<Change>& changes) {
  std::vector<DerivedState::NewRecord> out;
  for (const Change& c : changes) {
    const v1::Record& r = c.body.record();
    out.push_back(DerivedState::NewRecord{
        c.stamp.hlc, c.stamp.device_id, c.stamp.device_seq, c.locator,
        ChangeHeader{KindOf(r), r.id(), r.area().county_code(), r.author(),
                     r.area().township_code()}});
  }
  return out;
}

TEST_F(DerivedStateTest, InsertNewRecordsLeavesWhatApplyingOneByOneLeaves) {
  const std::vector<Change> changes = NewRecordChanges(0);
  Replica& bulk = NewReplica();
  auto inserted = bulk.state->InsertNewRecords(AsNewRecords(changes));
  FS_ASSERT_OK(inserted);
  EXPECT_TRUE(*inserted);
  const Dump one_by_one = DumpAfter(changes);
  EXPECT_EQ(one_by_one.records.size(), DerivedState::kBulkRecords);
  EXPECT_EQ(DumpOf(bulk.db.get()), one_by_one);
}

TEST_F(DerivedStateTest, InsertNewRecordsWritesNothingWhenOneIsHeld) {
  std::vector<Change> changes = NewRecordChanges(0);
  Replica& r = NewReplica();
  // A revision of the 18th is already held (another device's).
  Change held = changes[17];
  held.stamp = Stamp{H(500), DeviceIdOf(2), 1};
  held.locator = LocatorOf(2, 1);
  FS_ASSERT_OK(r.Store(held));
  const Dump before = DumpOf(r.db.get());
  ASSERT_EQ(before.records.size(), 1u);
  auto inserted = r.state->InsertNewRecords(AsNewRecords(changes));
  FS_ASSERT_OK(inserted);
  EXPECT_FALSE(*inserted);
  EXPECT_EQ(DumpOf(r.db.get()), before);
}

TEST_F(DerivedStateTest, InsertNewRecordsWritesNothingWhenTwoShareAnId) {
  std::vector<Change> changes = NewRecordChanges(0);
  // The 21st revises the 4th (same author, kind and county): one by one it
  // is a second revision; in bulk the group is refused as a whole.
  changes[20] =
      RecordChange(RecordKind::kSpotCheck, changes[3].body.record().id(), "li",
                   1, 120, H(40));
  Replica& r = NewReplica();
  auto inserted = r.state->InsertNewRecords(AsNewRecords(changes));
  FS_ASSERT_OK(inserted);
  EXPECT_FALSE(*inserted);
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{}) << DumpOf(r.db.get());
}

TEST_F(DerivedStateTest, InsertNewRecordsTakesExactlyTheBulkSize) {
  std::vector<Change> changes = NewRecordChanges(0);
  changes.pop_back();
  Replica& r = NewReplica();
  EXPECT_THAT(r.state->InsertNewRecords(AsNewRecords(changes)),
              StatusIs(absl::StatusCode::kInvalidArgument, "takes 32"));
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{});
}

// --- Remove
// -------------------------------------------------------------------------

TEST_F(DerivedStateTest, RemoveRecordRevisionsRecomputesHead) {
  const std::string id = RecordIdAt(0);
  const Change s1 = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "2");
  const Change s3 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(20), "3");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s3, s2});

  FS_ASSERT_OK(r.Reject(s3));  // the head
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s2.stamp);
  EXPECT_EQ(head->head_locator, s2.locator);
  EXPECT_EQ(head->revisions, 2);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));

  FS_ASSERT_OK(r.Reject(s1));  // not the head
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s2.stamp);
  EXPECT_EQ(head->head_locator, s2.locator);
  EXPECT_EQ(head->revisions, 1);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s2}));

  FS_ASSERT_OK(r.Reject(s2));  // the last one
  EXPECT_THAT(r.state->GetRecord(id),
              StatusIs(absl::StatusCode::kNotFound, "no such record"));
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{});
}

// Remove trusts the caller's list of what is still held: the head is its
// greatest listed revision, the count the number listed.
TEST_F(DerivedStateTest, RemoveTakesHeadAndCountFromTheLister) {
  const std::string id = RecordIdAt(0);
  const Change s1 = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "2");
  const Change s3 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 3, H(20), "3");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2, s3});
  std::vector<std::string> asked;
  const RevisionLister list = [&](const std::string& record_id)
      -> absl::StatusOr<std::vector<RevisionRef>> {
    asked.push_back(record_id);
    // Only s1: as if s2 had been taken out too. The table still holds s2,
    // so the head and count can only have come from here.
    return std::vector<RevisionRef>{{s1.stamp, s1.locator}};
  };
  FS_ASSERT_OK(r.state->Remove(s3.stamp, s3.body, list));
  EXPECT_EQ(asked, std::vector<std::string>{id});
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s1.stamp);
  EXPECT_EQ(head->head_locator, s1.locator);
  EXPECT_EQ(head->revisions, 1);
}

TEST_F(DerivedStateTest, RemovePassesOnTheListersError) {
  const std::string id = RecordIdAt(0);
  const Change s1 = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2});
  const RevisionLister broken =
      [](const std::string&) -> absl::StatusOr<std::vector<RevisionRef>> {
    return absl::UnavailableError("disk on fire");
  };
  EXPECT_THAT(r.state->Remove(s2.stamp, s2.body, broken),
              StatusIs(absl::StatusCode::kUnavailable, "disk on fire"));
}

// A failing store is an error status, never a refusal, whatever its code: a
// caller cannot mistake "the store failed" for "the change breaks a rule".
TEST_F(DerivedStateTest, AStoreFailureIsAnErrorNotARefusal) {
  const std::string id = RecordIdAt(0);
  const Change s1 = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1});
  auto failing = DerivedState::Create(
      r.db.get(), [](int64_t) -> absl::StatusOr<HeldRevision> {
        return absl::PermissionDeniedError("the disk said no");
      });
  FS_ASSERT_OK(failing);
  EXPECT_THAT(
      (*failing)->Apply(s2.stamp, s2.locator, s2.body, RuleSet::kDecide),
      StatusIs(absl::StatusCode::kPermissionDenied, "the disk said no"));
}

TEST_F(DerivedStateTest, RemoveWinningEntityWriteRestoresPreviousWinner) {
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                              {{"employer", "A"}, {"phone", "1"}}, 1, 1, H(10));
  const Change b = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "B"}},
                              2, 1, H(20));
  Replica& r = NewReplica();
  ApplyAll(r, {a, b});
  // A lost to B concurrently: it is flagged.
  const Dump before = DumpOf(r.db.get());
  ASSERT_EQ(before.field_writes.size(), 3u);
  EXPECT_TRUE(absl::EndsWith(before.field_writes[0], "|A|0|0|1")) << before;

  FS_ASSERT_OK(r.Reject(b));
  // Exactly as if B had never arrived: A wins again and is no conflict.
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({a})) << DumpOf(r.db.get());
  EXPECT_EQ(r.lister_calls, 0);  // entity edits hold no revisions
}

TEST_F(DerivedStateTest, RemoveLosingEntityWriteClearsConflict) {
  const Change a =
      EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "一班"}}, 1, 1, H(10));
  const Change b =
      EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "二班"}}, 2, 1, H(20));
  Replica& r = NewReplica();
  ApplyAll(r, {b, a});
  FS_ASSERT_OK(r.Reject(a));
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({b})) << DumpOf(r.db.get());
  EXPECT_EQ(r.lister_calls, 0);
}

TEST_F(DerivedStateTest, RemoveLastEntityEditDeletesTheEntity) {
  const Change a =
      EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "一班"}}, 1, 1, H(10));
  const Change b = EditChange(v1::ENTITY_TYPE_CLASS, "C",
                              {{"planned_trainees", "30"}}, 2, 1, H(20));
  Replica& r = NewReplica();
  ApplyAll(r, {a, b});
  FS_ASSERT_OK(r.Reject(a));
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({b})) << DumpOf(r.db.get());
  FS_ASSERT_OK(r.Reject(b));
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{}) << DumpOf(r.db.get());
  // Gone, the entity may start again in another county.
  const Change c = EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "三班"}}, 1,
                              2, H(30), "640521");
  FS_EXPECT_OK(r.Store(c));
  EXPECT_EQ(DumpOf(r.db.get()).entities,
            std::vector<std::string>{"2/C|2|C|640521"});
}

// --- Restamp
// ------------------------------------------------------------------------

TEST_F(DerivedStateTest, RestampRecordEqualsApplyingAtTheNewHlc) {
  const std::string id = RecordIdAt(0);
  const Change s1 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(100));
  // Made on a clock a day fast; the server lowers it below s1.
  Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(86400000), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2});
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  ASSERT_TRUE(head->head == s2.stamp);
  ASSERT_EQ(head->head_locator, s2.locator);

  FS_ASSERT_OK(r.Clamp(s2, H(50)));
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s1.stamp);
  EXPECT_EQ(head->head_locator, s1.locator);
  EXPECT_EQ(head->revisions, 2);  // a restamp is no new revision

  s2.stamp.hlc = H(50);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));
}

TEST_F(DerivedStateTest, RestampRecordKeepsHeadWhenStillGreatest) {
  const std::string id = RecordIdAt(0);
  const Change s1 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(100));
  Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(900000), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2});
  FS_ASSERT_OK(r.Clamp(s2, H(300000)));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->head.hlc, H(300000));
  EXPECT_EQ(head->head.device_seq, 2u);
  EXPECT_EQ(head->head_locator, s2.locator);
  EXPECT_EQ(head->revisions, 2);
  s2.stamp.hlc = H(300000);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));
}

TEST_F(DerivedStateTest, RestampNonHeadRevisionLeavesTheHead) {
  const std::string id = RecordIdAt(0);
  Change s1 = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(500));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(1000), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2});
  FS_ASSERT_OK(r.Clamp(s1, H(100)));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s2.stamp);
  EXPECT_EQ(head->head_locator, s2.locator);
  EXPECT_EQ(head->revisions, 2);
  s1.stamp.hlc = H(100);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));
}

// The common case, a record with one revision, needs no listing.
TEST_F(DerivedStateTest, RestampSoleRevisionMovesTheHead) {
  const std::string id = RecordIdAt(0);
  Change s =
      RecordChange(RecordKind::kMonthlyReport, id, "li", 1, 1, H(86400000));
  s.locator = 4242;
  Replica& r = NewReplica();
  ApplyAll(r, {s});
  FS_ASSERT_OK(r.Clamp(s, H(7)));
  EXPECT_EQ(r.lister_calls, 0);
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->head.hlc, H(7));
  EXPECT_EQ(head->head.device_id, DeviceIdOf(1));
  EXPECT_EQ(head->head.device_seq, 1u);
  EXPECT_EQ(head->head_locator, 4242);
  EXPECT_EQ(head->revisions, 1);
  s.stamp.hlc = H(7);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s}));
}

TEST_F(DerivedStateTest, RestampEntityWriteReresolvesTheField) {
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "A"}},
                              1, 1, H(1000));
  // B's clock is far ahead, so B wins until it is restamped.
  Change b = EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                        {{"employer", "B"}, {"phone", "9"}}, 2, 1, H(5000000));
  Replica& r = NewReplica();
  ApplyAll(r, {a, b});
  FS_ASSERT_OK(r.Clamp(b, H(800)));
  EXPECT_EQ(r.lister_calls, 0);  // entity edits hold no revisions
  b.stamp.hlc = H(800);
  const Dump got = DumpOf(r.db.get());
  const Dump want = DumpAfter({a, b});
  EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  // Now A wins and B is the flagged concurrent write.
  ASSERT_EQ(got.field_writes.size(), 3u);
  EXPECT_TRUE(absl::EndsWith(got.field_writes[0], "|A|0|1|0")) << got;
  EXPECT_TRUE(absl::EndsWith(got.field_writes[1], "|B|0|0|1")) << got;
}

// --- Remove and Restamp against the set held
// ---------------------------------

// Applying a set in any order, then rejecting some changes and clamping
// others (interleaved), leaves the rows of a replica that only ever held the
// remaining changes at their final stamps.
TEST_F(DerivedStateTest, RejectAndClampLeaveTheRowsOfTheRemainingSet) {
  const std::vector<Change> changes = MixedChanges();
  int listed = 0;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    std::mt19937 rng(seed);
    std::vector<Change> order = changes;
    std::shuffle(order.begin(), order.end(), rng);
    Replica& r = NewReplica();
    ApplyAll(r, order);

    // What happens to each change: 0 kept, 1 rejected, 2 clamped.
    std::vector<std::pair<int, Change>> ops;
    std::vector<Change> remaining;
    std::uniform_int_distribution<int> fate(0, 2);
    std::uniform_int_distribution<int> ms(-50, 200);
    for (Change c : changes) {
      const int f = fate(rng);
      if (f == 1) {
        ops.emplace_back(1, c);
        continue;
      }
      if (f == 2) {
        ops.emplace_back(2, c);
        c.stamp.hlc = H(ms(rng));
      }
      remaining.push_back(c);
    }
    std::shuffle(ops.begin(), ops.end(), rng);
    std::map<int64_t, uint64_t> new_hlc;
    for (const Change& c : remaining) new_hlc[c.locator] = c.stamp.hlc;
    auto tx = Transaction::Begin(r.db.get());
    FS_ASSERT_OK(tx);
    for (const auto& [what, c] : ops) {
      SCOPED_TRACE(absl::StrCat(what == 1 ? "reject " : "clamp ", c.locator));
      FS_ASSERT_OK(what == 1 ? r.Reject(c) : r.Clamp(c, new_hlc[c.locator]));
    }
    FS_ASSERT_OK(tx->Commit());
    listed += r.lister_calls;

    const Dump got = DumpOf(r.db.get());
    const Dump want = DumpAfter(remaining);
    EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  }
  // The rare paths, which ask the caller for the revisions, were taken.
  EXPECT_GT(listed, 0);
}

}  // namespace
}  // namespace fieldsync
