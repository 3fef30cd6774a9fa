#include "common/derived_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// One change as a caller stores it: its stamp, its body and the key of its
// row in the caller's change table (the locator).
struct Change {
  Stamp stamp;
  int64_t locator = 0;
  v1::ChangeBody body;
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
                   "SELECT hex(record_id), kind, head_locator, revisions "
                   "FROM records ORDER BY record_id",
                   4);
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

// One SQLite database with its derived state, and a stand-in for the
// caller's change table: locator -> the change's current stamp and whether
// it was rejected. The table's locators are unique, so every change is
// applied once, as derived_state.h requires.
struct Replica {
  struct Held {
    Stamp stamp;
    bool rejected = false;
    std::string record_id;  // empty for an entity edit
    std::string body;       // serialized
  };

  std::unique_ptr<Db> db;
  std::unique_ptr<DerivedState> state;
  std::map<int64_t, Held> table;
  int lister_calls = 0;

  // Stores `c` (once: a locator already held fails the test) and applies it;
  // a refused change is not stored, as a caller rejects it.
  absl::Status Store(const Change& c) {
    EXPECT_EQ(table.count(c.locator), 0u)
        << "locator " << c.locator << " stored twice";
    if (table.count(c.locator) != 0) {
      return absl::AlreadyExistsError("locator held already");
    }
    auto verdict = state->Apply(c.stamp, c.locator, c.body);
    if (!verdict.ok()) return verdict.status();
    if (verdict->has_value()) return (*verdict)->ToStatus();
    table[c.locator] =
        Held{c.stamp, false, c.body.has_record() ? c.body.record().id() : "",
             c.body.SerializeAsString()};
    return absl::OkStatus();
  }

  // What the table holds at a locator, as the callers' readers answer.
  RevisionReader Reader() {
    return [this](int64_t locator) -> absl::StatusOr<HeldRevision> {
      auto it = table.find(locator);
      if (it == table.end()) {
        return absl::NotFoundError(absl::StrCat("locator ", locator));
      }
      return HeldRevisionOf(it->second.stamp, it->second.body);
    };
  }

  // The revisions held of a record, rejected ones excluded, with their
  // current HLCs, as the callers' listers answer.
  RevisionLister Lister() {
    return [this](const std::string& record_id)
               -> absl::StatusOr<std::vector<RevisionRef>> {
      ++lister_calls;
      std::vector<RevisionRef> out;
      for (const auto& [locator, held] : table) {
        if (held.rejected || held.record_id != record_id) continue;
        out.push_back(RevisionRef{held.stamp, locator});
      }
      return out;
    };
  }

  // The server rejected `c`: mark its row, then take it out.
  absl::Status Reject(const Change& c) {
    auto it = table.find(c.locator);
    EXPECT_TRUE(it != table.end()) << "locator " << c.locator << " not held";
    if (it == table.end()) return absl::NotFoundError("not held");
    it->second.rejected = true;
    return state->Remove(it->second.stamp, c.body, Lister());
  }

  // The server clamped `c` to `new_hlc`: update its row, then restamp.
  absl::Status Clamp(const Change& c, uint64_t new_hlc) {
    auto it = table.find(c.locator);
    EXPECT_TRUE(it != table.end()) << "locator " << c.locator << " not held";
    if (it == table.end()) return absl::NotFoundError("not held");
    const Stamp old = it->second.stamp;
    it->second.stamp.hlc = new_hlc;
    return state->Restamp(old, new_hlc, c.body, Lister());
  }
};

class DerivedStateTest : public ::testing::Test {
 protected:
  // A new replica in its own database file.
  Replica& NewReplica() {
    auto db =
        Db::Open(dir_.Sub(absl::StrCat("replica", replicas_.size(), ".db")));
    EXPECT_TRUE(db.ok()) << db.status();
    auto r = std::make_unique<Replica>();
    r->db = std::move(*db);
    auto state = DerivedState::Create(r->db.get(), r->Reader());
    EXPECT_TRUE(state.ok()) << state.status();
    r->state = std::move(*state);
    replicas_.push_back(std::move(r));
    return *replicas_.back();
  }

  // Stores and applies `changes` in order in one transaction.
  static void ApplyAll(Replica& r, const std::vector<Change>& changes) {
    auto tx = Transaction::Begin(r.db.get());
    ASSERT_TRUE(tx.ok()) << tx.status();
    for (const Change& c : changes) {
      FS_ASSERT_OK(r.Store(c));
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

// The default locator of a change by device `dev` with sequence `seq`: a
// distinct positive integer per change.
int64_t LocatorOf(uint8_t dev, uint64_t seq) {
  return static_cast<int64_t>(dev) * 1000 + static_cast<int64_t>(seq);
}

// A record revision: the example of `kind` with a fixed id and author,
// written on device `dev`.
Change RecordChange(RecordKind kind, const std::string& id,
                    const std::string& author, uint8_t dev, uint64_t seq,
                    uint64_t hlc, const std::string& notes = "") {
  Change c;
  c.stamp = Stamp{hlc, DeviceIdOf(dev), seq};
  c.locator = LocatorOf(dev, seq);
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
  c.locator = LocatorOf(dev, seq);
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
// made after seeing the other's value. Locators count down from 500, so
// their order has nothing to do with the stamps' order.
std::vector<Change> MixedChanges() {
  const std::string r1 = RecordIdAt(0);
  const std::string r2 = RecordIdAt(1);
  const std::string r3 = RecordIdAt(2);
  const std::string r4 = RecordIdAt(3);
  constexpr auto kTrainee = v1::ENTITY_TYPE_TRAINEE;
  constexpr auto kClass = v1::ENTITY_TYPE_CLASS;
  constexpr auto kInst = v1::ENTITY_TYPE_INSTITUTION;
  // Device 1 and 2: inspector li; device 3: inspector wang.
  std::vector<Change> changes = {
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
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i].locator = 500 - static_cast<int64_t>(i);
  }
  return changes;
}

// `changes` in the reverse order and in `n` shuffled orders.
std::vector<std::vector<Change>> OrdersOf(const std::vector<Change>& changes,
                                          int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<Change>> orders;
  orders.push_back(std::vector<Change>(changes.rbegin(), changes.rend()));
  for (int i = 0; i < n; ++i) {
    std::vector<Change> c = changes;
    std::shuffle(c.begin(), c.end(), rng);
    orders.push_back(std::move(c));
  }
  return orders;
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(ch));
  return s;
}

// The records row of a record as DumpOf() prints it.
std::string RecordRow(const std::string& id, RecordKind kind,
                      int64_t head_locator, int64_t revisions) {
  return absl::StrCat(Upper(absl::BytesToHexString(id)), "|",
                      static_cast<int>(kind), "|", head_locator, "|",
                      revisions);
}

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
        ChangeHeader{KindOf(r), r.id(), r.area().county_code(), r.author()}});
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
    FS_ASSERT_OK((*state)->Apply(c.stamp, c.locator, c.body));
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
    auto verdict = r.state->Apply(c.stamp, c.locator, c.body);
    FS_ASSERT_OK(verdict);
    EXPECT_FALSE(verdict->has_value()) << verdict->value().message;
  }
  const Dump got = DumpOf(r.db.get());
  EXPECT_TRUE(got == once) << "got:\n" << got << "\nwant:\n" << once;
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
      (*failing)->Apply(s2.stamp, s2.locator, s2.body),
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
