// Record and entity-edit validation, the one set of rules both the device
// (before it saves) and the server (before it accepts) apply.
//
// Every error is INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for sizes) with a
// message that names the field by its proto path, e.g.
//   "spot_check.attendance_counted (45) exceeds spot_check.enrolled (40)".
// Pure functions, thread-safe.
#ifndef FIELDSYNC_COMMON_VALIDATE_H_
#define FIELDSYNC_COMMON_VALIDATE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// Longest single-line text field (names, ids, occupations), in bytes.
inline constexpr size_t kMaxShortTextBytes = 512;
// Longest free-text field (notes, findings), in bytes.
inline constexpr size_t kMaxLongTextBytes = 64 * 1024;

// A complete record as stored: id (UUIDv7), author and device_id filled.
absl::Status ValidateRecord(const v1::Record& record);
// A record as a person wrote it, before the device fills id, author, device:
// the same rules except those three fields.
absl::Status ValidateRecordContent(const v1::Record& record);

absl::Status ValidateEntityEdit(const v1::EntityEdit& edit);

// A review as stored: record id, area, author, verdict, the reviewed
// revision, and text unless it accepts. Whether it may be stored is a rule
// of the record held (review_state.h), not of the review alone.
absl::Status ValidateReview(const v1::Review& review);

// The fields of an entity type that people may edit directly.
const std::vector<std::string>& EditableFields(v1::EntityType type);

// Parses a change body received from `device_id` and validates it.
// RESOURCE_EXHAUSTED if larger than `max_bytes`; INVALID_ARGUMENT if it does
// not parse, fails validation, or a record's device_id is not `device_id`.
absl::StatusOr<v1::ChangeBody> ParseChangeBody(absl::string_view bytes,
                                               absl::string_view device_id,
                                               size_t max_bytes);
// The same into `out` (which may live on an arena: the server parses a
// batch into one arena to spare the allocator).
absl::Status ParseChangeBodyInto(absl::string_view bytes,
                                 absl::string_view device_id, size_t max_bytes,
                                 v1::ChangeBody* out);

// Whether each write of an entity edit names a value seen before the change
// was made (base_hlc < `hlc`, the change's HLC as the device sent it): a
// base in the change's future would mark every later write as seen and so
// hide real conflicts. OK for other bodies.
absl::Status ValidateBaseHlcs(const v1::ChangeBody& body, uint64_t hlc);

// The county a change body belongs to ("" if none).
const std::string& CountyOf(const v1::ChangeBody& body);
// The record id (16 bytes) or entity key ("<type>/<id>") a change is about;
// a review is about its record.
std::string SubjectOf(const v1::ChangeBody& body);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_VALIDATE_H_
