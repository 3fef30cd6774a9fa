#include "common/record_id.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/wire_format.h"

namespace fieldsync {

std::string NewRecordId(const Clock& clock) {
  uint8_t b[kIdBytes];
  RandomBytes(b, sizeof(b));
  const uint64_t ms = static_cast<uint64_t>(clock.NowMs()) & kHlcMaxWallMs;
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0F));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F));
  return std::string(reinterpret_cast<const char*>(b), sizeof(b));
}

std::string NewDeviceId() {
  uint8_t b[kIdBytes];
  RandomBytes(b, sizeof(b));
  b[6] = static_cast<uint8_t>(0x40 | (b[6] & 0x0F));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3F));
  return std::string(reinterpret_cast<const char*>(b), sizeof(b));
}

std::string IdToString(absl::string_view raw) {
  if (raw.size() != kIdBytes) {
    return absl::StrCat("<invalid id: ", raw.size(), " bytes>");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < kIdBytes; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto c = static_cast<uint8_t>(raw[i]);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

absl::StatusOr<std::string> IdFromString(absl::string_view text) {
  std::string out;
  int nibble = -1;
  for (char c : text) {
    if (c == '-') continue;
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("id \"", text,
                       "\" must be 32 hexadecimal digits (a UUID such as "
                       "0190f5c2-8a1b-7c3d-9e4f-0123456789ab)"));
    }
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(static_cast<char>((nibble << 4) | v));
      nibble = -1;
    }
  }
  if (out.size() != kIdBytes || nibble >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "id \"", text, "\" must be 32 hexadecimal digits (a UUID)"));
  }
  return out;
}

bool IsUuidV7(absl::string_view raw) {
  return raw.size() == kIdBytes && (static_cast<uint8_t>(raw[6]) >> 4) == 7 &&
         (static_cast<uint8_t>(raw[8]) >> 6) == 2;
}

std::string UuidV7Problem(absl::string_view raw, absl::string_view what) {
  if (raw.size() != kIdBytes) {
    return absl::StrFormat("%s must be a 16-byte UUIDv7 (got %d bytes)", what,
                           raw.size());
  }
  if (IsUuidV7(raw)) return "";
  return absl::StrFormat(
      "%s %s is 16 bytes but not a UUIDv7 (version %d, variant bits %d; a "
      "UUIDv7 has version 7 and variant bits 2, RFC 9562)",
      what, IdToString(raw), static_cast<uint8_t>(raw[6]) >> 4,
      static_cast<uint8_t>(raw[8]) >> 6);
}

std::string DeviceIdProblem(absl::string_view raw, absl::string_view what) {
  if (raw.size() != kIdBytes) {
    return absl::StrFormat("%s must be %d bytes (got %d)", what, kIdBytes,
                           raw.size());
  }
  if (raw.find_first_not_of('\0') == absl::string_view::npos) {
    return absl::StrFormat(
        "%s is all zero bytes: a device id is a random UUIDv4 made when the "
        "device is set up",
        what);
  }
  return "";
}

}  // namespace fieldsync
