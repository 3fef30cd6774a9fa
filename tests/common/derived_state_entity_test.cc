// DerivedState over entity edits: entity keys, field writes resolved and
// flagged as conflicts as merge.h resolves them, convergence of the same set
// of changes applied in any order, re-applying an edit, and the county an
// entity belongs to (an edit naming another one is refused, CheckEntityEdit).
// The shared fixture and builders are in derived_state_test_support.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/derived_state.h"
#include "common/merge.h"
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
using testing::MixedChanges;
using testing::OrdersOf;
using testing::Replica;
using testing::StatusIs;
using testing::Upper;

TEST_F(DerivedStateTest, EntityKeyIsTypeNumberSlashId) {
  const Change c = EditChange(v1::ENTITY_TYPE_CLASS, "CLS-2026-0312",
                              {{"name", "x"}}, 1, 1, H(0));
  EXPECT_EQ(EntityKey(c.body.entity_edit()), "2/CLS-2026-0312");
}

TEST_F(DerivedStateTest, EntityFieldsResolveAsInMerge) {
  Replica& r = NewReplica();
  const std::vector<Change> changes = {
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "A"}}, 1, 1,
                 H(10)),
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "B"}}, 2, 1,
                 H(20)),  // concurrent with A: A becomes a conflict
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "1"}}, 1, 2, H(30)),
  };
  ApplyAll(r, changes);
  const Dump d = DumpOf(r.db.get());
  const std::string d1 = Upper(absl::BytesToHexString(DeviceIdOf(1)));
  const std::string d2 = Upper(absl::BytesToHexString(DeviceIdOf(2)));
  EXPECT_TRUE(d.records.empty()) << d;
  EXPECT_EQ(d.entities, std::vector<std::string>{"3/T|3|T|640522"});
  EXPECT_EQ(d.field_writes,
            (std::vector<std::string>{
                absl::StrCat("3/T|employer|", H(10), "|", d1, "|1|A|0|0|1"),
                absl::StrCat("3/T|employer|", H(20), "|", d2, "|1|B|0|1|0"),
                absl::StrCat("3/T|phone|", H(30), "|", d1, "|2|1|0|1|0"),
            }))
      << d;
}

// --- convergence: the same set, each change applied once, in any order
// -----

TEST_F(DerivedStateTest, ShuffledOrdersConverge) {
  const std::vector<Change> changes = MixedChanges();
  const Dump want = DumpAfter(changes);
  ASSERT_EQ(want.records.size(), 4u) << want;
  ASSERT_EQ(want.entities.size(), 3u) << want;
  ASSERT_EQ(want.field_writes.size(), 13u) << want;

  for (const auto& order : OrdersOf(changes, 10, 42)) {
    SCOPED_TRACE(
        absl::StrJoin(order, ",", [](std::string* out, const Change& c) {
          absl::StrAppend(out, c.locator);
        }));
    const Dump got = DumpAfter(order);
    EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  }
}

TEST_F(DerivedStateTest, ConvergedStateMatchesMergeRules) {
  const std::vector<Change> changes = MixedChanges();
  Replica& r = NewReplica();
  ApplyAll(r, changes);

  // Records: the head is the greatest stamp of its revisions, with that
  // revision's locator; the count is the number of revisions.
  std::map<std::string, std::vector<Change>> revisions;
  for (const Change& c : changes) {
    if (c.body.has_record()) revisions[c.body.record().id()].push_back(c);
  }
  ASSERT_EQ(revisions.size(), 4u);
  for (const auto& [id, revs] : revisions) {
    SCOPED_TRACE(IdToString(id));
    auto head = r.state->GetRecord(id);
    FS_ASSERT_OK(head);
    const Change& best = *std::max_element(
        revs.begin(), revs.end(),
        [](const Change& a, const Change& b) { return a.stamp < b.stamp; });
    EXPECT_TRUE(head->head == best.stamp);
    EXPECT_EQ(head->head_locator, best.locator);
    EXPECT_EQ(head->revisions, static_cast<int64_t>(revs.size()));
    EXPECT_EQ(head->author, best.body.record().author());
    EXPECT_EQ(head->kind, static_cast<int>(KindOf(best.body.record())));
  }

  // Entity fields: flags as ResolveField computes them over all writes.
  std::map<std::pair<std::string, std::string>, std::vector<FieldWriteState>>
      fields;
  for (const Change& c : changes) {
    if (!c.body.has_entity_edit()) continue;
    for (const auto& w : c.body.entity_edit().writes()) {
      fields[{EntityKey(c.body.entity_edit()), w.field()}].push_back(
          FieldWriteState{c.stamp, w.value(), w.base_hlc()});
    }
  }
  int conflicts = 0;
  for (const auto& [key, writes] : fields) {
    SCOPED_TRACE(absl::StrCat(key.first, " ", key.second));
    const FieldResolution res = ResolveField(writes);
    auto q = r.db->Prepare(
        "SELECT is_winner, is_conflict FROM field_writes WHERE entity_key = ? "
        "AND field = ? AND device_id = ? AND device_seq = ?");
    FS_ASSERT_OK(q);
    for (size_t i = 0; i < writes.size(); ++i) {
      q->BindText(1, key.first)
          .BindText(2, key.second)
          .BindBlob(3, writes[i].stamp.device_id)
          .Bind(4, static_cast<int64_t>(writes[i].stamp.device_seq));
      auto row = q->Step();
      FS_ASSERT_OK(row);
      ASSERT_TRUE(*row);
      const bool conflict =
          std::find(res.conflicts.begin(), res.conflicts.end(), i) !=
          res.conflicts.end();
      EXPECT_EQ(q->Int(0), i == res.winner ? 1 : 0);
      EXPECT_EQ(q->Int(1), conflict ? 1 : 0);
      conflicts += conflict ? 1 : 0;
      q->Reset();
    }
  }
  // The set exercises conflicts and knowing replacements both.
  EXPECT_GE(conflicts, 2);
}

