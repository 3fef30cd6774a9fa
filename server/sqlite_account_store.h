// The embedded AccountStore (account_store.h): the account tables of the
// server database (users, user_areas, tokens, login_attempts; server_schema.h)
// on a SQLite connection of its own, so that logins do not queue behind
// upload batches, and so that the admin command (another process) can change
// accounts while the server runs.
//
// The audit rows go through an AuditLog (audit_log.h) and the device rows
// through DeviceRows (device_rows.h), both on this connection, so that each
// change and its audit row commit in one transaction. No SQL is ever built
// from a name, an area or a detail (bound parameters only).
//
// The implementation is split by concern: users and areas
// (sqlite_account_store.cc), tokens and logins (sqlite_account_tokens.cc),
// failed-login counters (sqlite_login_attempts.cc). Thread-safe: one mutex
// serialises the connection.
#ifndef FIELDSYNC_SERVER_SQLITE_ACCOUNT_STORE_H_
#define FIELDSYNC_SERVER_SQLITE_ACCOUNT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/sqlite_db.h"
#include "server/account_store.h"
#include "server/audit_log.h"
#include "server/device_rows.h"

namespace fieldsync {

class SqliteAccountStore final : public AccountStore {
 public:
  // Opens (creating and migrating if needed: server_schema.h) the server
  // database at `path` on a connection of its own. FAILED_PRECONDITION if a
  // newer fieldsync-server made the file; DATA_LOSS if it is not a database.
  static absl::StatusOr<std::unique_ptr<SqliteAccountStore>> Open(
      const std::string& path);

  // Users and areas (sqlite_account_store.cc).
  absl::StatusOr<int64_t> CreateUser(const std::string& name, v1::Role role,
                                     const std::string& pw_hash,
                                     std::vector<std::string> areas,
                                     const std::string& actor,
                                     int64_t now_ms) override;
  absl::StatusOr<UserRecord> GetUser(const std::string& name) override;
  absl::StatusOr<std::vector<UserRecord>> ListUsers() override;
  absl::Status SetRole(const std::string& name, v1::Role role,
                       const std::string& actor, int64_t now_ms) override;
  absl::Status SetAreas(const std::string& name, std::vector<std::string> areas,
                        const std::string& actor, int64_t now_ms) override;
  absl::Status SetPassword(const std::string& name, const std::string& pw_hash,
                           const std::string& actor, int64_t now_ms) override;
  absl::Status SetDisabled(const std::string& name, bool disabled,
                           const std::string& actor, int64_t now_ms) override;

  // Failed-login counters (sqlite_login_attempts.cc).
  absl::Status Unlock(const std::string& name, const std::string& actor,
                      int64_t now_ms) override;
  absl::StatusOr<LoginDecision> CountLoginAttempt(
      const std::string& name, const std::string& device_id, int64_t now_ms,
      int64_t forget_after_ms,
      const std::function<LoginDecision(const LoginAttempts&)>& decide)
      override;
  absl::Status RecordRefusedLogin(const std::string& name,
                                  const std::string& device_id,
                                  const std::string& detail,
                                  int64_t now_ms) override;

  // Logins and tokens (sqlite_account_tokens.cc).
  absl::StatusOr<int64_t> RecordLogin(const UserRecord& user,
                                      const std::string& device_id,
                                      const std::string& device_key_hash,
                                      const std::string& device_label,
                                      const std::string& token_hash,
                                      int64_t expires_ms,
                                      int64_t now_ms) override;
  absl::StatusOr<TokenRecord> LookupToken(
      const std::string& token_hash) override;
  absl::Status RevokeToken(int64_t token_id, const std::string& actor,
                           const std::string& why, int64_t now_ms) override;
  absl::StatusOr<int64_t> RevokeUserTokens(const std::string& name,
                                           const std::string& actor,
                                           int64_t now_ms) override;
  absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      const std::string& name) override;

  // Audit trail (sqlite_account_store.cc).
  absl::Status Audit(const AuditEntry& entry) override;
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(
      const AuditFilter& filter) override;

 private:
  struct PrivateTag {};  // only Open constructs

 public:
  SqliteAccountStore(PrivateTag, std::unique_ptr<Db> db,
                     std::unique_ptr<AuditLog> audit,
                     std::unique_ptr<DeviceRows> devices)
      : db_(std::move(db)),
        audit_(std::move(audit)),
        devices_(std::move(devices)) {}

 private:
  // Changes user `name` in one transaction: `change` writes what it changes
  // and returns the audit row's action and detail; UpdateUser sets
  // updated_ms and writes the audit row (at `now_ms`, by `actor`) with it.
  using UserChange =
      std::function<absl::StatusOr<AuditEntry>(const UserRecord& user)>;
  absl::Status UpdateUser(const std::string& name, const std::string& actor,
                          int64_t now_ms, const UserChange& change);
  absl::StatusOr<UserRecord> GetUserLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteAreas(int64_t user_id,
                          const std::vector<std::string>& areas)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Revokes every live token of the user; how many.
  absl::StatusOr<int64_t> RevokeAllLocked(int64_t user_id,
                                          const std::string& actor,
                                          int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Revokes every live token of the device (by `by`); how many.
  absl::StatusOr<int64_t> RevokeDeviceTokensLocked(const std::string& device_id,
                                                   const std::string& by,
                                                   int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ClearAttemptsLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "640521,640522", or "(none)": areas as the audit details show them.
  static std::string AreasText(const std::vector<std::string>& areas);

  absl::Mutex mu_;
  const std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<AuditLog> audit_ ABSL_GUARDED_BY(mu_);
  const std::unique_ptr<DeviceRows> devices_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SQLITE_ACCOUNT_STORE_H_
