// The audit trail: the one writer of the server database's `audit` table
// (server_schema.h), shared by the account store and the sync store.
//
// Invariant: rows are only ever appended (the schema's triggers abort any
// UPDATE, DELETE or overwrite); `seq` grows with every row, so it orders the
// trail and is the cursor of ListAudit. Append writes in the caller's
// transaction when there is one, so an audited change and its row commit
// together or not at all. Actors, details and device ids are stored
// verbatim (bound parameters only; no SQL is built from them).
//
// One AuditLog per connection, prepared once on it (Prepare). Not
// thread-safe: its owner uses it under the lock that guards the connection.
// The header names no SQLite type, so the record types below are the
// storage-neutral ones an AccountStore of any kind speaks.
#ifndef FIELDSYNC_SERVER_AUDIT_LOG_H_
#define FIELDSYNC_SERVER_AUDIT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fieldsync {

class Db;
class Stmt;

struct AuditEntry {
  int64_t seq = 0;  // assigned by Append; ignored there
  int64_t at_ms = 0;
  std::string actor;      // a user name, or "admin:<os user>" for the CLI
  std::string device_id;  // 16 bytes, or empty (stored as NULL)
  std::string action;     // login, login_failed, upload, set_areas, ...
  std::string detail;
};

struct AuditFilter {
  std::string actor;   // exact; empty = any
  std::string action;  // exact; empty = any
  int64_t since_ms = 0;
  int64_t until_ms = 0;  // 0 = no bound
  int64_t after_seq = 0;
  int limit = 100;
};

class AuditLog {
 public:
  // The log on `db` (which must outlive it), its insert prepared once.
  // The error of preparing it (INTERNAL when the table is missing).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Prepare(Db* db);

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  ~AuditLog();

  // Appends one row (entry.seq is ignored: the table assigns it). The
  // database's error if it cannot be written.
  absl::Status Append(const AuditEntry& entry);

  // The rows matching `filter`, oldest first (ascending seq), at most
  // filter.limit of them.
  absl::StatusOr<std::vector<AuditEntry>> List(const AuditFilter& filter);

 private:
  struct PrivateTag {};  // only Prepare constructs

 public:
  AuditLog(PrivateTag, Db* db, std::unique_ptr<Stmt> insert);

 private:
  Db* const db_;
  const std::unique_ptr<Stmt> insert_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_AUDIT_LOG_H_
