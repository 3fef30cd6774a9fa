// What the tests of DerivedState (derived_state_test.cc,
// derived_state_entity_test.cc, derived_state_remove_test.cc) share: HLCs a
// few milliseconds after a fixed time, a change as a caller stores it, the
// derived tables dumped as text, a replica (a database with its derived state
// and a stand-in for the caller's change table) and the fixture that makes
// them, and builders of record revisions, entity edits and a mixed set of
// changes from three devices.
#ifndef FIELDSYNC_TESTS_COMMON_DERIVED_STATE_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_COMMON_DERIVED_STATE_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <algorithm>
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
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/derived_state.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync::testing {

inline constexpr int64_t kT0 = 1778553000000;  // 2026-05-12, ms

inline uint64_t H(int64_t ms_after_t0, uint64_t logical = 0) {
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

inline std::ostream& operator<<(std::ostream& os, const Dump& d) {
  return os << "records:\n  " << absl::StrJoin(d.records, "\n  ")
            << "\nentities:\n  " << absl::StrJoin(d.entities, "\n  ")
            << "\nfield_writes:\n  " << absl::StrJoin(d.field_writes, "\n  ");
}

inline std::vector<std::string> Rows(Db* db, const std::string& sql,
                                     int columns) {
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

inline Dump DumpOf(Db* db) {
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
    auto verdict = state->Apply(c.stamp, c.locator, c.body, RuleSet::kDecide);
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
inline int64_t LocatorOf(uint8_t dev, uint64_t seq) {
  return static_cast<int64_t>(dev) * 1000 + static_cast<int64_t>(seq);
}

// A record revision: the example of `kind` with a fixed id and author,
// written on device `dev`.
inline Change RecordChange(RecordKind kind, const std::string& id,
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

inline Change EditChange(v1::EntityType type, const std::string& entity_id,
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

inline std::string RecordIdAt(int64_t ms_after_t0) {
  FakeClock clock(kT0 + ms_after_t0);
  return NewRecordId(clock);
}

// A set of changes from three devices: records with several revisions (one
// inspector on two devices, another on a third, two revisions sharing a
// clamped HLC), and entity edits on shared fields, some concurrent, some
// made after seeing the other's value. Locators count down from 500, so
// their order has nothing to do with the stamps' order.
inline std::vector<Change> MixedChanges() {
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
inline std::vector<std::vector<Change>> OrdersOf(
    const std::vector<Change>& changes, int n, uint32_t seed) {
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

inline std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(ch));
  return s;
}

// The records row of a record as DumpOf() prints it.
inline std::string RecordRow(const std::string& id, RecordKind kind,
                             int64_t head_locator, int64_t revisions) {
  return absl::StrCat(Upper(absl::BytesToHexString(id)), "|",
                      static_cast<int>(kind), "|", head_locator, "|",
                      revisions);
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_COMMON_DERIVED_STATE_TEST_SUPPORT_H_
