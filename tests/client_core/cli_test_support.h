// Running the `fieldsync` CLI from a test as a user would: the command
// line, standard input, and what it printed with its exit code.
#ifndef FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace fieldsync::testing {

struct CliResult {
  int code;
  std::string out;  // stdout and stderr
};

// Runs the CLI; `input` (if any) is its standard input, as one line.
inline CliResult Cli(const std::string& args, const std::string& input = "") {
  std::string cmd = absl::StrCat(FIELDSYNC_CLI, " ", args, " 2>&1");
  if (!input.empty()) {
    cmd = absl::StrCat("printf '%s\\n' '", input, "' | ", cmd);
  }
  FILE* p = popen(cmd.c_str(), "r");
  CliResult r{-1, ""};
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline bool Has(const CliResult& r, const std::string& s) {
  return r.out.find(s) != std::string::npos;
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_CLIENT_CORE_CLI_TEST_SUPPORT_H_
