#include "common/roles.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fieldsync {

const char* RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_INSPECTOR:
      return "inspector";
    case v1::ROLE_COUNTY_OFFICER:
      return "county-officer";
    case v1::ROLE_REVIEWER:
      return "reviewer";
    case v1::ROLE_ADMIN:
      return "admin";
    default:
      return "unknown";
  }
}

absl::StatusOr<v1::Role> ParseRole(absl::string_view name) {
  for (v1::Role r : {v1::ROLE_INSPECTOR, v1::ROLE_COUNTY_OFFICER,
                     v1::ROLE_REVIEWER, v1::ROLE_ADMIN}) {
    if (name == RoleName(r)) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("role \"", name,
                   "\" is not one of inspector, county-officer, reviewer, "
                   "admin"));
}

}  // namespace fieldsync
