#include "common/hlc.h"

#include <algorithm>

namespace fieldsync {

uint64_t HybridLogicalClock::WallMs() const {
  int64_t wall = clock_->NowMs() + offset_ms_;
  if (wall < 0) wall = 0;
  return std::min<uint64_t>(static_cast<uint64_t>(wall), kHlcMaxWallMs);
}

uint64_t HybridLogicalClock::Now() {
  absl::MutexLock lock(&mu_);
  const uint64_t wall = WallMs();
  if (wall > HlcWallMs(last_)) {
    last_ = PackHlc(wall, 0);
  } else {
    // Same or earlier wall time: advance the logical part. On counter
    // overflow (65536 events in one ms) borrow the next millisecond.
    last_ = last_ + 1;
  }
  return last_;
}

void HybridLogicalClock::Observe(uint64_t remote) {
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, remote);
}

void HybridLogicalClock::SetOffsetMs(int64_t offset_ms) {
  absl::MutexLock lock(&mu_);
  offset_ms_ = offset_ms;
}

uint64_t HybridLogicalClock::Last() const {
  absl::MutexLock lock(&mu_);
  return last_;
}

uint64_t ClampHlc(uint64_t hlc, int64_t now_ms, int64_t max_skew_ms,
                  bool* clamped) {
  *clamped = false;
  const int64_t limit = std::max<int64_t>(0, now_ms + max_skew_ms);
  if (hlc > PackHlc(static_cast<uint64_t>(limit), 0)) {
    *clamped = true;
    // The logical part is dropped: all clamped changes of one batch tie on
    // the HLC and so keep their device-sequence order (merge.h).
    return PackHlc(static_cast<uint64_t>(limit), 0);
  }
  return hlc;
}

}  // namespace fieldsync
