#include "server/password.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace fieldsync {

absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost) {
  if (password.size() < kMinPasswordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "password must be at least ", kMinPasswordBytes, " characters"));
  }
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("password must be at most ", kMaxPasswordBytes, " bytes"));
  }
  if (sodium_init() < 0)
    return absl::InternalError("libsodium failed to start");
  const bool fast = cost == PasswordCost::kTestOnlyFast;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            fast ? crypto_pwhash_OPSLIMIT_MIN
                                 : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            fast ? crypto_pwhash_MEMLIMIT_MIN
                                 : crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError(
        "not enough memory to hash the password");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view hash, absl::string_view password) {
  if (sodium_init() < 0) return false;
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  char str[crypto_pwhash_STRBYTES] = {};
  hash.copy(str, hash.size());
  return crypto_pwhash_str_verify(str, password.data(), password.size()) == 0;
}

}  // namespace fieldsync
