#include "server/account_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/areas.h"
#include "common/record_id.h"
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

std::string AreasText(const std::vector<std::string>& areas) {
  return areas.empty() ? "(none)" : absl::StrJoin(areas, ",");
}

// Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (int k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// The columns of a token row, as TokenFromRow reads them.
constexpr char kTokenColumns[] =
    "SELECT t.token_id, t.user_id, u.name, t.device_id, t.issued_ms, "
    "t.expires_ms, t.revoked_ms, t.revoked_by FROM tokens t JOIN users u "
    "ON u.user_id = t.user_id ";

TokenRecord TokenFromRow(const Stmt& q) {
  TokenRecord t;
  t.token_id = q.Int(0);
  t.user_id = q.Int(1);
  t.user = q.Text(2);
  t.device_id = q.Blob(3);
  t.issued_ms = q.Int(4);
  t.expires_ms = q.Int(5);
  t.revoked_ms = q.Int(6);
  t.revoked_by = q.Text(7);
  return t;
}

absl::Status NoSuchUser(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no user \"", name, "\""));
}

}  // namespace

const char* RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_INSPECTOR:
      return "inspector";
    case v1::ROLE_COUNTY_OFFICER:
      return "county-officer";
    case v1::ROLE_REVIEWER:
      return "reviewer";
    case v1::ROLE_ADMIN:
      return "admin";
    default:
      return "unknown";
  }
}

absl::StatusOr<v1::Role> ParseRole(absl::string_view name) {
  for (v1::Role r : {v1::ROLE_INSPECTOR, v1::ROLE_COUNTY_OFFICER,
                     v1::ROLE_REVIEWER, v1::ROLE_ADMIN}) {
    if (name == RoleName(r)) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role \"", name,
                   "\" is not one of inspector, county-officer, reviewer, "
                   "admin"));
}

