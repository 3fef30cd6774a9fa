#include "bench/bench_util.h"

#include <stdlib.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fieldsync::bench {

absl::StatusOr<std::unique_ptr<ScratchDir>> ScratchDir::Make(
    std::string parent) {
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string tmpl = absl::StrCat(parent, "/fieldsync-bench-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot make a scratch folder under ", parent, ": ",
                     std::strerror(errno)));
  }
  return std::make_unique<ScratchDir>(PrivateTag{}, std::move(tmpl));
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::Sub(const std::string& name) const {
  return absl::StrCat(path_, "/", name);
}

double Between(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::string Grouped(double v) {
  std::string digits = absl::StrFormat("%.0f", v);
  std::string out;
  const size_t start = !digits.empty() && digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Rate(uint64_t n, double seconds) {
  return seconds > 0 ? Grouped(static_cast<double>(n) / seconds) : "inf";
}

int64_t MaxRssMb() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

}  // namespace fieldsync::bench
