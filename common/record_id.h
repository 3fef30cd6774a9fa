// 16-byte ids: UUIDv7 for records (time-ordered), UUIDv4 for devices, with
// the canonical 8-4-4-4-12 hex text form. Layout in wire_format.h.
#ifndef FIELDSYNC_COMMON_RECORD_ID_H_
#define FIELDSYNC_COMMON_RECORD_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"

namespace fieldsync {

// A new UUIDv7 (16 raw bytes) for the clock's current time.
std::string NewRecordId(const Clock& clock);
// A new random UUIDv4 (16 raw bytes).
std::string NewDeviceId();

// "0190f5c2-8a1b-7c3d-9e4f-0123456789ab". Any 16 bytes format; other sizes
// format as "<invalid id: N bytes>".
std::string IdToString(absl::string_view raw);
// Parses the text form (dashes optional, case-insensitive).
// INVALID_ARGUMENT if it is not 32 hex digits.
absl::StatusOr<std::string> IdFromString(absl::string_view text);

// True if `raw` is 16 bytes with UUID version 7 and the RFC variant.
bool IsUuidV7(absl::string_view raw);
// Why `raw` is not a UUIDv7, for a message after `what` ("id"): its size,
// or its version and variant; "" when it is one.
std::string UuidV7Problem(absl::string_view raw, absl::string_view what);
// Why `raw` is not a device id (16 bytes, not all zero), after `what`
// ("device_id"); "" when it is one.
std::string DeviceIdProblem(absl::string_view raw, absl::string_view what);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_RECORD_ID_H_
