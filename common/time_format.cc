#include "common/time_format.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace fieldsync {

std::string FormatTimeMsBare(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string FormatTimeMs(int64_t ms) {
  return absl::StrCat(FormatTimeMsBare(ms), " UTC");
}

absl::TimeZone RegionTimeZone() {
  static const absl::TimeZone kZone = [] {
    absl::TimeZone tz;
    if (absl::LoadTimeZone("Asia/Shanghai", &tz)) return tz;
    return absl::FixedTimeZone(8 * 3600);
  }();
  return kZone;
}

absl::CivilDay RegionDay(absl::Time t) {
  return absl::ToCivilDay(t, RegionTimeZone());
}

}  // namespace fieldsync
