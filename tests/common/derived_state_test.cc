// DerivedState over records and their revisions: the head of a record is
// its greatest stamp whatever the order its revisions arrive in, each stored
// revision counts once, the state survives reopening the database, and Apply
// refuses a revision that breaks a rule (another author, another kind,
// another county) writing nothing, while the caller goes on. The shared
// fixture and builders are in derived_state_test_support.h.
#include "common/derived_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/common/derived_state_test_support.h"

namespace fieldsync {
namespace {

using testing::Change;
using testing::DerivedStateTest;
using testing::Dump;
using testing::DumpOf;
using testing::H;
using testing::RecordChange;
using testing::RecordIdAt;
using testing::RecordRow;
using testing::Replica;
using testing::StatusIs;

// --- basics
// -----------------------------------------------------------------------

TEST_F(DerivedStateTest, CreateIsRepeatable) {
  Replica& r = NewReplica();
  auto again = DerivedState::Create(r.db.get(), r.Reader());
  FS_EXPECT_OK(again);
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{});
}

TEST_F(DerivedStateTest, GetRecordOfUnknownIdIsNotFound) {
  Replica& r = NewReplica();
  EXPECT_THAT(r.state->GetRecord(RecordIdAt(0)),
              StatusIs(absl::StatusCode::kNotFound, "no such record"));
}

TEST_F(DerivedStateTest, ApplyRecordSetsHeadAndLocator) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  Change c = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  c.locator = 77;
  FS_ASSERT_OK(r.Store(c));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->kind, static_cast<int>(RecordKind::kSpotCheck));
  EXPECT_EQ(head->county, "640522");
  EXPECT_EQ(head->author, "li");
  EXPECT_TRUE(head->head == c.stamp);
  EXPECT_EQ(head->head_locator, 77);
  EXPECT_EQ(head->revisions, 1);
  const Dump d = DumpOf(r.db.get());
  EXPECT_EQ(d.records, std::vector<std::string>{RecordRow(
                           id, RecordKind::kSpotCheck, 77, 1)})
      << d;
  EXPECT_TRUE(d.entities.empty() && d.field_writes.empty()) << d;
}

TEST_F(DerivedStateTest, HeadIsGreatestStampWhateverTheOrder) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change a = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change b = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(50));
  const Change c = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(20));
  FS_ASSERT_OK(r.Store(a));
  FS_ASSERT_OK(r.Store(b));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == b.stamp);
  EXPECT_EQ(head->head_locator, b.locator);
  EXPECT_EQ(head->revisions, 2);
  FS_ASSERT_OK(r.Store(c));  // older: head stays
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == b.stamp);
  EXPECT_EQ(head->head_locator, b.locator);
  EXPECT_EQ(head->revisions, 3);
}

TEST_F(DerivedStateTest, HeadOrdersByDeviceThenSequenceOnEqualHlc) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change a = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(10));
  const Change b = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 9, H(10));
  const Change c = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 2, H(10));
  ApplyAll(r, {c, b, a});
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == c.stamp);
  EXPECT_EQ(head->head_locator, c.locator);
  EXPECT_EQ(head->revisions, 3);
}

TEST_F(DerivedStateTest, StateSurvivesReopen) {
  const std::string path = dir_.Sub("reopen.db");
  const std::string id = RecordIdAt(0);
  const Change c =
      RecordChange(RecordKind::kDocumentReview, id, "li", 1, 1, H(0));
  // The caller's change table, for the reader: this one change.
  const RevisionReader reader =
      [&](int64_t locator) -> absl::StatusOr<HeldRevision> {
    EXPECT_EQ(locator, c.locator);
    return HeldRevisionOf(c.stamp, c.body.SerializeAsString());
  };
  {
    auto db = Db::Open(path);
    FS_ASSERT_OK(db);
    auto state = DerivedState::Create(db->get(), reader);
    FS_ASSERT_OK(state);
    FS_ASSERT_OK((*state)->Apply(c.stamp, c.locator, c.body, RuleSet::kDecide));
  }
  auto db = Db::Open(path);
  FS_ASSERT_OK(db);
  auto state = DerivedState::Create(db->get(), reader);
  FS_ASSERT_OK(state);
  auto head = (*state)->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->kind, static_cast<int>(RecordKind::kDocumentReview));
  EXPECT_EQ(head->head_locator, c.locator);
  EXPECT_EQ(head->revisions, 1);
}

// --- once per change
// ------------------------------------------------------------

// Every stored revision counts once, whatever the order it arrives in; the
// head carries the locator of the greatest one.
TEST_F(DerivedStateTest, EachStoredRevisionCountsOnce) {
  const std::string id = RecordIdAt(0);
  std::vector<Change> revs = {
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0)),
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "rev 2"),
      RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(10), "rev 2b"),
  };
  revs[0].locator = 30;
  revs[1].locator = 10;
  revs[2].locator = 20;  // the greatest stamp (device 2 > device 1)
  std::sort(revs.begin(), revs.end(), [](const Change& a, const Change& b) {
    return a.locator < b.locator;
  });
  // The greatest stamp, (H(10), device 2, 1), is at locator 20.
  const std::string want = RecordRow(id, RecordKind::kSpotCheck, 20, 3);
  int orders = 0;
  do {
    SCOPED_TRACE(absl::StrCat("order ", orders));
    const Dump d = DumpAfter(revs);
    EXPECT_EQ(d.records, std::vector<std::string>{want}) << d;
    ++orders;
  } while (std::next_permutation(
      revs.begin(), revs.end(),
      [](const Change& a, const Change& b) { return a.locator < b.locator; }));
  EXPECT_EQ(orders, 6);
}

