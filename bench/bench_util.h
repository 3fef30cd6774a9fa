// The bench's scaffolding, none of it about sync: a scratch folder that is
// removed with everything in it, timing on the steady clock (never the wall
// clock, which may jump), the number formats of the report and the peak
// memory. Nothing here prints or decides what is measured.
#ifndef FIELDSYNC_BENCH_BENCH_UTIL_H_
#define FIELDSYNC_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace fieldsync::bench {

// A fresh folder (mkdtemp) under `parent`, removed with its contents.
class ScratchDir {
 public:
  // `parent` "" means $TMPDIR, or /tmp when that is unset or empty.
  static absl::StatusOr<std::unique_ptr<ScratchDir>> Make(std::string parent);

  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const;

 private:
  struct PrivateTag {};

 public:
  ScratchDir(PrivateTag, std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

// Seconds since construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Seconds from `a` to `b`.
double Between(std::chrono::steady_clock::time_point a,
               std::chrono::steady_clock::time_point b);

// 1234567.8 -> "1,234,568".
std::string Grouped(double v);

// `n` per second over `seconds`, Grouped; "inf" when `seconds` is not > 0.
std::string Rate(uint64_t n, double seconds);

// The process's peak resident set so far, MiB.
int64_t MaxRssMb();

}  // namespace fieldsync::bench

#endif  // FIELDSYNC_BENCH_BENCH_UTIL_H_
