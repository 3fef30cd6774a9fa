// SqliteAccountStore: opening, users and their areas, the audit trail.
#include "server/sqlite_account_store.h"

#include <algorithm>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/areas.h"
#include "common/roles.h"
#include "common/status_macros.h"
#include "server/server_schema.h"

namespace fieldsync {
namespace {

absl::StatusOr<std::vector<std::string>> NormalizeAreas(
    std::vector<std::string> areas) {
  for (const std::string& a : areas) FS_RETURN_IF_ERROR(ValidateAreaCode(a));
  std::sort(areas.begin(), areas.end());
  areas.erase(std::unique(areas.begin(), areas.end()), areas.end());
  return areas;
}

absl::Status NoSuchUser(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no user \"", name, "\""));
}

// Sets users.`column` (a column name of this file, never input) of one user
// to `value` (text or a number).
template <typename Value>
absl::Status SetUserColumn(Db& db, int64_t user_id, absl::string_view column,
                           const Value& value) {
  FS_ASSIGN_OR_RETURN(Stmt up,
                      db.Prepare(absl::StrCat("UPDATE users SET ", column,
                                              " = ? WHERE user_id = ?")));
  if constexpr (std::is_convertible_v<const Value&, absl::string_view>) {
    up.BindText(1, value);
  } else {
    up.Bind(1, static_cast<int64_t>(value));
  }
  up.Bind(2, user_id);
  return up.Run();
}

// The audit row of a user change; UpdateUser fills in when and by whom.
AuditEntry UserChanged(std::string action, std::string detail) {
  AuditEntry e;
  e.action = std::move(action);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteAccountStore>> SqliteAccountStore::Open(
    const std::string& path) {
  FS_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenServerDb(path));
  FS_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> audit,
                      AuditLog::Prepare(db.get()));
  FS_ASSIGN_OR_RETURN(std::unique_ptr<DeviceRows> devices,
                      DeviceRows::Prepare(db.get()));
  return std::make_unique<SqliteAccountStore>(
      PrivateTag{}, std::move(db), std::move(audit), std::move(devices));
}

std::string SqliteAccountStore::AreasText(
    const std::vector<std::string>& areas) {
  return areas.empty() ? "(none)" : absl::StrJoin(areas, ",");
}

absl::Status SqliteAccountStore::Audit(const AuditEntry& entry) {
  absl::MutexLock lock(&mu_);
  return audit_->Append(entry);
}

absl::StatusOr<std::vector<AuditEntry>> SqliteAccountStore::ListAudit(
    const AuditFilter& filter) {
  absl::MutexLock lock(&mu_);
  return audit_->List(filter);
}

absl::Status SqliteAccountStore::WriteAreas(
    int64_t user_id, const std::vector<std::string>& areas) {
  FS_ASSIGN_OR_RETURN(Stmt del,
                      db_->Prepare("DELETE FROM user_areas WHERE user_id = ?"));
  del.Bind(1, user_id);
  FS_RETURN_IF_ERROR(del.Run());
  FS_ASSIGN_OR_RETURN(
      Stmt ins,
      db_->Prepare("INSERT INTO user_areas(user_id, area) VALUES(?, ?)"));
  for (const std::string& a : areas) {
    ins.Bind(1, user_id).BindText(2, a);
    FS_RETURN_IF_ERROR(ins.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteAccountStore::CreateUser(
    const std::string& name, v1::Role role, const std::string& pw_hash,
    std::vector<std::string> areas, const std::string& actor, int64_t now_ms) {
  FS_RETURN_IF_ERROR(ValidateUserName(name));
  if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    return absl::InvalidArgumentError("a user needs a role");
  }
  FS_ASSIGN_OR_RETURN(areas, NormalizeAreas(std::move(areas)));
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(Stmt ins,
                      db_->Prepare("INSERT INTO users(name, role, pw_hash, "
                                   "created_ms, updated_ms) VALUES(?,?,?,?,?) "
                                   "ON CONFLICT(name) DO NOTHING"));
  ins.BindText(1, name)
      .Bind(2, role)
      .BindText(3, pw_hash)
      .Bind(4, now_ms)
      .Bind(5, now_ms);
  FS_RETURN_IF_ERROR(ins.Run());
  if (db_->Changes() == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("user \"", name, "\" already exists"));
  }
  const int64_t id = db_->LastInsertRowId();
  FS_RETURN_IF_ERROR(WriteAreas(id, areas));
  FS_RETURN_IF_ERROR(
      audit_->Append({0, now_ms, actor, "", "user_created",
                      absl::StrCat("user ", name, " role ", RoleName(role),
                                   " areas ", AreasText(areas))}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return id;
}

absl::StatusOr<UserRecord> SqliteAccountStore::GetUserLocked(
    const std::string& name) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT user_id, role, disabled, pw_hash, "
                           "created_ms, updated_ms FROM users WHERE name = ?"));
  q.BindText(1, name);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return NoSuchUser(name);
  UserRecord u;
  u.user_id = q.Int(0);
  u.name = name;
  u.role = static_cast<v1::Role>(q.Int(1));
  u.disabled = q.Int(2) != 0;
  u.pw_hash = q.Text(3);
  u.created_ms = q.Int(4);
  u.updated_ms = q.Int(5);
  FS_ASSIGN_OR_RETURN(
      Stmt a, db_->Prepare("SELECT area FROM user_areas WHERE user_id = ? "
                           "ORDER BY area"));
  a.Bind(1, u.user_id);
  while (true) {
    FS_ASSIGN_OR_RETURN(bool more, a.Step());
    if (!more) break;
    u.areas.push_back(a.Text(0));
  }
  return u;
}