// --- Apply refuses a change breaking a revision rule, writing nothing
// -------

TEST_F(DerivedStateTest, ApplyRefusesAnotherAuthorsRevision) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  ApplyAll(r, {first});
  const Dump before = DumpOf(r.db.get());

  // Greater stamp, so it would become the head if it were taken.
  const Change other =
      RecordChange(RecordKind::kSpotCheck, id, "wang", 3, 1, H(50));
  const absl::Status s = r.Store(other);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied,
                          "only the author (li) may revise this record"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied, "wang"));
  // Another author is refused first, even if the kind changes too.
  const Change both =
      RecordChange(RecordKind::kMonthlyReport, id, "wang", 3, 2, H(60));
  EXPECT_THAT(r.Store(both),
              StatusIs(absl::StatusCode::kPermissionDenied, "only the author"));

  const Dump after = DumpOf(r.db.get());
  EXPECT_TRUE(after == before) << "after:\n"
                               << after << "\nbefore:\n"
                               << before;
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->author, "li");
  EXPECT_TRUE(head->head == first.stamp);
  EXPECT_EQ(head->head_locator, first.locator);
  EXPECT_EQ(head->revisions, 1);
}

TEST_F(DerivedStateTest, ApplyRefusesAKindChange) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  ApplyAll(r, {RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0)),
               RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10))});
  const Dump before = DumpOf(r.db.get());
  const Change other =
      RecordChange(RecordKind::kFollowUpVisit, id, "li", 1, 3, H(20));
  EXPECT_THAT(r.Store(other),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot change the record's kind from spot-check to "
                       "follow-up-visit"));
  const Dump after = DumpOf(r.db.get());
  EXPECT_TRUE(after == before) << "after:\n"
                               << after << "\nbefore:\n"
                               << before;
}

TEST_F(DerivedStateTest, ApplyRefusesACountyChange) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  ApplyAll(r, {RecordChange(RecordKind::kInterviewNote, id, "li", 1, 1, H(0))});
  const Dump before = DumpOf(r.db.get());
  // An older stamp: refused all the same.
  Change moved =
      RecordChange(RecordKind::kInterviewNote, id, "li", 2, 1, H(-5));
  moved.body.mutable_record()->mutable_area()->set_county_code("640521");
  EXPECT_THAT(r.Store(moved),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot move the record from county 640522 to 640521"));
  const Dump after = DumpOf(r.db.get());
  EXPECT_TRUE(after == before) << "after:\n"
                               << after << "\nbefore:\n"
                               << before;
}

// A refused change does not spoil the transaction: the caller rejects it and
// goes on, and the result is as if it had never been offered.
TEST_F(DerivedStateTest, CallerGoesOnAfterARefusedRevision) {
  const std::string id = RecordIdAt(0);
  const Change a = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change b =
      RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(10), "b");
  const Change bad_author =
      RecordChange(RecordKind::kSpotCheck, id, "wang", 3, 1, H(20));
  const Change bad_kind =
      RecordChange(RecordKind::kDocumentReview, id, "li", 1, 2, H(30));
  const Change c =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 3, H(5), "c");
  Replica& r = NewReplica();
  auto tx = Transaction::Begin(r.db.get());
  FS_ASSERT_OK(tx);
  FS_ASSERT_OK(r.Store(a));
  EXPECT_TRUE(absl::IsPermissionDenied(r.Store(bad_author)));
  FS_ASSERT_OK(r.Store(b));
  EXPECT_TRUE(absl::IsFailedPrecondition(r.Store(bad_kind)));
  FS_ASSERT_OK(r.Store(c));
  FS_ASSERT_OK(tx->Commit());
  EXPECT_EQ(r.table.size(), 3u);
  const Dump got = DumpOf(r.db.get());
  const Dump want = DumpAfter({c, b, a});
  EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == b.stamp);
  EXPECT_EQ(head->head_locator, b.locator);
  EXPECT_EQ(head->revisions, 3);
}

// --- revisions by the author (the rules alone: revision_rules_test.cc)
// ------------------------------------------------------------

TEST_F(DerivedStateTest, AuthorsRevisionFromAnotherDeviceAndTownshipIsApplied) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  FS_ASSERT_OK(r.Store(first));

  // The same author from another device, another township of the county.
  Change rev = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(5));
  rev.body.mutable_record()->mutable_area()->set_township_code("640522101");
  rev.body.mutable_record()->mutable_area()->clear_village_code();
  FS_EXPECT_OK(r.Store(rev));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->revisions, 2);
  EXPECT_EQ(head->head, rev.stamp);
}

}  // namespace
}  // namespace fieldsync
