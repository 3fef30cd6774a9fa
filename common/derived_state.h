// The state every replica derives from its set of changes, kept in SQLite
// tables that the server store and the client store share:
//
//   records      one row per observation record: its kind, its number of
//                revisions and the locator of its current revision (the
//                greatest stamp, merge.h). The locator is the caller's key of
//                the change row that holds the body; what that row holds (the
//                stamp, the county and the author) is not repeated here, and
//                is read through the caller's RevisionReader when a revision
//                arrives (schema version 3 of both stores; a slimmer row makes
//                storing a new record cheaper, the common case).
//   entities     one row per entity (type, id, county); an entity belongs to
//                one county: an edit naming another is refused
//   field_writes every write to an entity field held, with two derived
//                flags: is_winner (the field's current value) and
//                is_conflict (a concurrent losing write, kept for review)
//   reviews      every review held of a record (review_state.h): verdict,
//                author, text and the revision it was made on; a record's
//                review state is derived from them when read
//
// Rules: where a change is decided (the server receiving it, a device saving
// its own) the caller passes RuleSet::kDecide, and every rule applies; where
// a replica applies a change the server already accepted (the feed) it
// passes kFeed, and only the order-free rules 1-4 apply (review_state.h).
//
// Contract: Apply() is called exactly once per change the caller stores, in
// the same transaction (the callers' change tables have unique origins, so
// a change is stored once). Applying a set of changes in any order leaves the
// same rows. A change that breaks a revision rule (revision_rules.h) is
// refused before anything is written: the calls that apply a change return
// a RuleVerdict inside their status, so "the change breaks a rule" (reject
// it, go on) and "the store failed" (stop) are told apart by type, never by
// status code.
// Not thread-safe: one per Db, used under the caller's lock.
#ifndef FIELDSYNC_COMMON_DERIVED_STATE_H_
#define FIELDSYNC_COMMON_DERIVED_STATE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/change_header.h"
#include "common/merge.h"
#include "common/review_state.h"
#include "common/revision_rules.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// A record's identity as fixed by its first revision, and its head.
struct RecordHead {
  int kind = 0;
  std::string county;
  std::string author;
  std::string township;  // of the current revision
  Stamp head;
  int64_t head_locator = 0;
  int64_t revisions = 0;
};

// One revision held of a record, as the caller's store knows it.
struct RevisionRef {
  Stamp stamp;
  int64_t locator = 0;
};

// Lists the revisions the caller holds of a record (rejected ones excluded),
// with their current HLCs. Called only on the rare paths (a clamped or
// rejected revision of a record with several revisions).
using RevisionLister =
    std::function<absl::StatusOr<std::vector<RevisionRef>>(const std::string&)>;

// What the caller's store holds of the change at a locator: its current
// stamp and, for a record, its county and author. Called only for a record's
// current revision, when another revision of it arrives or is checked.
struct HeldRevision {
  Stamp stamp;
  std::string county;
  std::string author;
  std::string township;
};
using RevisionReader =
    std::function<absl::StatusOr<HeldRevision>(int64_t locator)>;

// The HeldRevision of a change row: its stamp and its serialized body.
absl::StatusOr<HeldRevision> HeldRevisionOf(Stamp stamp,
                                            absl::string_view body);

// Version 3 of both stores: drops from an existing records table the
// columns the change rows hold. A no-op when the table is absent or slim.
absl::Status SlimRecordsTable(Db* db);

// Which rules a call applies (see the contract above).
enum class RuleSet {
  kFeed,    // order-free rules only: the change was decided already
  kDecide,  // every rule: the caller decides whether the change is stored
};

class DerivedState {
 public:
  // Creates the tables if absent and prepares the statements. `db` and what
  // `reader` uses must outlive the returned object; `reader` is called under
  // the caller's lock, from the calls below.
  static absl::StatusOr<std::unique_ptr<DerivedState>> Create(
      Db* db, RevisionReader reader);

  // The record's head, NOT_FOUND if no revision of it is held.
  absl::StatusOr<RecordHead> GetRecord(absl::string_view record_id);

  // Whether `edit` may be stored (revision_rules.h, rule 4): a refusal if
  // the entity is held with another county.
  absl::StatusOr<RuleVerdict> CheckEntityEdit(const v1::EntityEdit& edit);

