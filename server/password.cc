#include "server/password.h"

#include <sodium.h>

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

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

PasswordCheck VerifyPassword(absl::string_view hash,
                             absl::string_view password) {
  if (sodium_init() < 0) return PasswordCheck::kUnchecked;
  // $argon2id$v=19$m=<KiB>,t=<passes>,p=1$<salt>$<hash>, base64 unpadded.
  const std::vector<absl::string_view> parts = absl::StrSplit(hash, '$');
  uint64_t m = 0, t = 0;
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id" ||
      parts[2] != "v=19") {
    return PasswordCheck::kUnchecked;
  }
  std::vector<absl::string_view> params = absl::StrSplit(parts[3], ',');
  if (params.size() != 3 || !absl::ConsumePrefix(&params[0], "m=") ||
      !absl::SimpleAtoi(params[0], &m) ||
      !absl::ConsumePrefix(&params[1], "t=") ||
      !absl::SimpleAtoi(params[1], &t) || params[2] != "p=1" ||
      m > crypto_pwhash_MEMLIMIT_MAX / 1024) {
    return PasswordCheck::kUnchecked;
  }
  unsigned char salt[crypto_pwhash_SALTBYTES];
  unsigned char want[64];
  size_t salt_len = 0, want_len = 0;
  const int v = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  if (sodium_base642bin(salt, sizeof(salt), parts[4].data(), parts[4].size(),
                        nullptr, &salt_len, nullptr, v) != 0 ||
      salt_len != sizeof(salt) ||
      sodium_base642bin(want, sizeof(want), parts[5].data(), parts[5].size(),
                        nullptr, &want_len, nullptr, v) != 0 ||
      want_len < crypto_pwhash_BYTES_MIN) {
    return PasswordCheck::kUnchecked;
  }
  unsigned char got[64];
  if (crypto_pwhash(got, want_len, password.data(), password.size(), salt, t,
                    static_cast<size_t>(m) * 1024,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return PasswordCheck::kUnchecked;  // out of memory, or absurd limits
  }
  const bool match = sodium_memcmp(got, want, want_len) == 0;
  sodium_memzero(got, sizeof(got));
  return match ? PasswordCheck::kMatch : PasswordCheck::kMismatch;
}

}  // namespace fieldsync
