#include "cli/secret_input.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

namespace fieldsync {
namespace {

bool ReadLine(std::string* out) {
  out->clear();
  int c;
  while ((c = std::getchar()) != EOF && c != '\n') {
    out->push_back(static_cast<char>(c));
  }
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return c != EOF || !out->empty();
}

// Restores the terminal's echo when it goes out of scope.
class EchoOff {
 public:
  EchoOff() {
    ok_ = ::tcgetattr(STDIN_FILENO, &saved_) == 0;
    if (!ok_) return;
    struct termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  ~EchoOff() {
    if (ok_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  struct termios saved_;
  bool ok_ = false;
};

}  // namespace

absl::StatusOr<std::string> ReadSecret(const std::string& prompt,
                                       bool confirm) {
  std::string a;
  if (!::isatty(STDIN_FILENO)) {
    if (!ReadLine(&a)) {
      return absl::InvalidArgumentError(
          "no password on standard input (give it as one line)");
    }
    return a;
  }
  EchoOff quiet;
  std::fprintf(stderr, "%s: ", prompt.c_str());
  ReadLine(&a);
  std::fprintf(stderr, "\n");
  if (confirm) {
    std::string b;
    std::fprintf(stderr, "again: ");
    ReadLine(&b);
    std::fprintf(stderr, "\n");
    if (a != b) return absl::InvalidArgumentError("the passwords differ");
  }
  return a;
}

}  // namespace fieldsync
