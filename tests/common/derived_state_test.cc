#include "common/derived_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hlc.h"
#include "common/merge.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

using testing::DeviceIdOf;
using testing::FullExample;
using testing::StatusIs;
using testing::TempDir;

constexpr int64_t kT0 = 1778553000000;  // 2026-05-12, ms

uint64_t H(int64_t ms_after_t0, uint64_t logical = 0) {
  return PackHlc(static_cast<uint64_t>(kT0 + ms_after_t0), logical);
}

struct Change {
  Stamp stamp;
  v1::ChangeBody body;
};

// One SQLite database with its derived state.
struct Replica {
  std::unique_ptr<Db> db;
  std::unique_ptr<DerivedState> state;
};

// The derived tables as text, one row a line, in a fixed order.
struct Dump {
  std::vector<std::string> records;
  std::vector<std::string> entities;
  std::vector<std::string> field_writes;
  bool operator==(const Dump&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Dump& d) {
  return os << "records:\n  " << absl::StrJoin(d.records, "\n  ")
            << "\nentities:\n  " << absl::StrJoin(d.entities, "\n  ")
            << "\nfield_writes:\n  " << absl::StrJoin(d.field_writes, "\n  ");
}

std::vector<std::string> Rows(Db* db, const std::string& sql, int columns) {
  std::vector<std::string> out;
  auto q = db->Prepare(sql);
  EXPECT_TRUE(q.ok()) << q.status();
  if (!q.ok()) return out;
  while (true) {
    auto row = q->Step();
    EXPECT_TRUE(row.ok()) << row.status();
    if (!row.ok() || !*row) break;
    std::vector<std::string> cols;
    for (int i = 0; i < columns; ++i) cols.push_back(q->Text(i));
    out.push_back(absl::StrJoin(cols, "|"));
  }
  return out;
}

Dump DumpOf(Db* db) {
  Dump d;
  d.records = Rows(db,
                   "SELECT hex(record_id), kind, county, author, head_hlc, "
                   "hex(head_device), head_device_seq, revisions FROM records "
                   "ORDER BY record_id",
                   8);
  d.entities = Rows(db,
                    "SELECT entity_key, entity_type, entity_id, county FROM "
                    "entities ORDER BY entity_key",
                    4);
  d.field_writes = Rows(db,
                        "SELECT entity_key, field, hlc, hex(device_id), "
                        "device_seq, value, base_hlc, is_winner, is_conflict "
                        "FROM field_writes ORDER BY entity_key, field, "
                        "device_id, device_seq",
                        9);
  return d;
}

class DerivedStateTest : public ::testing::Test {
 protected:
  // A new replica in its own database file.
  Replica& NewReplica() {
    auto db =
        Db::Open(dir_.Sub(absl::StrCat("replica", replicas_.size(), ".db")));
    EXPECT_TRUE(db.ok()) << db.status();
    auto r = std::make_unique<Replica>();
    r->db = std::move(*db);
    auto state = DerivedState::Create(r->db.get());
    EXPECT_TRUE(state.ok()) << state.status();
    r->state = std::move(*state);
    replicas_.push_back(std::move(r));
    return *replicas_.back();
  }

  // Applies `changes` in order in one transaction.
  static void ApplyAll(Replica& r, const std::vector<Change>& changes) {
    auto tx = Transaction::Begin(r.db.get());
    ASSERT_TRUE(tx.ok()) << tx.status();
    for (const Change& c : changes) {
      FS_ASSERT_OK(r.state->Apply(c.stamp, c.body));
    }
    FS_ASSERT_OK(tx->Commit());
  }

  // A replica holding exactly `changes`.
  Dump DumpAfter(const std::vector<Change>& changes) {
    Replica& r = NewReplica();
    ApplyAll(r, changes);
    return DumpOf(r.db.get());
  }

