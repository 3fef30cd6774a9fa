#include "common/areas.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fieldsync {

absl::Status ValidateAreaCode(absl::string_view code) {
  const bool digits =
      !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      });
  if (!digits || (code.size() != kCountyCodeDigits &&
                  code.size() != kTownshipCodeDigits)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "area \"", code, "\" must be a county code (", kCountyCodeDigits,
        " digits) or a township code (", kTownshipCodeDigits, " digits)"));
  }
  return absl::OkStatus();
}

bool AreaCovers(absl::string_view area, absl::string_view county,
                absl::string_view township) {
  if (IsCountyCode(area)) return area == county;
  return !township.empty() && area == township;
}

bool AreaWithin(absl::string_view area, absl::string_view outer) {
  if (area == outer) return true;
  return IsCountyCode(outer) && area.size() == kTownshipCodeDigits &&
         absl::StartsWith(area, outer);
}

bool AreaSet::Covers(absl::string_view county,
                     absl::string_view township) const {
  if (all) return true;
  for (const std::string& a : areas) {
    if (AreaCovers(a, county, township)) return true;
  }
  return false;
}

bool AreaSet::Contains(absl::string_view area) const {
  if (all) return true;
  for (const std::string& a : areas) {
    if (AreaWithin(area, a)) return true;
  }
  return false;
}

std::string AreaSet::ToString() const {
  if (all) return "all counties";
  if (areas.empty()) return "no area";
  return absl::StrJoin(areas, ", ");
}

std::string AreaSet::Canonical() const {
  if (all) return "*";
  std::vector<std::string> sorted = areas;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return absl::StrJoin(sorted, ",");
}

const std::string& TownshipOf(const v1::ChangeBody& body) {
  if (body.has_record()) return body.record().area().township_code();
  if (body.has_review()) return body.review().area().township_code();
  return body.entity_edit().area().township_code();
}

}  // namespace fieldsync
