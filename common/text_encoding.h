// Text as people's files bring it: UTF-8 with or without a byte-order mark,
// or GB18030 (what Excel and Notepad write on a Chinese Windows). Decoding
// either gives UTF-8 or a clear error; it never guesses its way into mojibake:
//   - a UTF-8 BOM is dropped and the rest must be valid UTF-8;
//   - text that is valid UTF-8 is UTF-8 (GB18030 Chinese is practically never
//     valid UTF-8: its lead bytes 0x81-0xFE are followed by bytes UTF-8 does
//     not allow in that order);
//   - otherwise it is read as GB18030 with glibc's iconv, and bytes that are
//     not GB18030 either are an error naming their offset.
// Pure functions, thread-safe (each call opens its own iconv descriptor).
#ifndef FIELDSYNC_COMMON_TEXT_ENCODING_H_
#define FIELDSYNC_COMMON_TEXT_ENCODING_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

enum class TextEncoding { kAuto, kUtf8, kGb18030 };

// "auto", "utf-8" (or "utf8"), "gb18030" (or "gbk"), any case.
absl::StatusOr<TextEncoding> ParseTextEncoding(absl::string_view name);

// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing
// above U+10FFFF). When not and `bad_offset` is given, the offset of the
// first byte that is wrong.
bool IsValidUtf8(absl::string_view text, size_t* bad_offset = nullptr);

// `bytes` as UTF-8 (see above). INVALID_ARGUMENT naming the offset and the
// encoding tried when the bytes are not text in it.
absl::StatusOr<std::string> DecodeText(absl::string_view bytes,
                                       TextEncoding encoding);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_TEXT_ENCODING_H_
