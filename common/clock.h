// Injected time and randomness, so that HLC, id and sync tests are
// deterministic. Implementations are thread-safe.
#ifndef FIELDSYNC_COMMON_CLOCK_H_
#define FIELDSYNC_COMMON_CLOCK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fieldsync {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  // A process-wide instance.
  static SystemClock* Default();
};

// A clock tests set and advance by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void Set(int64_t now_ms) { now_ms_.store(now_ms); }
  void Advance(int64_t delta_ms) { now_ms_.fetch_add(delta_ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

// Fills `out` with `n` cryptographically random bytes (libsodium).
void RandomBytes(uint8_t* out, size_t n);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_CLOCK_H_
