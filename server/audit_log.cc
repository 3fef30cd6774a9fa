#include "server/audit_log.h"

#include "common/sqlite_db.h"
#include "common/status_macros.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Prepare(Db* db) {
  FS_ASSIGN_OR_RETURN(
      std::unique_ptr<Stmt> insert,
      db->PrepareKept("INSERT INTO audit(at_ms, actor, device_id, action, "
                      "detail) VALUES(?,?,?,?,?)"));
  return std::make_unique<AuditLog>(PrivateTag{}, db, std::move(insert));
}

AuditLog::AuditLog(PrivateTag, Db* db, std::unique_ptr<Stmt> insert)
    : db_(db), insert_(std::move(insert)) {}

AuditLog::~AuditLog() = default;

absl::Status AuditLog::Append(const AuditEntry& e) {
  Stmt& ins = *insert_;
  ins.Bind(1, e.at_ms).BindText(2, e.actor);
  if (e.device_id.empty()) {
    ins.BindNull(3);
  } else {
    ins.BindBlob(3, e.device_id);
  }
  ins.BindText(4, e.action).BindText(5, e.detail);
  return ins.Run();
}

absl::StatusOr<std::vector<AuditEntry>> AuditLog::List(const AuditFilter& f) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT seq, at_ms, actor, device_id, action, "
                           "detail FROM audit WHERE seq > ?1 "
                           "AND (?2 = '' OR actor = ?2) "
                           "AND (?3 = '' OR action = ?3) "
                           "AND at_ms >= ?4 AND (?5 = 0 OR at_ms < ?5) "
                           "ORDER BY seq LIMIT ?6"));
  q.Bind(1, f.after_seq)
      .BindText(2, f.actor)
      .BindText(3, f.action)
      .Bind(4, f.since_ms)
      .Bind(5, f.until_ms)
      .Bind(6, f.limit);
  std::vector<AuditEntry> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    AuditEntry e;
    e.seq = q.Int(0);
    e.at_ms = q.Int(1);
    e.actor = q.Text(2);
    e.device_id = q.IsNull(3) ? "" : q.Blob(3);
    e.action = q.Text(4);
    e.detail = q.Text(5);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace fieldsync
