// SqliteAccountStore: the failed-login counters (login_attempts), one row per
// user name that failed recently (existing or not), and the audit rows of
// refused logins.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/sqlite_account_store.h"

namespace fieldsync {

absl::Status SqliteAccountStore::ClearAttemptsLocked(const std::string& name) {
  FS_ASSIGN_OR_RETURN(
      Stmt del, db_->Prepare("DELETE FROM login_attempts WHERE name = ?"));
  del.BindText(1, name);
  return del.Run();
}

absl::Status SqliteAccountStore::Unlock(const std::string& name,
                                        const std::string& actor,
                                        int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_RETURN_IF_ERROR(ClearAttemptsLocked(name));
  FS_RETURN_IF_ERROR(audit_->Append(
      {0, now_ms, actor, "", "unlock", absl::StrCat("user ", name)}));
  return tx.Commit();
}

absl::StatusOr<LoginDecision> SqliteAccountStore::CountLoginAttempt(
    const std::string& name, const std::string& device_id, int64_t now_ms,
    int64_t forget_after_ms,
    const std::function<LoginDecision(const LoginAttempts&)>& decide) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  {
    FS_ASSIGN_OR_RETURN(Stmt prune,
                        db_->Prepare("DELETE FROM login_attempts WHERE "
                                     "last_failure_ms < ?1 AND "
                                     "locked_until_ms < ?2"));
    prune.Bind(1, now_ms - forget_after_ms).Bind(2, now_ms);
    FS_RETURN_IF_ERROR(prune.Run());
  }
  LoginAttempts before;
  {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db_->Prepare("SELECT failures, last_failure_ms, "
                                     "locked_until_ms FROM login_attempts "
                                     "WHERE name = ?"));
    q.BindText(1, name);
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      before.failures = q.Int(0);
      before.last_failure_ms = q.Int(1);
      before.locked_until_ms = q.Int(2);
    }
  }
  LoginDecision d = decide(before);
  if (!d.allowed) {
    FS_RETURN_IF_ERROR(audit_->Append(
        {0, now_ms, name, device_id, "login_refused", d.refusal}));
  } else {
    FS_ASSIGN_OR_RETURN(
        Stmt up,
        db_->Prepare("INSERT INTO login_attempts(name, failures, "
                     "last_failure_ms, locked_until_ms) VALUES(?1,?2,?3,?4) "
                     "ON CONFLICT(name) DO UPDATE SET failures = ?2, "
                     "last_failure_ms = ?3, locked_until_ms = ?4"));
    up.BindText(1, name)
        .Bind(2, d.after.failures)
        .Bind(3, d.after.last_failure_ms)
        .Bind(4, d.after.locked_until_ms);
    FS_RETURN_IF_ERROR(up.Run());
  }
  FS_RETURN_IF_ERROR(tx.Commit());
  return d;
}

absl::Status SqliteAccountStore::RecordRefusedLogin(
    const std::string& name, const std::string& device_id,
    const std::string& detail, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  return audit_->Append({0, now_ms, name, device_id, "login_refused", detail});
}

}  // namespace fieldsync
