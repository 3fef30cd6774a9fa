// The state every replica derives from its set of changes, kept in SQLite
// tables that the server store and the client store share:
//
//   records      one row per observation record: kind, area, author, and the
//                stamp of its current revision (the greatest stamp, merge.h)
//   revisions    one row per revision held (record id, origin, hlc): what
//                makes Apply idempotent and lets a head be recomputed
//   entities     one row per entity (type, id, county); the county is the one
//                named by the edit with the least stamp, so it does not
//                depend on arrival order (the server also refuses an edit
//                that would move a known entity to another county)
//   field_writes every write to an entity field ever seen, with two derived
//                flags: is_winner (the field's current value) and
//                is_conflict (a concurrent losing write, kept for review)
//
// Apply() is idempotent per stamp and commutative: applying the same set of
// changes in any order leaves the same rows. Callers hold the transaction that
// also stores the change itself, so derived state never drifts from it.
// Not thread-safe: one per Db, used under the caller's lock.
#ifndef FIELDSYNC_COMMON_DERIVED_STATE_H_
#define FIELDSYNC_COMMON_DERIVED_STATE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/merge.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// A record's identity as fixed by its first revision.
struct RecordHead {
  int kind = 0;
  std::string county;
  std::string author;
  Stamp head;
  int64_t revisions = 0;
};

class DerivedState {
 public:
  // Creates the tables if absent and prepares the statements. `db` must
  // outlive the returned object.
  static absl::StatusOr<std::unique_ptr<DerivedState>> Create(Db* db);

  // The record's head, NOT_FOUND if no revision of it is held.
  absl::StatusOr<RecordHead> GetRecord(absl::string_view record_id);

  // Whether `record` may be stored as a revision of what is held: OK for a new
  // record or a revision by the same author with the same kind and county;
  // PERMISSION_DENIED when another author revises; FAILED_PRECONDITION when
  // the kind or county would change.
  absl::Status CheckRevision(const v1::Record& record);
  // Whether `edit` may be stored: FAILED_PRECONDITION if the entity is held
  // with another county (an entity belongs to one county).
  absl::Status CheckEntityEdit(const v1::EntityEdit& edit);

  // Folds one accepted change into the derived tables.
  absl::Status Apply(const Stamp& stamp, const v1::ChangeBody& body);

  // The change at `old` now orders at `new_hlc` (the server clamped a skewed
  // clock): its revision or field writes move, and heads and winners are
  // recomputed.
  absl::Status Restamp(const Stamp& old, uint64_t new_hlc,
                       const v1::ChangeBody& body);

  // Takes a change back out (the server rejected a change this device had
  // applied while pending): a record without revisions left disappears, an
  // entity without writes left too.
  absl::Status Remove(const Stamp& stamp, const v1::ChangeBody& body);

  explicit DerivedState(Db* db) : db_(db) {}

 private:
  absl::Status Prepare();
  absl::Status ResolveEntityField(const std::string& key,
                                  const std::string& field);
  // Sets the record's head to its greatest revision and its count to the
  // revisions held; deletes the record when none are left.
  absl::Status RecomputeHead(const std::string& record_id);

  Db* db_;
  std::unique_ptr<Stmt> get_record_;
  std::unique_ptr<Stmt> insert_record_;
  std::unique_ptr<Stmt> update_head_;
  std::unique_ptr<Stmt> insert_entity_;
  std::unique_ptr<Stmt> insert_write_;
  std::unique_ptr<Stmt> field_writes_;
  std::unique_ptr<Stmt> set_flags_;
  std::unique_ptr<Stmt> restamp_write_;
  std::unique_ptr<Stmt> delete_record_;
  std::unique_ptr<Stmt> delete_write_;
  std::unique_ptr<Stmt> insert_revision_;
  std::unique_ptr<Stmt> revision_stamps_;
  std::unique_ptr<Stmt> move_revision_;
  std::unique_ptr<Stmt> delete_revision_;
  std::unique_ptr<Stmt> set_head_;
  std::unique_ptr<Stmt> get_entity_;
  std::unique_ptr<Stmt> delete_entity_if_empty_;
};

// The key of an entity in the derived tables: "<type number>/<id>".
std::string EntityKey(const v1::EntityEdit& edit);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_DERIVED_STATE_H_