absl::Status ValidateUserName(absl::string_view name) {
  if (name.empty() || name.size() > 64) {
    return absl::InvalidArgumentError("user name must be 1 to 64 bytes");
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return absl::InvalidArgumentError(absl::StrCat(
        "user name \"", name, "\" must not begin or end with a space"));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "user name must not contain control characters");
    }
    if (c == ':') {
      // "admin:<os user>" names the admin command in the audit trail.
      return absl::InvalidArgumentError("user name must not contain ':'");
    }
  }
  if (!IsValidUtf8(name)) {
    return absl::InvalidArgumentError("user name must be UTF-8");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AccountStore>> AccountStore::Open(
    const std::string& path) {
  FS_ASSIGN_OR_RETURN(auto db, OpenServerDb(path));
  return std::make_unique<AccountStore>(std::move(db));
}

absl::Status AccountStore::AuditLocked(const AuditEntry& e) {
  FS_ASSIGN_OR_RETURN(Stmt ins,
                      db_->Prepare("INSERT INTO audit(at_ms, actor, device_id, "
                                   "action, detail) VALUES(?,?,?,?,?)"));
  ins.Bind(1, e.at_ms).BindText(2, e.actor);
  if (e.device_id.empty()) {
    ins.BindNull(3);
  } else {
    ins.BindBlob(3, e.device_id);
  }
  ins.BindText(4, e.action).BindText(5, e.detail);
  return ins.Run();
}

absl::Status AccountStore::Audit(const AuditEntry& entry) {
  absl::MutexLock lock(&mu_);
  return AuditLocked(entry);
}

absl::Status AccountStore::WriteAreas(int64_t user_id,
                                      const std::vector<std::string>& areas) {
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

absl::StatusOr<int64_t> AccountStore::CreateUser(
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
      AuditLocked({0, now_ms, actor, "", "user_created",
                   absl::StrCat("user ", name, " role ", RoleName(role),
                                " areas ", AreasText(areas))}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return id;
}

absl::StatusOr<UserRecord> AccountStore::GetUserLocked(
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

absl::StatusOr<UserRecord> AccountStore::GetUser(const std::string& name) {
  absl::MutexLock lock(&mu_);
  return GetUserLocked(name);
}

absl::StatusOr<std::vector<UserRecord>> AccountStore::ListUsers() {
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

absl::Status AccountStore::UpdateUser(const std::string& name,
                                      const std::string& actor, int64_t now_ms,
                                      const UserChange& change) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(UserRecord u, GetUserLocked(name));
  FS_ASSIGN_OR_RETURN(AuditEntry audit, change(u));
  FS_ASSIGN_OR_RETURN(
      Stmt up,
      db_->Prepare("UPDATE users SET updated_ms = ? WHERE user_id = ?"));
  up.Bind(1, now_ms).Bind(2, u.user_id);
  FS_RETURN_IF_ERROR(up.Run());
  audit.at_ms = now_ms;
  audit.actor = actor;
  FS_RETURN_IF_ERROR(AuditLocked(audit));
  return tx.Commit();
}

absl::Status AccountStore::SetRole(const std::string& name, v1::Role role,
                                   const std::string& actor, int64_t now_ms) {
  if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
    return absl::InvalidArgumentError("a user needs a role");
  }
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<AuditEntry> {
            FS_ASSIGN_OR_RETURN(
                Stmt up,
                db_->Prepare("UPDATE users SET role = ? WHERE user_id = ?"));
            up.Bind(1, role).Bind(2, u.user_id);
            FS_RETURN_IF_ERROR(up.Run());
            return AuditEntry{
                0,
                0,
                "",
                "",
                "set_role",
                absl::StrCat("user ", name, " role ", RoleName(u.role), " -> ",
                             RoleName(role))};
          });
}

absl::Status AccountStore::SetAreas(const std::string& name,
                                    std::vector<std::string> areas,
                                    const std::string& actor, int64_t now_ms) {
  FS_ASSIGN_OR_RETURN(areas, NormalizeAreas(std::move(areas)));
  return UpdateUser(name, actor, now_ms,
                    [&](const UserRecord& u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                        mu_) -> absl::StatusOr<AuditEntry> {
                      FS_RETURN_IF_ERROR(WriteAreas(u.user_id, areas));
                      return AuditEntry{0,
                                        0,
                                        "",
                                        "",
                                        "set_areas",
                                        absl::StrCat("user ", name, " areas ",
                                                     AreasText(u.areas), " -> ",
                                                     AreasText(areas))};
                    });
}

absl::StatusOr<int64_t> AccountStore::RevokeAllLocked(int64_t user_id,
                                                      const std::string& actor,
                                                      int64_t now_ms) {
  FS_ASSIGN_OR_RETURN(
      Stmt up, db_->Prepare("UPDATE tokens SET revoked_ms = ?, revoked_by = ? "
                            "WHERE user_id = ? AND revoked_ms = 0 "
                            "AND expires_ms > ?"));
  up.Bind(1, now_ms).BindText(2, actor).Bind(3, user_id).Bind(4, now_ms);
  FS_RETURN_IF_ERROR(up.Run());
  return static_cast<int64_t>(db_->Changes());
}

absl::Status AccountStore::SetPassword(const std::string& name,
                                       const std::string& pw_hash,
                                       const std::string& actor,
                                       int64_t now_ms) {
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<AuditEntry> {
            FS_ASSIGN_OR_RETURN(
                Stmt up,
                db_->Prepare("UPDATE users SET pw_hash = ? WHERE user_id = ?"));
            up.BindText(1, pw_hash).Bind(2, u.user_id);
            FS_RETURN_IF_ERROR(up.Run());
            FS_ASSIGN_OR_RETURN(int64_t revoked,
                                RevokeAllLocked(u.user_id, actor, now_ms));
            return AuditEntry{0,
                              0,
                              "",
                              "",
                              "set_password",
                              absl::StrCat("user ", name, "; ", revoked,
                                           " token(s) revoked")};
          });
}

absl::Status AccountStore::SetDisabled(const std::string& name, bool disabled,
                                       const std::string& actor,
                                       int64_t now_ms) {
  return UpdateUser(
      name, actor, now_ms,
      [&](const UserRecord& u) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
          mu_) -> absl::StatusOr<AuditEntry> {
        FS_ASSIGN_OR_RETURN(
            Stmt up,
            db_->Prepare("UPDATE users SET disabled = ? WHERE user_id = ?"));
        up.Bind(1, disabled ? 1 : 0).Bind(2, u.user_id);
        FS_RETURN_IF_ERROR(up.Run());
        int64_t revoked = 0;
        if (disabled) {
          FS_ASSIGN_OR_RETURN(revoked,
                              RevokeAllLocked(u.user_id, actor, now_ms));
        }
        return AuditEntry{
            0,
            0,
            "",
            "",
            disabled ? "user_disabled" : "user_enabled",
            absl::StrCat("user ", name, "; ", revoked, " token(s) revoked")};
      });
}

