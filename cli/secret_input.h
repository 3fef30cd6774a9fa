// Reading a password for a command-line program (the inspector CLI and the
// server's admin commands; not part of the embeddable core): one line of
// standard input when it is not a terminal (scripts, pipes), otherwise a
// prompt on stderr with echo off. Passwords never come from the command line,
// where other users could read them in the process list.
#ifndef FIELDSYNC_CLI_SECRET_INPUT_H_
#define FIELDSYNC_CLI_SECRET_INPUT_H_

#include <string>

#include "absl/status/statusor.h"

namespace fieldsync {

// `confirm`: on a terminal, ask twice and require the same answer.
// INVALID_ARGUMENT when standard input is empty or the answers differ.
absl::StatusOr<std::string> ReadSecret(const std::string& prompt, bool confirm);

}  // namespace fieldsync

#endif  // FIELDSYNC_CLI_SECRET_INPUT_H_