  // Folds one newly stored change into the derived tables; `locator` is the
  // caller's key of its row. The verdict is the refusal (revision_rules.h),
  // having written nothing, when the change breaks a rule; an error status
  // only when the store failed.
  absl::StatusOr<RuleVerdict> Apply(const Stamp& stamp, int64_t locator,
                                    const v1::ChangeBody& body, RuleSet rules);
  // The same for a record known by its header only (change_header.h): what
  // a receiving device uses, so it need not parse whole records.
  absl::StatusOr<RuleVerdict> ApplyRecord(const Stamp& stamp, int64_t locator,
                                          const ChangeHeader& record,
                                          RuleSet rules);

  // Every review held of a record, in stamp order (none: empty).
  absl::StatusOr<std::vector<ReviewEntry>> ReviewsOf(
      absl::string_view record_id);
  // The record as the review rules see it, with its review state;
  // NOT_FOUND if no revision of it is held.
  absl::StatusOr<ReviewedRecord> Reviewed(absl::string_view record_id);

  // A record change as InsertNewRecords takes it: its stamp, by parts, and
  // its header; the bytes it points at outlive the call.
  struct NewRecord {
    uint64_t hlc = 0;
    absl::string_view device_id;
    uint64_t device_seq = 0;
    int64_t locator = 0;
    ChangeHeader header;
  };
  // How many records InsertNewRecords takes at once.
  static constexpr size_t kBulkRecords = 32;
  // The bulk path of ApplyRecord for kBulkRecords first revisions (the
  // common case of an upload or a page): one statement instead of one per
  // record. Returns true when every record was new (distinct ids, none
  // held), having inserted them all, as ApplyRecord would have one by one;
  // false, having written nothing, when any was not: the caller then applies
  // them one by one with ApplyRecord, which applies the revision rules.
  // Each locator must name a change not yet applied to the derived state.
  absl::StatusOr<bool> InsertNewRecords(absl::Span<const NewRecord> records);

  // The change at `old` now orders at `new_hlc` (the server clamped a skewed
  // clock). Call after the caller's own row has the new HLC.
  absl::Status Restamp(const Stamp& old, uint64_t new_hlc,
                       const v1::ChangeBody& body, const RevisionLister& list);

  // Takes a change back out (the server rejected a change this device had
  // applied while pending). Call after the caller marked its row rejected: a
  // record without revisions left disappears, an entity without writes too.
  absl::Status Remove(const Stamp& stamp, const v1::ChangeBody& body,
                      const RevisionLister& list);

  DerivedState(Db* db, RevisionReader reader)
      : db_(db), reader_(std::move(reader)) {}

 private:
  absl::Status Prepare();
  absl::Status ResolveEntityField(const std::string& key,
                                  const std::string& field);
  absl::StatusOr<RuleVerdict> ApplyReview(const Stamp& stamp,
                                          const v1::Review& review,
                                          RuleSet rules);
  // Sets the record's head to its greatest listed revision and its count to
  // the number listed; deletes the record when none are left.
  absl::Status RecomputeHead(const std::string& record_id,
                             const RevisionLister& list);
  absl::Status SetHead(const std::string& record_id, const RevisionRef& head,
                       int64_t revisions);

  Db* db_;
  RevisionReader reader_;
  std::unique_ptr<Stmt> get_record_;
  std::unique_ptr<Stmt> insert_record_;
  std::unique_ptr<Stmt> insert_records_bulk_;
  std::unique_ptr<Stmt> set_head_;
  std::unique_ptr<Stmt> delete_record_;
  std::unique_ptr<Stmt> undo_new_record_;  // InsertNewRecords' undo
  std::unique_ptr<Stmt> get_entity_;
  std::unique_ptr<Stmt> insert_entity_;
  std::unique_ptr<Stmt> delete_entity_if_empty_;
  std::unique_ptr<Stmt> insert_write_;
  std::unique_ptr<Stmt> field_writes_;
  std::unique_ptr<Stmt> set_flags_;
  std::unique_ptr<Stmt> restamp_write_;
  std::unique_ptr<Stmt> delete_write_;
  std::unique_ptr<Stmt> insert_review_;
  std::unique_ptr<Stmt> reviews_of_;
  std::unique_ptr<Stmt> restamp_review_;
  std::unique_ptr<Stmt> delete_review_;
};

// The key of an entity in the derived tables: "<type number>/<id>".
std::string EntityKey(v1::EntityType type, absl::string_view id);
std::string EntityKey(const v1::EntityEdit& edit);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_DERIVED_STATE_H_
