// Users, their roles and areas, login tokens, failed-login counters and the
// audit trail, kept in the server database (server_schema.h) on a connection
// of their own, so that logins do not queue behind upload batches and the
// admin command (another process) can change accounts while the server runs:
// every check reads the tables afresh, so a change takes effect at the
// caller's next call.
//
// Every change made here writes its audit row in the same transaction.
// Names, areas and audit details are stored verbatim (bound parameters
// only; no SQL is ever built from them). Thread-safe (one mutex).
#ifndef FIELDSYNC_SERVER_ACCOUNT_STORE_H_
#define FIELDSYNC_SERVER_ACCOUNT_STORE_H_

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
#include "fieldsync/v1/auth.pb.h"

namespace fieldsync {

struct UserRecord {
  int64_t user_id = 0;
  std::string name;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  bool disabled = false;
  std::vector<std::string> areas;  // sorted
  std::string pw_hash;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct TokenRecord {
  int64_t token_id = 0;
  int64_t user_id = 0;
  std::string user;
  std::string device_id;
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;
  int64_t revoked_ms = 0;  // 0 = not revoked
  std::string revoked_by;
};

struct LoginAttempts {
  int64_t failures = 0;
  int64_t last_failure_ms = 0;
  int64_t locked_until_ms = 0;
};

// What the login policy (auth.h) decides for one attempt.
struct LoginDecision {
  bool allowed = false;
  LoginAttempts after;  // the counter once this attempt is counted
  std::string refusal;  // why, when not allowed
};

struct AuditEntry {
  int64_t seq = 0;
  int64_t at_ms = 0;
  std::string actor;      // a user name, or "admin:<os user>" for the CLI
  std::string device_id;  // 16 bytes, or empty
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

// Human names of roles: "inspector", "county-officer", "reviewer", "admin".
const char* RoleName(v1::Role role);
// INVALID_ARGUMENT naming the accepted names.
absl::StatusOr<v1::Role> ParseRole(absl::string_view name);
// INVALID_ARGUMENT unless 1..64 bytes of UTF-8 without control characters
// or surrounding spaces.
absl::Status ValidateUserName(absl::string_view name);

class AccountStore {
 public:
  static absl::StatusOr<std::unique_ptr<AccountStore>> Open(
      const std::string& path);

  // Users (admin).
  // ALREADY_EXISTS if the name is taken. Areas are validated (areas.h).
  absl::StatusOr<int64_t> CreateUser(const std::string& name, v1::Role role,
                                     const std::string& pw_hash,
                                     std::vector<std::string> areas,
                                     const std::string& actor, int64_t now_ms);
  // NOT_FOUND if there is no such user.
  absl::StatusOr<UserRecord> GetUser(const std::string& name);
  absl::StatusOr<std::vector<UserRecord>> ListUsers();
  absl::Status SetRole(const std::string& name, v1::Role role,
                       const std::string& actor, int64_t now_ms);
  absl::Status SetAreas(const std::string& name, std::vector<std::string> areas,
                        const std::string& actor, int64_t now_ms);
  // Also revokes the user's tokens: a new password logs every device out.
  absl::Status SetPassword(const std::string& name, const std::string& pw_hash,
                           const std::string& actor, int64_t now_ms);
  // Disabling also revokes the user's tokens.
  absl::Status SetDisabled(const std::string& name, bool disabled,
                           const std::string& actor, int64_t now_ms);
  // Clears the failed-login counter and any lock.
  absl::Status Unlock(const std::string& name, const std::string& actor,
                      int64_t now_ms);

  // Logins.
  absl::StatusOr<LoginAttempts> GetAttempts(const std::string& name);
  // One login attempt of `name` (a user or not), decided and counted in one
  // transaction, before the password is checked, so that concurrent guesses
  // cannot slip past the counter: `decide` gets the counter as stored and
  // says whether the attempt may go on and what the counter becomes (the
  // attempt counted as a failure; RecordLogin clears it on success). A
  // refused attempt is audited and not counted. Counters of names that have
  // not failed for `forget_after_ms` (and are not locked) are dropped, so
  // made-up names cannot grow the table without bound.
  absl::StatusOr<LoginDecision> CountLoginAttempt(
      const std::string& name, const std::string& device_id, int64_t now_ms,
      int64_t forget_after_ms,
      const std::function<LoginDecision(const LoginAttempts&)>& decide);
  // Audits an attempt refused for another reason (a disabled account).
  absl::Status RecordRefusedLogin(const std::string& name,
                                  const std::string& device_id,
                                  const std::string& detail, int64_t now_ms);
  // A successful login: clears the counter, registers the device to the user
  // (revoking another user's tokens for it), stores the token's hash. Returns
  // the token id.
  // PERMISSION_DENIED (audited, nothing else changed) when the device was
  // registered with another key (LoginRequest.device_key).
  absl::StatusOr<int64_t> RecordLogin(const UserRecord& user,
                                      const std::string& device_id,
                                      const std::string& device_key_hash,
                                      const std::string& device_label,
                                      const std::string& token_hash,
                                      int64_t expires_ms, int64_t now_ms);
  // NOT_FOUND if no token has this hash.
  absl::StatusOr<TokenRecord> LookupToken(const std::string& token_hash);
  // NOT_FOUND if there is no such token. Revoking twice is fine.
  absl::Status RevokeToken(int64_t token_id, const std::string& actor,
                           const std::string& why, int64_t now_ms);
  // Revokes every live token of the user; returns how many.
  absl::StatusOr<int64_t> RevokeUserTokens(const std::string& name,
                                           const std::string& actor,
                                           int64_t now_ms);
  // Tokens of `name` (all users if empty), newest first.
  absl::StatusOr<std::vector<TokenRecord>> ListTokens(const std::string& name);

  // Audit.
  absl::Status Audit(const AuditEntry& entry);
  absl::StatusOr<std::vector<AuditEntry>> ListAudit(const AuditFilter& filter);

  explicit AccountStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}

 private:
  absl::Status AuditLocked(const AuditEntry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Changes user `name` in one transaction: `change` writes what it changes
  // and returns the audit row's action and detail; UpdateUser sets
  // updated_ms and writes the audit row (at `now_ms`, by `actor`) with it.
  using UserChange =
      std::function<absl::StatusOr<AuditEntry>(const UserRecord& user)>;
  absl::Status UpdateUser(const std::string& name, const std::string& actor,
                          int64_t now_ms, const UserChange& change);
  absl::StatusOr<UserRecord> GetUserLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> RevokeAllLocked(int64_t user_id,
                                          const std::string& actor,
                                          int64_t now_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteAreas(int64_t user_id,
                          const std::vector<std::string>& areas)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_ACCOUNT_STORE_H_
