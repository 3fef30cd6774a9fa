// The account records' shared helper: the user-name rules (the store
// interface itself is account_store.h; the SQLite store is
// sqlite_account_store.h; role names are common/roles.h).
#include "server/account_store.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace fieldsync {
namespace {

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

}  // namespace

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

}  // namespace fieldsync
