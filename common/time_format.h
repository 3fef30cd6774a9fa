// How times are written for people, in one place: the CLI, the server's
// messages (a lock-out's end) and the admin tables. Today every time is
// written in UTC and says so; showing the region's zone (Asia/Shanghai) is
// a change of this file alone.
#ifndef FIELDSYNC_COMMON_TIME_FORMAT_H_
#define FIELDSYNC_COMMON_TIME_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace fieldsync {

// "2026-05-12 02:00:00 UTC" for milliseconds since the Unix epoch.
std::string FormatTimeMs(int64_t ms);

// The same without the zone, for tables whose header names it.
std::string FormatTimeMsBare(int64_t ms);

// The region's time zone, Asia/Shanghai (from the system's tzdata; China
// keeps UTC+8 all year, so without tzdata it is that fixed offset).
absl::TimeZone RegionTimeZone();

// The region's calendar day at `t` (what "today" and "due on" mean to
// inspectors: a visit at 07:30 Beijing time on the 1st is on the 1st).
absl::CivilDay RegionDay(absl::Time t);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_TIME_FORMAT_H_
