// Reads the few fields the stores index (kind, record id, county, author) out
// of a serialized ChangeBody without parsing the whole record: receiving a
// page of records is dominated by protobuf allocations otherwise.
//
// For an entity edit or a review it reports the kind only; callers parse
// those fully (they are rare and need every field). Thread-safe, no allocation:
// the views point into `bytes`, which must outlive the header.
#ifndef FIELDSYNC_COMMON_CHANGE_HEADER_H_
#define FIELDSYNC_COMMON_CHANGE_HEADER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/record_kind.h"

namespace fieldsync {

struct ChangeHeader {
  RecordKind kind = RecordKind::kUnknown;
  // Set for records (kind is an observation kind); empty for entity edits.
  absl::string_view record_id;
  absl::string_view county;
  absl::string_view author;
  absl::string_view township;  // "" when the record names none
};

// INVALID_ARGUMENT if `bytes` is not a well-formed ChangeBody on the wire, or
// is one this reader does not handle (a record split over several fields,
// groups): callers then parse the body whole, which is always correct.
// A body with neither a record nor an entity edit gives kind kUnknown.
absl::StatusOr<ChangeHeader> ReadChangeHeader(absl::string_view bytes);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_CHANGE_HEADER_H_