absl::Status AccountStore::Unlock(const std::string& name,
                                  const std::string& actor, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(
      Stmt del, db_->Prepare("DELETE FROM login_attempts WHERE name = ?"));
  del.BindText(1, name);
  FS_RETURN_IF_ERROR(del.Run());
  FS_RETURN_IF_ERROR(AuditLocked(
      {0, now_ms, actor, "", "unlock", absl::StrCat("user ", name)}));
  return tx.Commit();
}

absl::StatusOr<LoginAttempts> AccountStore::GetAttempts(
    const std::string& name) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT failures, last_failure_ms, locked_until_ms "
                           "FROM login_attempts WHERE name = ?"));
  q.BindText(1, name);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  LoginAttempts a;
  if (row) {
    a.failures = q.Int(0);
    a.last_failure_ms = q.Int(1);
    a.locked_until_ms = q.Int(2);
  }
  return a;
}

absl::StatusOr<LoginDecision> AccountStore::CountLoginAttempt(
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
    FS_RETURN_IF_ERROR(
        AuditLocked({0, now_ms, name, device_id, "login_refused", d.refusal}));
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

absl::Status AccountStore::RecordRefusedLogin(const std::string& name,
                                              const std::string& device_id,
                                              const std::string& detail,
                                              int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  return AuditLocked({0, now_ms, name, device_id, "login_refused", detail});
}

absl::StatusOr<int64_t> AccountStore::RecordLogin(
    const UserRecord& user, const std::string& device_id,
    const std::string& device_key_hash, const std::string& device_label,
    const std::string& token_hash, int64_t expires_ms, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  {
    FS_ASSIGN_OR_RETURN(
        Stmt q,
        db_->Prepare("SELECT key_hash FROM devices WHERE device_id = ?"));
    q.BindBlob(1, device_id);
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && !q.IsNull(0) && q.Blob(0) != device_key_hash) {
      q.Reset();
      const std::string why = absl::StrCat(
          "device ", IdToString(device_id),
          " is registered with another device key: this is not that device "
          "(set up a new device home)");
      FS_RETURN_IF_ERROR(
          AuditLocked({0, now_ms, user.name, device_id, "login_refused", why}));
      FS_RETURN_IF_ERROR(tx.Commit());
      return absl::PermissionDeniedError(why);
    }
  }
  FS_ASSIGN_OR_RETURN(
      Stmt del, db_->Prepare("DELETE FROM login_attempts WHERE name = ?"));
  del.BindText(1, user.name);
  FS_RETURN_IF_ERROR(del.Run());
  std::string detail = absl::StrCat("role ", RoleName(user.role), " areas ",
                                    AreasText(user.areas));
  // A device has one live token: earlier ones for it end (its previous
  // user's, if another user logs in, and this user's own older ones).
  {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db_->Prepare("SELECT d.user_id, u.name FROM devices d "
                                     "JOIN users u ON u.user_id = d.user_id "
                                     "WHERE d.device_id = ?"));
    q.BindBlob(1, device_id);
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.Int(0) != user.user_id) {
      absl::StrAppend(&detail, "; device moved from user ", q.Text(1));
    }
    FS_ASSIGN_OR_RETURN(
        Stmt up,
        db_->Prepare("UPDATE tokens SET revoked_ms = ?, revoked_by = ? "
                     "WHERE device_id = ? AND revoked_ms = 0 "
                     "AND expires_ms > ?"));
    up.Bind(1, now_ms)
        .BindText(2, user.name)
        .BindBlob(3, device_id)
        .Bind(4, now_ms);
    FS_RETURN_IF_ERROR(up.Run());
    if (db_->Changes() > 0) {
      absl::StrAppend(&detail, "; ", db_->Changes(),
                      " earlier token(s) of the device revoked");
    }
  }
  FS_ASSIGN_OR_RETURN(
      Stmt dev,
      db_->Prepare("INSERT INTO devices(device_id, label, author, "
                   "first_seen_ms, last_seen_ms, user_id, key_hash) "
                   "VALUES(?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT(device_id) "
                   "DO UPDATE SET label = ?2, author = ?3, last_seen_ms = ?4, "
                   "user_id = ?5, key_hash = coalesce(key_hash, ?6)"));
  dev.BindBlob(1, device_id)
      .BindText(2, device_label)
      .BindText(3, user.name)
      .Bind(4, now_ms)
      .Bind(5, user.user_id)
      .BindBlob(6, device_key_hash);
  FS_RETURN_IF_ERROR(dev.Run());
  FS_ASSIGN_OR_RETURN(
      Stmt ins,
      db_->Prepare("INSERT INTO tokens(hash, user_id, device_id, issued_ms, "
                   "expires_ms) VALUES(?,?,?,?,?)"));
  ins.BindBlob(1, token_hash)
      .Bind(2, user.user_id)
      .BindBlob(3, device_id)
      .Bind(4, now_ms)
      .Bind(5, expires_ms);
  FS_RETURN_IF_ERROR(ins.Run());
  const int64_t token_id = db_->LastInsertRowId();
  absl::StrAppend(&detail, "; token ", token_id);
  FS_RETURN_IF_ERROR(
      AuditLocked({0, now_ms, user.name, device_id, "login", detail}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return token_id;
}

absl::StatusOr<TokenRecord> AccountStore::LookupToken(
    const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare(absl::StrCat(kTokenColumns, "WHERE t.hash = ?")));
  q.BindBlob(1, token_hash);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::NotFoundError("no such token");
  return TokenFromRow(q);
}

