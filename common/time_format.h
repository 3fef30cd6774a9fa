// How times are written for people, in one place: the CLI, the server's
// messages (a lock-out's end) and the admin tables. Today every time is
// written in UTC and says so; showing the region's zone (Asia/Shanghai) is
// a change of this file alone.
#ifndef FIELDSYNC_COMMON_TIME_FORMAT_H_
#define FIELDSYNC_COMMON_TIME_FORMAT_H_

#include <cstdint>
#include <string>

namespace fieldsync {

// "2026-05-12 02:00:00 UTC" for milliseconds since the Unix epoch.
std::string FormatTimeMs(int64_t ms);

// The same without the zone, for tables whose header names it.
std::string FormatTimeMsBare(int64_t ms);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_TIME_FORMAT_H_
