// What the `fieldsync` commands share: the parsed command line, the exit
// codes (0 done, 1 the command failed and the message says why, 2 the
// command line is wrong: UsageError), and the few ways the tool writes
// sizes, times and records for people. Every command is a function of the
// parsed command line that returns the exit code (commands.h).
#ifndef FIELDSYNC_CLIENT_CORE_CLI_CLI_COMMON_H_
#define FIELDSYNC_CLIENT_CORE_CLI_CLI_COMMON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/terminal_text.h"
#include "fieldsync/client.h"

namespace fieldsync::cli {

struct Cli {
  std::string home;
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --name value
  std::map<std::string, bool> flags;           // --name
};

// Prints "fieldsync: MSG" and a pointer to --help; returns 2.
int UsageError(const std::string& msg);
// Prints "fieldsync: " and the status's message; returns 1.
int Failure(const absl::Status& s);

// "512 B", "3.4 KiB", "1.2 MiB".
std::string Bytes(uint64_t n);
// A time for people (common/time_format.h), "never" for 0.
std::string Time(int64_t ms);
// The first `max_chars` characters of UTF-8 text (never cuts a character).
std::string Prefix(const std::string& text, size_t max_chars);
// A JSON string literal of `s` (UTF-8 passes through; controls escaped).
std::string JsonString(const std::string& s);
// The record as protobuf JSON (camelCase), without the device's fields.
std::string RecordJson(const v1::Record& r);

// The client on the device home the command line names.
absl::StatusOr<std::unique_ptr<Client>> OpenClient(const Cli& cli);
// A file's bytes, or standard input's for "-".
absl::StatusOr<std::string> ReadInput(const std::string& path);

}  // namespace fieldsync::cli

#endif  // FIELDSYNC_CLIENT_CORE_CLI_CLI_COMMON_H_