  TempDir dir_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

// --- change builders
// ------------------------------------------------------------

// A record revision: the example of `kind` with a fixed id and author,
// written on device `dev`.
Change RecordChange(RecordKind kind, const std::string& id,
                    const std::string& author, uint8_t dev, uint64_t seq,
                    uint64_t hlc, const std::string& notes = "") {
  Change c;
  c.stamp = Stamp{hlc, DeviceIdOf(dev), seq};
  v1::Record r = FullExample(kind, DeviceIdOf(dev));
  r.set_id(id);
  r.set_author(author);
  if (!notes.empty()) r.set_notes(notes);
  *c.body.mutable_record() = r;
  return c;
}

struct FieldValue {
  std::string field;
  std::string value;
  uint64_t base_hlc = 0;
};

Change EditChange(v1::EntityType type, const std::string& entity_id,
                  const std::vector<FieldValue>& writes, uint8_t dev,
                  uint64_t seq, uint64_t hlc,
                  const std::string& county = "640522") {
  Change c;
  c.stamp = Stamp{hlc, DeviceIdOf(dev), seq};
  v1::EntityEdit* e = c.body.mutable_entity_edit();
  e->set_entity_type(type);
  e->set_entity_id(entity_id);
  e->mutable_area()->set_county_code(county);
  for (const FieldValue& f : writes) {
    auto* w = e->add_writes();
    w->set_field(f.field);
    w->set_value(f.value);
    w->set_base_hlc(f.base_hlc);
  }
  return c;
}

std::string RecordIdAt(int64_t ms_after_t0) {
  FakeClock clock(kT0 + ms_after_t0);
  return NewRecordId(clock);
}

// A set of changes from three devices: records with several revisions (one
// inspector on two devices, another on a third, two revisions sharing a
// clamped HLC), and entity edits on shared fields, some concurrent, some
// made after seeing the other's value.
std::vector<Change> MixedChanges() {
  const std::string r1 = RecordIdAt(0);
  const std::string r2 = RecordIdAt(1);
  const std::string r3 = RecordIdAt(2);
  const std::string r4 = RecordIdAt(3);
  constexpr auto kTrainee = v1::ENTITY_TYPE_TRAINEE;
  constexpr auto kClass = v1::ENTITY_TYPE_CLASS;
  constexpr auto kInst = v1::ENTITY_TYPE_INSTITUTION;
  // Device 1 and 2: inspector li; device 3: inspector wang.
  return {
      // Device 1.
      RecordChange(RecordKind::kSpotCheck, r1, "li", 1, 1, H(0)),
      EditChange(kTrainee, "TRN-1", {{"employer", "餐馆A"}, {"phone", "139"}},
                 1, 2, H(10)),
      RecordChange(RecordKind::kSpotCheck, r1, "li", 1, 3, H(20), "rev 2"),
      EditChange(kClass, "CLS-1", {{"name", "烹调一班"}}, 1, 4, H(30)),
      EditChange(kTrainee, "TRN-1", {{"employer", "餐馆B", H(10)}}, 1, 5,
                 H(40)),
      RecordChange(RecordKind::kInterviewNote, r3, "li", 1, 6, H(50)),
      // Device 2 (li's second phone), clock a little behind.
      RecordChange(RecordKind::kSpotCheck, r1, "li", 2, 1, H(15), "rev 1b"),
      EditChange(kTrainee, "TRN-1", {{"employer", "工厂C"}}, 2, 2, H(35)),
      EditChange(kTrainee, "TRN-1", {{"phone", "138"}, {"name", "马小花"}}, 2,
                 3, H(45)),
      EditChange(kClass, "CLS-1", {{"name", "烹调1班"}}, 2, 4, H(30)),
      RecordChange(RecordKind::kSpotCheck, r1, "li", 2, 5, H(60), "rev 3"),
      // Device 3: two changes clamped to the same HLC, then more.
      RecordChange(RecordKind::kFollowUpVisit, r2, "wang", 3, 1, H(100)),
      RecordChange(RecordKind::kFollowUpVisit, r2, "wang", 3, 2, H(100),
                   "same hlc"),
      EditChange(kTrainee, "TRN-1", {{"employer", "工厂C", H(35)}}, 3, 3,
                 H(100)),
      EditChange(kTrainee, "TRN-1", {{"phone", "137", H(10)}}, 3, 4, H(100)),
      EditChange(kClass, "CLS-1", {{"planned_trainees", "40"}}, 3, 5, H(110)),
      EditChange(kInst, "INST-1", {{"name", "海原县职业技能培训学校"}}, 3, 6,
                 H(120)),
      RecordChange(RecordKind::kMonthlyReport, r4, "wang", 3, 7, H(130)),
      RecordChange(RecordKind::kFollowUpVisit, r2, "wang", 3, 8, H(5),
                   "old clock"),
      EditChange(kInst, "INST-1", {{"name", ""}}, 3, 9, H(5)),
  };
}

// --- basics
// -----------------------------------------------------------------------

TEST_F(DerivedStateTest, CreateIsRepeatable) {
  Replica& r = NewReplica();
  auto again = DerivedState::Create(r.db.get());
  FS_EXPECT_OK(again);
  EXPECT_TRUE(DumpOf(r.db.get()) == Dump{});
}

TEST_F(DerivedStateTest, GetRecordOfUnknownIdIsNotFound) {
  Replica& r = NewReplica();
  EXPECT_TRUE(StatusIs(r.state->GetRecord(RecordIdAt(0)),
                       absl::StatusCode::kNotFound, "no such record"));
}

TEST_F(DerivedStateTest, ApplyRecordSetsHead) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change c = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  FS_ASSERT_OK(r.state->Apply(c.stamp, c.body));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->kind, static_cast<int>(RecordKind::kSpotCheck));
  EXPECT_EQ(head->county, "640522");
  EXPECT_EQ(head->author, "li");
  EXPECT_TRUE(head->head == c.stamp);
  EXPECT_EQ(head->revisions, 1);
}

