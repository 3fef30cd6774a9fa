// Hybrid logical clock (Kulkarni et al., 2014), packed as in wire_format.h.
//
// Contract: every value Now() returns is greater than every value it returned
// before and than every value passed to Observe() before. The wall part
// follows the injected clock (plus an offset the owner may set, e.g. the
// correction learned from the server); when the clock stands still or goes
// back, the logical counter advances instead. Thread-safe.
#ifndef FIELDSYNC_COMMON_HLC_H_
#define FIELDSYNC_COMMON_HLC_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/wire_format.h"

namespace fieldsync {

inline constexpr uint64_t PackHlc(uint64_t wall_ms, uint64_t logical) {
  return (wall_ms << kHlcLogicalBits) | (logical & kHlcLogicalMask);
}
inline constexpr uint64_t HlcWallMs(uint64_t hlc) {
  return hlc >> kHlcLogicalBits;
}
inline constexpr uint64_t HlcLogical(uint64_t hlc) {
  return hlc & kHlcLogicalMask;
}

class HybridLogicalClock {
 public:
  // `clock` must outlive this object. `last` is the last value issued before
  // (persisted by the owner), so the clock never goes back across restarts.
  explicit HybridLogicalClock(const Clock* clock, uint64_t last = 0)
      : clock_(clock), last_(last) {}
  HybridLogicalClock(const HybridLogicalClock&) = delete;
  HybridLogicalClock& operator=(const HybridLogicalClock&) = delete;

  // A new timestamp for a local event.
  uint64_t Now();
  // Merges a timestamp seen from elsewhere (a received change, the server's
  // time) so that later local events order after it.
  void Observe(uint64_t remote);
  // Milliseconds added to the injected clock's reading (a correction).
  void SetOffsetMs(int64_t offset_ms);
  uint64_t Last() const;

 private:
  uint64_t WallMs() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* const clock_;
  mutable absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_);
  int64_t offset_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

// No change is older than this: 2020-01-01T00:00:00Z, before fieldsync.
// A wall part below it comes from a device clock that was never set (1970).
inline constexpr uint64_t kMinPlausibleWallMs = 1'577'836'800'000;

// Whether a change's HLC is before kMinPlausibleWallMs: made on a device
// whose clock was never set. Such a change is kept as it is (it loses every
// merge, harmlessly) and flagged, never raised: raising the HLC of a write
// but not the base_hlc of the device's next write of the same field would
// flag a conflict that never happened.
inline bool IsImplausibleHlc(uint64_t hlc) {
  return HlcWallMs(hlc) < kMinPlausibleWallMs;
}

// Bounds a change's HLC against the receiver's clock: a value whose wall part
// is more than `max_skew_ms` ahead of `now_ms` becomes PackHlc(now_ms +
// max_skew_ms, 0). Clamped values never invert one device's order: they tie,
// and ties fall to the device sequence. *clamped says whether it lowered it.
uint64_t ClampHlc(uint64_t hlc, int64_t now_ms, int64_t max_skew_ms,
                  bool* clamped);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_HLC_H_
