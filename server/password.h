// Password hashing: argon2id through libsodium's crypto_pwhash_str, whose
// output string carries the algorithm, its cost parameters and the salt, so
// hashes made with different costs verify alike and the cost can be raised
// later without a schema change.
#ifndef FIELDSYNC_SERVER_PASSWORD_H_
#define FIELDSYNC_SERVER_PASSWORD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

enum class PasswordCost {
  // libsodium's "interactive" limits (64 MiB, 2 passes): what accounts get.
  kInteractive,
  // The minimum limits: for tests only, where hundreds of logins run under
  // sanitizers. Never used by the programs.
  kTestOnlyFast,
};

inline constexpr size_t kMinPasswordBytes = 8;
inline constexpr size_t kMaxPasswordBytes = 1024;

// INVALID_ARGUMENT for a password shorter than kMinPasswordBytes or longer
// than kMaxPasswordBytes; RESOURCE_EXHAUSTED if the memory is not available.
absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost);

// The outcome of checking a password: a wrong password is not the same as
// a check that could not be made (out of memory for argon2id's 64 MiB, a
// damaged stored hash), which must not count toward a lock-out.
enum class PasswordCheck { kMatch, kMismatch, kUnchecked };

// Checks `password` against `hash` (constant time in the password). The
// hash's parameters are read from the string and argon2id is computed with
// crypto_pwhash, so a failure to compute is told apart from a mismatch
// (crypto_pwhash_str_verify answers -1 for both).
PasswordCheck VerifyPassword(absl::string_view hash,
                             absl::string_view password);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_PASSWORD_H_
