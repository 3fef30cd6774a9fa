#include "common/clock.h"

#include <sodium.h>

#include <chrono>
#include <cstdlib>

namespace fieldsync {

int64_t SystemClock::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock clock;  // trivially destructible state
  return &clock;
}

void RandomBytes(uint8_t* out, size_t n) {
  static const bool ready = [] { return sodium_init() >= 0; }();
  if (!ready) std::abort();  // no safe randomness: refuse to make ids
  randombytes_buf(out, n);
}

}  // namespace fieldsync