TEST_F(DerivedStateTest, HeadIsGreatestStampWhateverTheOrder) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change a = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  const Change b = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(50));
  const Change c = RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(20));
  FS_ASSERT_OK(r.state->Apply(a.stamp, a.body));
  FS_ASSERT_OK(r.state->Apply(b.stamp, b.body));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == b.stamp);
  EXPECT_EQ(head->revisions, 2);
  FS_ASSERT_OK(r.state->Apply(c.stamp, c.body));  // older: head stays
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == b.stamp);
  EXPECT_EQ(head->revisions, 3);
}

TEST_F(DerivedStateTest, StateSurvivesReopen) {
  const std::string path = dir_.Sub("reopen.db");
  const std::string id = RecordIdAt(0);
  const Change c =
      RecordChange(RecordKind::kDocumentReview, id, "li", 1, 1, H(0));
  {
    auto db = Db::Open(path);
    FS_ASSERT_OK(db);
    auto state = DerivedState::Create(db->get());
    FS_ASSERT_OK(state);
    FS_ASSERT_OK((*state)->Apply(c.stamp, c.body));
  }
  auto db = Db::Open(path);
  FS_ASSERT_OK(db);
  auto state = DerivedState::Create(db->get());
  FS_ASSERT_OK(state);
  auto head = (*state)->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->kind, static_cast<int>(RecordKind::kDocumentReview));
}

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
  const std::string d1 = absl::BytesToHexString(DeviceIdOf(1));
  const std::string d2 = absl::BytesToHexString(DeviceIdOf(2));
  auto upper = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(ch));
    return s;
  };
  EXPECT_EQ(d.entities, std::vector<std::string>{"3/T|3|T|640522"});
  EXPECT_EQ(
      d.field_writes,
      (std::vector<std::string>{
          absl::StrCat("3/T|employer|", H(10), "|", upper(d1), "|1|A|0|0|1"),
          absl::StrCat("3/T|employer|", H(20), "|", upper(d2), "|1|B|0|1|0"),
          absl::StrCat("3/T|phone|", H(30), "|", upper(d1), "|2|1|0|1|0"),
      }))
      << d;
}

// --- convergence: the same set in any order gives the same rows
// -----------------

TEST_F(DerivedStateTest, ShuffledOrdersConverge) {
  const std::vector<Change> changes = MixedChanges();
  const Dump want = DumpAfter(changes);
  ASSERT_EQ(want.records.size(), 4u) << want;
  ASSERT_EQ(want.entities.size(), 3u) << want;

  std::mt19937 rng(42);
  std::vector<std::vector<Change>> orders;
  orders.push_back(std::vector<Change>(changes.rbegin(), changes.rend()));
  for (int i = 0; i < 10; ++i) {
    std::vector<Change> c = changes;
    std::shuffle(c.begin(), c.end(), rng);
    orders.push_back(std::move(c));
  }
  for (size_t i = 0; i < orders.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("order ", i));
    const Dump got = DumpAfter(orders[i]);
    EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  }
}