// --- once per change: entity edits
// ------------------------------------------------------------

// Field writes are keyed by (entity, field, device, sequence), so applying
// an entity edit again (which callers never do) leaves the rows as they were.
TEST_F(DerivedStateTest, ReapplyingAnEntityEditIsHarmless) {
  const std::vector<Change> changes = {
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "A"}}, 1, 1,
                 H(10)),
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                 {{"employer", "B"}, {"phone", "2"}}, 2, 1, H(20)),
  };
  const Dump once = DumpAfter(changes);
  Replica& r = NewReplica();
  ApplyAll(r, changes);
  for (const Change& c : {changes[0], changes[1], changes[0]}) {
    auto verdict = r.state->Apply(c.stamp, c.locator, c.body, RuleSet::kDecide);
    FS_ASSERT_OK(verdict);
    EXPECT_FALSE(verdict->has_value()) << verdict->value().message;
  }
  const Dump got = DumpOf(r.db.get());
  EXPECT_TRUE(got == once) << "got:\n" << got << "\nwant:\n" << once;
}

// --- Apply refuses an entity edit breaking a rule, writing nothing
// -------

// An entity belongs to one county: whichever edit comes first fixes it, and
// an edit naming another county is refused, writing nothing (no field, not
// even a new one).
TEST_F(DerivedStateTest, EntityEditNamingAnotherCountyIsRefused) {
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "1"}}, 1,
                              1, H(10), "640522");
  const Change b =
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                 {{"phone", "2"}, {"name", "马小花"}}, 2, 1, H(20), "640521");
  for (const auto& [first, second] :
       {std::pair<Change, Change>{a, b}, std::pair<Change, Change>{b, a}}) {
    const std::string& county = first.body.entity_edit().area().county_code();
    SCOPED_TRACE(absl::StrCat("first in county ", county));
    Replica& r = NewReplica();
    ApplyAll(r, {first});
    const Dump before = DumpOf(r.db.get());
    ASSERT_EQ(before.entities,
              std::vector<std::string>{absl::StrCat("3/T|3|T|", county)});
    const absl::Status s = r.Store(second);
    EXPECT_THAT(
        s,
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 absl::StrCat("belongs to county ", county, ", not ",
                              second.body.entity_edit().area().county_code())))
        << s;
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                            "entity_edit.area.county_code"));
    const Dump after = DumpOf(r.db.get());
    EXPECT_TRUE(after == before) << "after:\n"
                                 << after << "\nbefore:\n"
                                 << before;
    EXPECT_TRUE(after == DumpAfter({first}));
  }
}

TEST_F(DerivedStateTest, CheckEntityEdit) {
  Replica& r = NewReplica();
  auto allowed = [&](const Change& c) {
    auto verdict = r.state->CheckEntityEdit(c.body.entity_edit());
    EXPECT_TRUE(verdict.ok()) << verdict.status();
    return verdict.ok() && !verdict->has_value();
  };
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "1"}}, 1,
                              1, H(10), "640522");
  EXPECT_TRUE(allowed(a));  // new
  FS_ASSERT_OK(r.Store(a));
  const Change same = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "2"}},
                                 2, 1, H(20), "640522");
  EXPECT_TRUE(allowed(same));
  const Change moved = EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                                  {{"phone", "3"}}, 2, 2, H(30), "640521");
  auto verdict = r.state->CheckEntityEdit(moved.body.entity_edit());
  FS_ASSERT_OK(verdict);
  ASSERT_TRUE(verdict->has_value());
  EXPECT_EQ((*verdict)->rule, RevisionRule::kEntityCountyIsFixed);
  EXPECT_THAT((*verdict)->ToStatus(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "belongs to county 640522, not 640521"));
  // The same id under another entity type is another entity.
  const Change klass = EditChange(v1::ENTITY_TYPE_CLASS, "T", {{"name", "x"}},
                                  2, 3, H(40), "640521");
  EXPECT_TRUE(allowed(klass));
  FS_EXPECT_OK(r.Store(klass));
  EXPECT_EQ(DumpOf(r.db.get()).entities,
            (std::vector<std::string>{"2/T|2|T|640521", "3/T|3|T|640522"}));
}

}  // namespace
}  // namespace fieldsync
