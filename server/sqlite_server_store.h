// The embedded server store: one SQLite database in WAL mode
// (synchronous=FULL, so an outcome the server returned survives a crash).
//
// Tables (schema version kServerSchemaVersion, PRAGMA user_version):
//   meta        key/value: server_id
//   devices     device id -> label, author, high-water mark, clock offset
//               and flag, count of clamped changes
//   changes     the change feed: seq (INTEGER PRIMARY KEY = server_seq),
//               origin (device id, device seq), kind, county, township,
//               effective hlc,
//               flags, received time, body (byte-exact)
//   origin_runs (device id, first device seq) -> last device seq, first
//               server seq: a batch's accepted changes are consecutive in
//               both sequences, so one row per run finds any change by its
//               origin (for retries) without an index entry per change
//   rejections  (device id, device seq) -> code, reason, body (or, for a
//               change outside the sender's rights, only body_hash)
//   audit       one row per batch that decided anything (see ApplyBatch;
//               its text: upload_audit.h)
//   + the account tables (account_store.h) and the shared derived tables of
//   common/derived_state.h; server_schema.h creates and migrates them all.
//
// ApplyBatch is a BatchWriter (batch_writer.h) over the statements this store
// prepares once; ReadFeed's filtered query comes from feed_query.h.
//
// One connection, serialised by a mutex: SQLite allows one writer at a time
// anyway, and a batch is one transaction. Admin tools may open the same file
// from another process (WAL readers do not block the writer).
#ifndef FIELDSYNC_SERVER_SQLITE_SERVER_STORE_H_
#define FIELDSYNC_SERVER_SQLITE_SERVER_STORE_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/derived_roster_view.h"
#include "common/derived_state.h"
#include "common/sqlite_db.h"
#include "server/audit_log.h"
#include "server/batch_writer.h"
#include "server/device_rows.h"
#include "server/server_store.h"

namespace fieldsync {

class SqliteServerStore final : public ServerStore {
 public:
  // Opens or creates the store at `path`. FAILED_PRECONDITION if the file was
  // made by a newer schema; DATA_LOSS if it is not a database.
  static absl::StatusOr<std::unique_ptr<SqliteServerStore>> Open(
      const std::string& path);

  const std::string& server_id() const override { return server_id_; }
  absl::StatusOr<uint64_t> RegisterDevice(const DeviceHello& hello) override;
  absl::StatusOr<std::vector<v1::ChangeOutcome>> ApplyBatch(
      const BatchContext& context, std::vector<PreparedChange>& changes,
      uint64_t* high_water) override;
  absl::Status ReadFeed(uint64_t after, uint64_t up_to, uint32_t limit,
                        uint64_t max_bytes, const std::string& reader,
                        const AreaSet& areas, v1::DownloadPage* page) override;
  absl::StatusOr<uint64_t> FeedHead() override;
  absl::StatusOr<StoreSummary> Summarize() override;
  absl::StatusOr<RosterEntity> LookupEntity(v1::EntityType type,
                                            const std::string& id) override;

  explicit SqliteServerStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

 private:
  absl::Status Init();

  absl::Mutex mu_;
  std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DerivedState> derived_ ABSL_GUARDED_BY(mu_);
  std::string server_id_;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;  // the next server_seq
  // What ApplyBatch's BatchWriter runs besides the devices and audit ones.
  BatchStatements batch_statements_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Stmt> read_feed_;    // the unfiltered feed (feed_query.h)
  std::unique_ptr<Stmt> read_change_;  // by seq, for derived_'s reader
  // The writers of the audit trail (the upload rows) and of the device
  // registrations (handshakes) on this connection; used under mu_.
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<DerivedRosterView> roster_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DeviceRows> devices_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SQLITE_SERVER_STORE_H_