TEST_F(DerivedStateTest, ConvergedStateMatchesMergeRules) {
  const std::vector<Change> changes = MixedChanges();
  Replica& r = NewReplica();
  ApplyAll(r, changes);

  // Records: the head is the greatest stamp of its revisions.
  std::map<std::string, std::vector<Stamp>> revisions;
  for (const Change& c : changes) {
    if (c.body.has_record()) {
      revisions[c.body.record().id()].push_back(c.stamp);
    }
  }
  for (const auto& [id, stamps] : revisions) {
    auto head = r.state->GetRecord(id);
    FS_ASSERT_OK(head);
    const Stamp best = *std::max_element(stamps.begin(), stamps.end());
    EXPECT_TRUE(head->head == best) << IdToString(id);
    EXPECT_EQ(head->revisions, static_cast<int64_t>(stamps.size()));
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

// --- idempotence
// ----------------------------------------------------------------

TEST_F(DerivedStateTest, ApplyIsIdempotentForRepeatedEntityEdit) {
  const std::vector<Change> changes = {
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "A"}}, 1, 1,
                 H(10)),
      EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                 {{"employer", "B"}, {"phone", "2"}}, 2, 1, H(20)),
  };
  const Dump once = DumpAfter(changes);
  std::vector<Change> twice = changes;
  twice.push_back(changes[0]);
  twice.push_back(changes[1]);
  twice.push_back(changes[0]);
  EXPECT_TRUE(DumpAfter(twice) == once) << DumpAfter(twice) << "\nvs\n" << once;
}

// Regression: derived_state.h promises "Apply() is idempotent per stamp", but
// applying the same record revision again counts it as a further revision
// (records.revisions goes from 1 to 2).
TEST_F(DerivedStateTest, ApplyIsIdempotentForRepeatedRecordRevision) {
  const std::string id = RecordIdAt(0);
  const std::vector<Change> changes = {
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0)),
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(10), "rev 2"),
  };
  const Dump once = DumpAfter(changes);
  std::vector<Change> twice = changes;
  twice.push_back(changes[1]);
  twice.push_back(changes[0]);
  const Dump got = DumpAfter(twice);
  EXPECT_TRUE(got == once) << "got:\n" << got << "\nwant:\n" << once;
}

// Regression: entities.county is taken from whichever edit of the entity is
// applied first (INSERT OR IGNORE), so two edits naming different counties
// leave different rows depending on arrival order, although derived_state.h
// promises the same rows for any order. Validation does not forbid it.
TEST_F(DerivedStateTest, EntityCountyDoesNotDependOnOrder) {
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "1"}}, 1,
                              1, H(10), "640522");
  const Change b = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"phone", "2"}}, 2,
                              1, H(20), "640521");
  const Dump ab = DumpAfter({a, b});
  const Dump ba = DumpAfter({b, a});
  EXPECT_TRUE(ab == ba) << "a then b:\n" << ab << "\nb then a:\n" << ba;
}

// --- CheckRevision
// ------------------------------------------------------------

TEST_F(DerivedStateTest, CheckRevisionAcceptsNewRecordsAndAuthorsRevisions) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  FS_EXPECT_OK(r.state->CheckRevision(first.body.record()));  // new
  FS_ASSERT_OK(r.state->Apply(first.stamp, first.body));

  // The same author from another device, another township of the county.
  Change rev = RecordChange(RecordKind::kSpotCheck, id, "li", 2, 1, H(5));
  rev.body.mutable_record()->mutable_area()->set_township_code("640522101");
  rev.body.mutable_record()->mutable_area()->clear_village_code();
  FS_EXPECT_OK(r.state->CheckRevision(rev.body.record()));
}

TEST_F(DerivedStateTest, CheckRevisionByAnotherAuthorIsPermissionDenied) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  FS_ASSERT_OK(r.state->Apply(first.stamp, first.body));
  const Change other =
      RecordChange(RecordKind::kSpotCheck, id, "wang", 3, 1, H(5));
  const absl::Status s = r.state->CheckRevision(other.body.record());
  EXPECT_TRUE(StatusIs(s, absl::StatusCode::kPermissionDenied,
                       "only the author (li) may revise this record"));
  EXPECT_TRUE(StatusIs(s, absl::StatusCode::kPermissionDenied, "wang"));
  // Another author is refused first, even if the kind changes too.
  const Change both =
      RecordChange(RecordKind::kMonthlyReport, id, "wang", 3, 2, H(6));
  EXPECT_TRUE(StatusIs(r.state->CheckRevision(both.body.record()),
                       absl::StatusCode::kPermissionDenied, "only the author"));
}

TEST_F(DerivedStateTest, CheckRevisionChangingKindIsFailedPrecondition) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(0));
  FS_ASSERT_OK(r.state->Apply(first.stamp, first.body));
  const Change other =
      RecordChange(RecordKind::kFollowUpVisit, id, "li", 1, 2, H(5));
  EXPECT_TRUE(StatusIs(r.state->CheckRevision(other.body.record()),
                       absl::StatusCode::kFailedPrecondition,
                       "cannot change the record's kind from spot-check to "
                       "follow-up-visit"));
}

