// Areas: which part of the region a user works in, and which changes that
// covers. Shared by the server (what an upload may touch, what the feed
// carries) and the client core (what to back-fill or purge when a user's
// areas change), so both sides apply the same rule.
//
// An area is a county code (6 digits) or a township code (9 digits, starting
// with its county's code). A change belongs to the county and, when it names
// one, the township of its record or entity edit. An area covers a change
// when it is the change's county, or the change's township.
#ifndef FIELDSYNC_COMMON_AREAS_H_
#define FIELDSYNC_COMMON_AREAS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// Lengths of the administrative division codes (GB/T 2260 and its township
// and village extensions): a county's code is a prefix of its townships',
// a township's of its villages'.
inline constexpr size_t kCountyCodeDigits = 6;
inline constexpr size_t kTownshipCodeDigits = 9;
inline constexpr size_t kVillageCodeDigits = 12;

// Whether an area code (already validated) names a county, not a township.
inline bool IsCountyCode(absl::string_view area) {
  return area.size() == kCountyCodeDigits;
}

// INVALID_ARGUMENT unless `code` is 6 or 9 ASCII digits.
absl::Status ValidateAreaCode(absl::string_view code);

// Whether `area` covers a change in `county` / `township` ("" if none).
bool AreaCovers(absl::string_view area, absl::string_view county,
                absl::string_view township);

// Whether `area` is inside `outer` (equal, or a township of that county).
bool AreaWithin(absl::string_view area, absl::string_view outer);

// The set of areas a replica holds: every change (`all`), or the changes
// some listed area covers.
struct AreaSet {
  bool all = false;
  std::vector<std::string> areas;

  bool Covers(absl::string_view county, absl::string_view township) const;
  // Whether every change `area` covers is covered by this set.
  bool Contains(absl::string_view area) const;
  // "all counties", or the codes joined by ", ".
  std::string ToString() const;
  // "*", or the codes sorted and joined by "," (DownloadRequest.areas_seen).
  std::string Canonical() const;
};

// The township of a change body ("" if it names none).
const std::string& TownshipOf(const v1::ChangeBody& body);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_AREAS_H_
