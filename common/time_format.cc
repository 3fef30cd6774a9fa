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

}  // namespace fieldsync