TEST_F(DerivedStateTest, CheckRevisionChangingCountyIsFailedPrecondition) {
  Replica& r = NewReplica();
  const std::string id = RecordIdAt(0);
  const Change first =
      RecordChange(RecordKind::kInterviewNote, id, "li", 1, 1, H(0));
  FS_ASSERT_OK(r.state->Apply(first.stamp, first.body));
  Change moved = RecordChange(RecordKind::kInterviewNote, id, "li", 1, 2, H(5));
  moved.body.mutable_record()->mutable_area()->set_county_code("640521");
  EXPECT_TRUE(StatusIs(r.state->CheckRevision(moved.body.record()),
                       absl::StatusCode::kFailedPrecondition,
                       "cannot move the record from county 640522 to 640521"));
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

  FS_ASSERT_OK(r.state->Remove(s3.stamp, s3.body));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s2.stamp);
  EXPECT_EQ(head->revisions, 2);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));

  FS_ASSERT_OK(r.state->Remove(s1.stamp, s1.body));
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s2.stamp);
  EXPECT_EQ(head->revisions, 1);

  FS_ASSERT_OK(r.state->Remove(s2.stamp, s2.body));
  EXPECT_TRUE(StatusIs(r.state->GetRecord(id), absl::StatusCode::kNotFound,
                       "no such record"));
  EXPECT_TRUE(DumpOf(r.db.get()).records.empty());
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

  FS_ASSERT_OK(r.state->Remove(b.stamp, b.body));
  // Exactly as if B had never arrived: A wins again and is no conflict.
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({a})) << DumpOf(r.db.get());
}

TEST_F(DerivedStateTest, RemoveLosingEntityWriteClearsConflict) {
  const Change a =
      EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "一班"}}, 1, 1, H(10));
  const Change b =
      EditChange(v1::ENTITY_TYPE_CLASS, "C", {{"name", "二班"}}, 2, 1, H(20));
  Replica& r = NewReplica();
  ApplyAll(r, {b, a});
  FS_ASSERT_OK(r.state->Remove(a.stamp, a.body));
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({b})) << DumpOf(r.db.get());
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

  const Stamp old = s2.stamp;
  FS_ASSERT_OK(r.state->Restamp(old, H(50), s2.body));
  head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_TRUE(head->head == s1.stamp);
  EXPECT_EQ(head->revisions, 2);  // a restamp is no new revision

  s2.stamp.hlc = H(50);
  EXPECT_TRUE(DumpOf(r.db.get()) == DumpAfter({s1, s2}));
}

TEST_F(DerivedStateTest, RestampRecordKeepsHeadWhenStillGreatest) {
  const std::string id = RecordIdAt(0);
  const Change s1 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 1, H(100));
  const Change s2 =
      RecordChange(RecordKind::kSpotCheck, id, "li", 1, 2, H(900000), "2");
  Replica& r = NewReplica();
  ApplyAll(r, {s1, s2});
  FS_ASSERT_OK(
      r.state->Restamp(s2.stamp, H(300000), s2.body));
  auto head = r.state->GetRecord(id);
  FS_ASSERT_OK(head);
  EXPECT_EQ(head->head.hlc, H(300000));
  EXPECT_EQ(head->head.device_seq, 2u);
  EXPECT_EQ(head->revisions, 2);
}

TEST_F(DerivedStateTest, RestampEntityWriteReresolvesTheField) {
  const Change a = EditChange(v1::ENTITY_TYPE_TRAINEE, "T", {{"employer", "A"}},
                              1, 1, H(1000));
  // B's clock is far ahead, so B wins until it is restamped.
  Change b = EditChange(v1::ENTITY_TYPE_TRAINEE, "T",
                        {{"employer", "B"}, {"phone", "9"}}, 2, 1, H(5000000));
  Replica& r = NewReplica();
  ApplyAll(r, {a, b});
  const Stamp old = b.stamp;
  FS_ASSERT_OK(r.state->Restamp(old, H(800), b.body));
  b.stamp.hlc = H(800);
  const Dump got = DumpOf(r.db.get());
  const Dump want = DumpAfter({a, b});
  EXPECT_TRUE(got == want) << "got:\n" << got << "\nwant:\n" << want;
  // Now A wins and B is the flagged concurrent write.
  ASSERT_EQ(got.field_writes.size(), 3u);
  EXPECT_TRUE(absl::EndsWith(got.field_writes[0], "|A|0|1|0")) << got;
  EXPECT_TRUE(absl::EndsWith(got.field_writes[1], "|B|0|0|1")) << got;
}

}  // namespace
}  // namespace fieldsync
