// SqliteAccountStore: logins and their tokens (only each token's hash is
// stored), and their revocation.
#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/roles.h"
#include "common/status_macros.h"
#include "server/sqlite_account_store.h"

namespace fieldsync {
namespace {

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

// Revokes the live tokens of one owner: kRevokeLive and the owner's clause,
// with the owner bound at ?3.
constexpr char kRevokeLive[] =
    "UPDATE tokens SET revoked_ms = ?1, revoked_by = ?2 "
    "WHERE revoked_ms = 0 AND expires_ms > ?1 AND ";

// Runs a revocation made of kRevokeLive; how many tokens it ended.
absl::StatusOr<int64_t> RunRevocation(Db& db, Stmt& revoke,
                                      const std::string& by, int64_t now_ms) {
  revoke.Bind(1, now_ms).BindText(2, by);
  FS_RETURN_IF_ERROR(revoke.Run());
  return static_cast<int64_t>(db.Changes());
}

}  // namespace

absl::StatusOr<int64_t> SqliteAccountStore::RevokeAllLocked(
    int64_t user_id, const std::string& actor, int64_t now_ms) {
  FS_ASSIGN_OR_RETURN(Stmt up,
                      db_->Prepare(absl::StrCat(kRevokeLive, "user_id = ?3")));
  up.Bind(3, user_id);
  return RunRevocation(*db_, up, actor, now_ms);
}

absl::StatusOr<int64_t> SqliteAccountStore::RevokeDeviceTokensLocked(
    const std::string& device_id, const std::string& by, int64_t now_ms) {
  FS_ASSIGN_OR_RETURN(
      Stmt up, db_->Prepare(absl::StrCat(kRevokeLive, "device_id = ?3")));
  up.BindBlob(3, device_id);
  return RunRevocation(*db_, up, by, now_ms);
}

absl::StatusOr<int64_t> SqliteAccountStore::RecordLogin(
    const UserRecord& user, const std::string& device_id,
    const std::string& device_key_hash, const std::string& device_label,
    const std::string& token_hash, int64_t expires_ms, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(const std::optional<DeviceRegistration> device,
                      devices_->Find(device_id));
  if (device && device->key_hash && *device->key_hash != device_key_hash) {
    const std::string why = absl::StrCat(
        "device ", IdToString(device_id),
        " is registered with another device key: this is not that device "
        "(set up a new device home)");
    FS_RETURN_IF_ERROR(audit_->Append(
        {0, now_ms, user.name, device_id, "login_refused", why}));
    FS_RETURN_IF_ERROR(tx.Commit());
    return absl::PermissionDeniedError(why);
  }
  FS_RETURN_IF_ERROR(ClearAttemptsLocked(user.name));
  std::string detail = absl::StrCat("role ", RoleName(user.role), " areas ",
                                    AreasText(user.areas));
  if (device && device->user_id && *device->user_id != user.user_id) {
    absl::StrAppend(&detail, "; device moved from user ", device->user_name);
  }
  // A device has one live token: earlier ones for it end (its previous
  // user's, if another user logs in, and this user's own older ones).
  FS_ASSIGN_OR_RETURN(const int64_t ended,
                      RevokeDeviceTokensLocked(device_id, user.name, now_ms));
  if (ended > 0) {
    absl::StrAppend(&detail, "; ", ended,
                    " earlier token(s) of the device revoked");
  }
  FS_RETURN_IF_ERROR(devices_->RecordLogin(device_id, device_label,
                                           user.user_id, user.name,
                                           device_key_hash, now_ms));
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
      audit_->Append({0, now_ms, user.name, device_id, "login", detail}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return token_id;
}

absl::StatusOr<TokenRecord> SqliteAccountStore::LookupToken(
    const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare(absl::StrCat(kTokenColumns, "WHERE t.hash = ?")));
  q.BindBlob(1, token_hash);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return absl::NotFoundError("no such token");
  return TokenFromRow(q);
}

absl::Status SqliteAccountStore::RevokeToken(int64_t token_id,
                                             const std::string& actor,
                                             const std::string& why,
                                             int64_t now_ms) {
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
      audit_->Append({0, now_ms, actor, device, why,
                      absl::StrCat("token ", token_id, " of user ", user)}));
  return tx.Commit();
}

absl::StatusOr<int64_t> SqliteAccountStore::RevokeUserTokens(
    const std::string& name, const std::string& actor, int64_t now_ms) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(UserRecord u, GetUserLocked(name));
  FS_ASSIGN_OR_RETURN(int64_t n, RevokeAllLocked(u.user_id, actor, now_ms));
  FS_RETURN_IF_ERROR(audit_->Append(
      {0, now_ms, actor, "", "tokens_revoked",
       absl::StrCat("user ", name, "; ", n, " token(s) revoked")}));
  FS_RETURN_IF_ERROR(tx.Commit());
  return n;
}

absl::StatusOr<std::vector<TokenRecord>> SqliteAccountStore::ListTokens(
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

}  // namespace fieldsync