absl::Status AccountStore::RevokeToken(int64_t token_id,
                                       const std::string& actor,
                                       const std::string& why, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT u.name, t.device_id, t.revoked_ms FROM "
                           "tokens t JOIN users u ON u.user_id = t.user_id "
                           "WHERE t.token_id = ?"));
  q.Bind(1, token_id);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no token ", token_id));
  const std::string user = q.Text(0), device = q.Blob(1);
  if (q.Int(2) != 0) return absl::OkStatus();  // already revoked
  FS_ASSIGN_OR_RETURN(
      Stmt up, db_->Prepare("UPDATE tokens SET revoked_ms = ?, revoked_by = ? "
                            "WHERE token_id = ?"));
  up.Bind(1, now_ms).BindText(2, actor).Bind(3, token_id);
  FS_RETURN_IF_ERROR(up.Run());
  FS_RETURN_IF_ERROR(
      AuditLocked({0, now_ms, actor, device, why,
                   absl::StrCat("token ", token_id, " of user ", user)}));
  return tx.Commit();
}

absl::StatusOr<int64_t> AccountStore::RevokeUserTokens(const std::string& name,
                                                       const std::string& actor,
                                                       int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(UserRecord u, GetUserLocked(name));
  FS_ASSIGN_OR_RETURN(int64_t n, RevokeAllLocked(u.user_id, actor, now_ms));
  FS_RETURN_IF_ERROR(
      AuditLocked({0, now_ms, actor, "", "tokens_revoked",
                   absl::StrCat("user ", name, "; ", n, " token(s) revoked")}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return n;
}

absl::StatusOr<std::vector<TokenRecord>> AccountStore::ListTokens(
    const std::string& name) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Stmt q,
                      db_->Prepare(absl::StrCat(kTokenColumns,
                                                "WHERE ?1 = '' OR u.name = ?1 "
                                                "ORDER BY t.token_id DESC")));
  q.BindText(1, name);
  std::vector<TokenRecord> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(TokenFromRow(q));
  }
  return out;
}

absl::StatusOr<std::vector<AuditEntry>> AccountStore::ListAudit(
    const AuditFilter& f) {
  absl::MutexLock lock(&mu_);
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
