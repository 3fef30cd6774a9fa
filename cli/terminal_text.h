// Text that someone else typed, made safe to print on a terminal. A name, a
// note, a question or a reason can hold control characters (ESC and the
// sequences it starts, BEL, backspace, CR...) that would move the cursor,
// clear the screen, retitle the window or hide lines when printed raw:
// Printable() shows each as \xNN instead. UTF-8 text (Chinese included)
// passes through unchanged. Every command-line tool prints user text
// through it.
#ifndef FIELDSYNC_CLI_TERMINAL_TEXT_H_
#define FIELDSYNC_CLI_TERMINAL_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace fieldsync::cli {

// `text` with C0 controls (0x00-0x1F) and DEL (0x7F) written as \xNN, and
// the C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F) as \uNNNN.
std::string Printable(absl::string_view text);

}  // namespace fieldsync::cli

#endif  // FIELDSYNC_CLI_TERMINAL_TEXT_H_