absl::StatusOr<UserRecord> SqliteAccountStore::GetUser(
    const std::string& name) {
  absl::MutexLock lock(&mu_);
  return GetUserLocked(name);
}

absl::StatusOr<std::vector<UserRecord>> SqliteAccountStore::ListUsers() {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Stmt q,
                      db_->Prepare("SELECT name FROM users ORDER BY name"));
  std::vector<std::string> names;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    names.push_back(q.Text(0));
  }
  std::vector<UserRecord> users;
  for (const std::string& n : names) {
    FS_ASSIGN_OR_RETURN(UserRecord u, GetUserLocked(n));
    u.pw_hash.clear();
    users.push_back(std::move(u));
  }
  return users;
}

absl::Status SqliteAccountStore::UpdateUser(const std::string& name,
                                            const std::string& actor,
                                            int64_t now_ms,
                                            const UserChange& change) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(UserRecord u, GetUserLocked(name));
  FS_ASSIGN_OR_RETURN(AuditEntry audit, change(u));
  FS_RETURN_IF_ERROR(SetUserColumn(*db_, u.user_id, "updated_ms", now_ms));
  audit.at_ms = now_ms;
  audit.actor = actor;
  FS_RETURN_IF_ERROR(audit_->Append(audit));
  return tx.Commit();
}

absl::Status SqliteAccountStore::SetRole(const std::string& name, v1::Role role,
                                         const std::string& actor,
                                         int64_t now_ms) {
  if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    return absl::InvalidArgumentError("a user needs a role");
  }
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
          mu_) -> absl::StatusOr<AuditEntry> {
        FS_RETURN_IF_ERROR(SetUserColumn(*db_, u.user_id, "role", role));
        return UserChanged(
            "set_role", absl::StrCat("user ", name, " role ", RoleName(u.role),
                                     " -> ", RoleName(role)));
      });
}

absl::Status SqliteAccountStore::SetAreas(const std::string& name,
                                          std::vector<std::string> areas,
                                          const std::string& actor,
                                          int64_t now_ms) {
  FS_ASSIGN_OR_RETURN(areas, NormalizeAreas(std::move(areas)));
  return UpdateUser(name, actor, now_ms,
                    [&](const UserRecord& u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                        mu_) -> absl::StatusOr<AuditEntry> {
                      FS_RETURN_IF_ERROR(WriteAreas(u.user_id, areas));
                      return UserChanged(
                          "set_areas", absl::StrCat("user ", name, " areas ",
                                                    AreasText(u.areas), " -> ",
                                                    AreasText(areas)));
                    });
}

absl::Status SqliteAccountStore::SetPassword(const std::string& name,
                                             const std::string& pw_hash,
                                             const std::string& actor,
                                             int64_t now_ms) {
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
          mu_) -> absl::StatusOr<AuditEntry> {
        FS_RETURN_IF_ERROR(SetUserColumn(*db_, u.user_id, "pw_hash", pw_hash));
        FS_ASSIGN_OR_RETURN(int64_t revoked,
                            RevokeAllLocked(u.user_id, actor, now_ms));
        return UserChanged(
            "set_password",
            absl::StrCat("user ", name, "; ", revoked, " token(s) revoked"));
      });
}

absl::Status SqliteAccountStore::SetDisabled(const std::string& name,
                                             bool disabled,
                                             const std::string& actor,
                                             int64_t now_ms) {
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<AuditEntry> {
            FS_RETURN_IF_ERROR(
                SetUserColumn(*db_, u.user_id, "disabled", disabled ? 1 : 0));
            int64_t revoked = 0;
            if (disabled) {
              FS_ASSIGN_OR_RETURN(revoked,
                                  RevokeAllLocked(u.user_id, actor, now_ms));
            }
            return UserChanged(disabled ? "user_disabled" : "user_enabled",
                               absl::StrCat("user ", name, "; ", revoked,
                                            " token(s) revoked"));
          });
}

}  // namespace fieldsync
