#include "common/text_encoding.h"

#include <iconv.h>

#include <cerrno>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fieldsync {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Length of the UTF-8 sequence starting at text[i], 0 if malformed.
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // no overlongs
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

absl::StatusOr<std::string> FromGb18030(absl::string_view bytes,
                                        bool utf8_tried) {
  iconv_t raw = iconv_open("UTF-8", "GB18030");
  if (raw == reinterpret_cast<iconv_t>(-1)) {
    return absl::UnavailableError(
        "this system's iconv cannot read GB18030 (glibc's gconv modules are "
        "missing)");
  }
  std::unique_ptr<void, IconvCloser> cd(raw);
  std::string out;
  out.resize(bytes.size() * 2 + 16);  // GB18030 -> UTF-8 grows by <= 2x
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    const size_t r = iconv(raw, &in_ptr, &in_left, &out_ptr, &out_left);
    if (r != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      const size_t used = out.size() - out_left;
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    const size_t offset = bytes.size() - in_left;
    return absl::InvalidArgumentError(
        absl::StrCat(utf8_tried ? "the file is neither UTF-8 nor GB18030: "
                                : "the file is not GB18030: ",
                     "byte ", offset,
                     errno == EINVAL ? " starts a character the file cuts off"
                                     : " is not a GB18030 character",
                     "; save it from Excel as \"CSV UTF-8\""));
  }
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace

absl::StatusOr<TextEncoding> ParseTextEncoding(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "auto") return TextEncoding::kAuto;
  if (n == "utf-8" || n == "utf8") return TextEncoding::kUtf8;
  if (n == "gb18030" || n == "gbk" || n == "gb2312") {
    return TextEncoding::kGb18030;  // GB18030 is a superset of both
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown encoding \"", name, "\": use auto, utf-8 or gb18030"));
}

bool IsValidUtf8(absl::string_view text, size_t* bad_offset) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      if (bad_offset != nullptr) *bad_offset = i;
      return false;
    }
    i += n;
  }
  return true;
}

absl::StatusOr<std::string> DecodeText(absl::string_view bytes,
                                       TextEncoding encoding) {
  const bool bom = absl::StartsWith(bytes, kUtf8Bom);
  if (bom) bytes.remove_prefix(kUtf8Bom.size());
  size_t bad = 0;
  const bool utf8 = IsValidUtf8(bytes, &bad);
  if (encoding == TextEncoding::kGb18030 && !bom) {
    // UTF-8 Chinese read as GB18030 decodes into other Chinese characters
    // (mojibake) without an error: refuse it instead.
    bool ascii = true;
    for (char c : bytes) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (utf8 && !ascii) {
      return absl::InvalidArgumentError(
          "the file is UTF-8, not GB18030: import it with --encoding utf-8 "
          "(or auto)");
    }
    return FromGb18030(bytes, false);
  }
  if (utf8) return std::string(bytes);
  if (encoding == TextEncoding::kAuto && !bom) {
    absl::StatusOr<std::string> gb = FromGb18030(bytes, true);
    if (!gb.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          gb.status().message(), " (as UTF-8, byte ", bad, " is wrong)"));
    }
    return gb;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the file is not valid UTF-8: byte ", bad + (bom ? kUtf8Bom.size() : 0),
      " is not part of a UTF-8 character",
      bom ? "" : " (a GB18030 file: use --encoding gb18030)"));
}

}  // namespace fieldsync
