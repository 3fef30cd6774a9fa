// The account storage contract: users, their roles and areas, login tokens,
// failed-login counters and the audit trail. The SQLite store
// (sqlite_account_store.h) is the embedded default; a PostgreSQL store can
// implement the same interface. The login policy itself (delays, locks,
// password checks) is the Authenticator's (auth.h), not the store's.
//
// Invariants every implementation keeps:
//  * Every change made here writes its audit row in the same transaction:
//    a change and its row commit together or not at all.
//  * Every read sees the stored state afresh (no cache), so a change made by
//    another process (the admin command) takes effect at the next call.
//  * A device has at most one live token (RecordLogin ends the earlier ones).
//  * Names, areas and audit details are stored verbatim; areas are
//    validated (common/areas.h) and kept sorted and without duplicates.
// Errors: NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT and PERMISSION_DENIED
// as each method says; any other code is the storage's own failure (for
// the SQLite store, common/sqlite_db.h: UNAVAILABLE = busy, retry).
// Implementations are thread-safe.
#ifndef FIELDSYNC_SERVER_ACCOUNT_STORE_H_
#define FIELDSYNC_SERVER_ACCOUNT_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fieldsync/v1/auth.pb.h"
#include "server/audit_log.h"

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

// INVALID_ARGUMENT unless 1..64 bytes of UTF-8 without control characters
// or surrounding spaces.
absl::Status ValidateUserName(absl::string_view name);

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // --- Users (admin). Each change is audited as done by `actor` at `now_ms`.

  // INVALID_ARGUMENT for a bad name (ValidateUserName), no role or a bad
  // area; ALREADY_EXISTS if the name is taken. Returns the new user's id.
  virtual absl::StatusOr<int64_t> CreateUser(const std::string& name,
                                             v1::Role role,
                                             const std::string& pw_hash,
                                             std::vector<std::string> areas,
                                             const std::string& actor,
                                             int64_t now_ms) = 0;
  // NOT_FOUND if there is no such user.
  virtual absl::StatusOr<UserRecord> GetUser(const std::string& name) = 0;
  // Every user, by name, without their password hashes.
  virtual absl::StatusOr<std::vector<UserRecord>> ListUsers() = 0;
  // The setters answer NOT_FOUND if there is no such user, and
  // INVALID_ARGUMENT for no role or a bad area.
  virtual absl::Status SetRole(const std::string& name, v1::Role role,
                               const std::string& actor, int64_t now_ms) = 0;
  virtual absl::Status SetAreas(const std::string& name,
                                std::vector<std::string> areas,
                                const std::string& actor, int64_t now_ms) = 0;
  // Also revokes the user's tokens: a new password logs every device out.
  virtual absl::Status SetPassword(const std::string& name,
                                   const std::string& pw_hash,
                                   const std::string& actor,
                                   int64_t now_ms) = 0;
  // Disabling also revokes the user's tokens; enabling restores none.
  virtual absl::Status SetDisabled(const std::string& name, bool disabled,
                                   const std::string& actor,
                                   int64_t now_ms) = 0;
  // Clears the failed-login counter of `name` (a user or not) and any lock.
  virtual absl::Status Unlock(const std::string& name, const std::string& actor,
                              int64_t now_ms) = 0;

  // --- Logins.

  // Reads and updates the failed-login counter of `name` (a user or not) in
  // one transaction: `decide` gets the counter as stored and says whether
  // the attempt may go on and what the counter becomes. The authenticator
  // (auth.h) asks it before a password check (nothing counted) and after a
  // failed one (one failure counted); RecordLogin clears it on success. A
  // refused attempt is audited ("login_refused") and not counted. Counters
  // of names that have not failed for `forget_after_ms` (and are not
  // locked) are dropped, so made-up names cannot grow the storage without
  // bound.
  virtual absl::StatusOr<LoginDecision> CountLoginAttempt(
      const std::string& name, const std::string& device_id, int64_t now_ms,
      int64_t forget_after_ms,
      const std::function<LoginDecision(const LoginAttempts&)>& decide) = 0;
  // Audits ("login_refused") an attempt refused for another reason (a
  // disabled account).
  virtual absl::Status RecordRefusedLogin(const std::string& name,
                                          const std::string& device_id,
                                          const std::string& detail,
                                          int64_t now_ms) = 0;
  // A successful login: clears the counter, registers the device to the user
  // (ending every earlier live token of the device, another user's
  // included), stores the token's hash, audits it ("login"). Returns the
  // token id.
  // PERMISSION_DENIED (audited, nothing else changed) when the device was
  // registered with another key (LoginRequest.device_key).
  virtual absl::StatusOr<int64_t> RecordLogin(
      const UserRecord& user, const std::string& device_id,
      const std::string& device_key_hash, const std::string& device_label,
      const std::string& token_hash, int64_t expires_ms, int64_t now_ms) = 0;

  // --- Tokens.

  // NOT_FOUND if no token has this hash (revoked and expired ones are
  // found: the caller tells them apart).
  virtual absl::StatusOr<TokenRecord> LookupToken(
      const std::string& token_hash) = 0;
  // Audits the revocation as `why` (the action) by `actor`.
  // NOT_FOUND if there is no such token. Revoking twice is fine (and
  // audited once).
  virtual absl::Status RevokeToken(int64_t token_id, const std::string& actor,
                                   const std::string& why, int64_t now_ms) = 0;
  // Revokes every live token of the user; returns how many. NOT_FOUND if
  // there is no such user.
  virtual absl::StatusOr<int64_t> RevokeUserTokens(const std::string& name,
                                                   const std::string& actor,
                                                   int64_t now_ms) = 0;
  // Tokens of `name` (all users if empty), newest first.
  virtual absl::StatusOr<std::vector<TokenRecord>> ListTokens(
      const std::string& name) = 0;

  // --- Audit trail (audit_log.h).

  // Appends a row of the caller's (a failed login, say).
  virtual absl::Status Audit(const AuditEntry& entry) = 0;
  virtual absl::StatusOr<std::vector<AuditEntry>> ListAudit(
      const AuditFilter& filter) = 0;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_ACCOUNT_STORE_H_
