#include "cli/terminal_text.h"

#include "absl/strings/str_format.h"

namespace fieldsync::cli {

std::string Printable(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    const auto next =
        i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (u < 0x20 || u == 0x7F) {
      out += absl::StrFormat("\\x%02x", u);
    } else if (u == 0xC2 && next >= 0x80 && next <= 0x9F) {
      // U+0080..U+009F, the C1 controls (CSI is U+009B), in UTF-8.
      out += absl::StrFormat("\\u%04x", next);
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace fieldsync::cli
