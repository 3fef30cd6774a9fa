// The names of roles, in one place, for everything that shows a role to a
// person or reads one from a person: the admin command, the audit trail, the
// access policy's refusals and the inspector's CLI.
//
// Invariant: ParseRole(RoleName(r)) == r for every assignable role, and
// these four names are the only ones ParseRole accepts. ROLE_UNSPECIFIED
// (and any value not in the enum) is written "unknown" and is never parsed:
// a user always has a real role.
#ifndef FIELDSYNC_COMMON_ROLES_H_
#define FIELDSYNC_COMMON_ROLES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fieldsync/v1/auth.pb.h"

namespace fieldsync {

// "inspector", "county-officer", "reviewer", "admin"; "unknown" otherwise.
const char* RoleName(v1::Role role);

// The role named `name` (exactly as RoleName writes it). INVALID_ARGUMENT
// naming the accepted names otherwise.
absl::StatusOr<v1::Role> ParseRole(absl::string_view name);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_ROLES_H_
