// Logins and tokens: who is calling.
//
// Tokens are opaque: "fs1." followed by 32 random bytes (libsodium) in
// URL-safe base64. The server keeps only their BLAKE2b-256 hash, with the
// user, the device the token was issued to, its expiry and whether it was
// revoked, so every call costs one indexed lookup, revocation takes effect
// at the next call, and a copy of the database yields no usable token. (A
// signed, self-contained token would save the lookup but could not be
// revoked without a deny list, which is the same lookup.)
//
// Failed logins: counted per user name (existing or not, so that answers do
// not reveal which names exist). After `free_failures` failures each further
// attempt must wait 2^(n - free_failures) seconds (capped at max_delay_ms)
// after the last failure; after `lock_after` failures the name is locked for
// lock_ms. Attempts that come too soon are refused with RESOURCE_EXHAUSTED
// without checking the password, so guessing cannot go faster by trying
// harder. A successful login clears the counter; `admin unlock` does too.
//
// Unknown names: their password is checked against a stand-in hash made
// when the Authenticator is created, so that an answer takes as long for a
// name that does not exist as for one that does. If that hash cannot be
// made, Create fails (the server does not start) rather than answering
// unknown names faster.
//
// A disabled account is refused with FAILED_PRECONDITION at login and at
// every token check alike: the caller cannot fix it by retrying or logging
// in again, only an administrator can (`admin user enable`). Disabling
// also revokes the account's tokens, so the token check sees it only for a
// token issued while the account was being disabled.
#ifndef FIELDSYNC_SERVER_AUTH_H_
#define FIELDSYNC_SERVER_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/areas.h"
#include "common/clock.h"
#include "fieldsync/v1/auth.pb.h"
#include "server/account_store.h"
#include "server/password.h"

namespace fieldsync {

struct AuthOptions {
  int64_t token_ttl_ms = int64_t{7} * 24 * 3600 * 1000;  // a field trip
  int free_failures = 3;
  int lock_after = 10;
  int64_t max_delay_ms = 60 * 1000;
  int64_t lock_ms = 15 * 60 * 1000;
  // Cost of the stand-in hash checked for unknown names (to take as long as
  // a real check). Tests that use fast hashes set kTestOnlyFast.
  PasswordCost dummy_cost = PasswordCost::kInteractive;
  // Makes the stand-in hash (HashPassword; tests inject a failing one).
  absl::StatusOr<std::string> (*hash_password)(
      absl::string_view password, PasswordCost cost) = &HashPassword;
  // Password checks running at once (each takes 64 MiB); more wait.
  int max_concurrent_checks = 4;
};

// The caller of an RPC, as its token says.
struct Caller {
  int64_t user_id = 0;
  std::string user;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  AreaSet areas;  // what the caller may see (all for reviewers and admins)
  std::string device_id;  // the device the token was issued to
  int64_t token_id = 0;
  int64_t expires_ms = 0;
};

class Authenticator {
 public:
  // `accounts` and `clock` must outlive it. Makes the stand-in hash for
  // unknown names (options.dummy_cost); its error, with a message saying
  // the server cannot start without it, if it cannot be made
  // (RESOURCE_EXHAUSTED: not enough memory).
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(
      AccountStore* accounts, const Clock* clock, AuthOptions options);

  // UNAUTHENTICATED: wrong user name or password (one answer for both);
  // RESOURCE_EXHAUSTED: slowed down or locked after failures (the message
  // says until when); FAILED_PRECONDITION: the account is disabled;
  // PERMISSION_DENIED: the device id is registered with another key;
  // INVALID_ARGUMENT: a malformed request.
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request);
  // The caller behind the call's `authorization: Bearer` metadata.
  // UNAUTHENTICATED: no token, unknown, expired or revoked (the message says
  // which, and to log in again); FAILED_PRECONDITION: the account is
  // disabled.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& context);
  absl::StatusOr<Caller> CheckToken(absl::string_view token);
  // Revokes the caller's token.
  absl::Status Logout(const Caller& caller);

  v1::Identity IdentityOf(const Caller& caller) const;

 private:
  struct PrivateTag {};  // only Create constructs

 public:
  Authenticator(PrivateTag, AccountStore* accounts, const Clock* clock,
                AuthOptions options, std::string dummy_hash)
      : accounts_(accounts),
        clock_(clock),
        options_(options),
        dummy_hash_(std::move(dummy_hash)) {}

 private:
  // Whether `user` may try a password now (not locked, not too soon after
  // its last failure); a refusal is audited. Counts nothing.
  absl::StatusOr<LoginDecision> Gate(const v1::LoginRequest& req);
  // Counts one failed check of `user`, with the lock it earns.
  absl::StatusOr<LoginDecision> CountFailure(const v1::LoginRequest& req);
  // Checks `password` against `hash` when a slot is free (see
  // AuthOptions::max_concurrent_checks), after asking the gate again: the
  // failures of attempts that were checked while this one waited count.
  // A mismatch is counted (CountFailure) before the slot is freed.
  struct Checked {
    PasswordCheck check;
    LoginDecision counted;  // after a mismatch: the counter as counted
  };
  absl::StatusOr<Checked> CheckPassword(const v1::LoginRequest& req,
                                        absl::string_view hash);

  AccountStore* const accounts_;
  const Clock* const clock_;
  const AuthOptions options_;
  const std::string dummy_hash_;  // checked for unknown names
  absl::Mutex checks_mu_;
  int checks_running_ ABSL_GUARDED_BY(checks_mu_) = 0;
  // Checks running per user name, and checks finished (a waiter's cue to
  // ask the gate again).
  std::map<std::string, int> checks_in_flight_ ABSL_GUARDED_BY(checks_mu_);
  uint64_t checks_finished_ ABSL_GUARDED_BY(checks_mu_) = 0;
};

// The stored form of a token (BLAKE2b-256 of its text).
std::string TokenHash(absl::string_view token);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_AUTH_H_
