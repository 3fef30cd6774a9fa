// The write path of one upload batch on the SQLite server store
// (SqliteServerStore::ApplyBatch): one BatchWriter per call decides each
// change of the batch and stores the outcome, in one transaction.
//
// Invariants (those of ServerStore, server_store.h, and of the tables of
// sqlite_server_store.h):
//  * Atomic: the change rows, rejections, origin runs, the audit row and the
//    device's high-water mark commit together or not at all. A gap (the
//    first new device_seq is not high-water + 1) or any storage error
//    returns before the commit, and the transaction rolls back.
//  * Exactly-once: a change at or below the high-water mark is never
//    decided again; its stored outcome is read back (PreviousOutcome), or
//    ALREADY_EXISTS when the device reused the sequence for other bytes.
//    Each new change is decided once, and the mark moves past it.
//  * Feed order: accepted changes get consecutive server_seq from the
//    store's next one, in batch order; Result::next_seq is the one after the
//    last, for the store to adopt only once the batch has committed.
//  * Origin runs: each maximal run of accepted changes, consecutive in both
//    device_seq and server_seq, is one origin_runs row; a rejection ends the
//    current run (it takes a device_seq but no server_seq).
//  * The bulk path decides as one-by-one would: when the next
//    DerivedState::kBulkRecords changes are all new records that passed the
//    service's checks, they are stored in one statement only if
//    DerivedState::InsertNewRecords finds none of their ids held (so no
//    revision rule could refuse one); otherwise those changes go one by one
//    through the revision rules. BulkPathDecidesAsOneByOne (tests/server/
//    sqlite_server_store_test.cc) pins this.
//
// Not thread-safe: the caller holds its store's lock for the whole Write.
// No heap allocation per change beyond its outcome, no std::function.
#ifndef FIELDSYNC_SERVER_BATCH_WRITER_H_
#define FIELDSYNC_SERVER_BATCH_WRITER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/derived_state.h"
#include "common/sqlite_db.h"
#include "fieldsync/v1/sync.pb.h"
#include "server/audit_log.h"
#include "server/device_rows.h"
#include "server/server_store.h"

namespace fieldsync {

// The statements only the batch writer runs, prepared once by the store
// (Prepare) and kept for its lifetime.
struct BatchStatements {
  static absl::StatusOr<BatchStatements> Prepare(Db* db);

  std::unique_ptr<Stmt> insert_change;  // one change row (change_row.h)
  // DerivedState::kBulkRecords change rows in one statement.
  std::unique_ptr<Stmt> insert_changes_bulk;
  std::unique_ptr<Stmt> insert_rejection;
  std::unique_ptr<Stmt> find_change;  // by origin, through origin_runs
  std::unique_ptr<Stmt> insert_run;
  std::unique_ptr<Stmt> find_rejection;
};

class BatchWriter {
 public:
  // What the writer borrows from its store for one batch; everything
  // outlives the Write call and is used under the store's lock.
  struct Store {
    Db* db;
    DerivedState* derived;
    BatchStatements* statements;
    DeviceRows* devices;  // the device's high-water mark
    AuditLog* audit;      // the upload's audit row
  };

  struct Result {
    std::vector<v1::ChangeOutcome> outcomes;  // one per change, in order
    uint64_t high_water = 0;  // the device's mark after the batch
    uint64_t next_seq = 0;    // the store's next server_seq after it
  };

  // Decides and stores `changes` (see ServerStore::ApplyBatch for the
  // contract) from the device of `context`, numbering accepted changes from
  // `next_seq`, and commits. May set a change's withhold_body (a permission
  // refusal keeps only the body's hash).
  static absl::StatusOr<Result> Write(const Store& store,
                                      const BatchContext& context,
                                      uint64_t next_seq,
                                      std::vector<PreparedChange>& changes);

  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

 private:
  static constexpr size_t kBulk = DerivedState::kBulkRecords;

  // The current run of accepted changes (see origin_runs); first_device_seq
  // 0 when there is none.
  struct Run {
    uint64_t first_device_seq = 0, last_device_seq = 0, first_seq = 0;
  };

  BatchWriter(const Store& store, const BatchContext& context,
              uint64_t next_seq, std::vector<PreparedChange>& changes);

  // FAILED_PRECONDITION when the device is not registered.
  absl::Status ReadHighWater();
  absl::Status DecideAll();
  // The bulk path for changes_[i, i + kBulk): true when it stored them all;
  // false, having stored nothing, when they go one by one.
  absl::StatusOr<bool> TryBulk(size_t i);
  absl::Status StoreAcceptedBulk(size_t i);
  // One change, old (its previous outcome) or the next new one.
  absl::Status DecideOne(PreparedChange& c);
  absl::StatusOr<v1::ChangeOutcome> PreviousOutcome(const PreparedChange& c);
  absl::Status StoreAccepted(const PreparedChange& c);
  // Notes an accepted change whose row is stored at seq_, and its outcome.
  void NoteAccepted(const PreparedChange& c);
  absl::Status Reject(PreparedChange& c, const absl::Status& why);
  absl::Status FlushRun();
  // After the last change: the last run, the audit row, the high-water.
  absl::Status Finish();
  absl::Status InsertAudit(const std::string& detail);
  absl::Status WriteHighWater();

  const Store store_;
  BatchStatements& stmts_;
  const BatchContext& context_;
  std::vector<PreparedChange>& changes_;
  const uint64_t first_seq_;   // the store's next server_seq at the start
  uint64_t seq_;               // the next server_seq
  uint64_t hw_ = 0;            // the device's high-water mark
  uint64_t first_new_hw_ = 0;  // the mark at the start
  uint64_t denied_ = 0;        // rejections that keep no body
  int64_t clamped_ = 0;        // accepted changes with a clamped clock
  Run run_;
  std::vector<v1::ChangeOutcome> outcomes_;
  // The bulk path takes changes one by one before this index.
  size_t one_by_one_until_ = 0;
  std::array<DerivedState::NewRecord, kBulk> bulk_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_BATCH_WRITER_H_
