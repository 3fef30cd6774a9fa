// Running the `fieldsync` CLI from a test as a user would: the command
// line, standard input, and what it printed with its exit code.
#ifndef FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/util/test_util.h"

namespace fieldsync::testing {

using CliResult = CommandResult;

// Runs the CLI; `input` (if any) is its standard input, as one line.
inline CliResult Cli(const std::string& args, const std::string& input = "") {
  std::string cmd = absl::StrCat(FIELDSYNC_CLI, " ", args);
  if (!input.empty()) {
    cmd = absl::StrCat("printf '%s\\n' '", input, "' | ", cmd);
  }
  return RunCommand(cmd);
}

inline bool Has(const CliResult& r, const std::string& s) {
  return r.out.find(s) != std::string::npos;
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_
