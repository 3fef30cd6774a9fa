// Trainees' personal data: the resident ID number (居民身份证号, GB 11643)
// and the phone number. These never appear in clear in logs, error
// messages, the audit trail or on devices: what travels in a change is the
// masked form people are shown, which is enough to confirm, with the
// trainee's ID card or phone in hand, that the person is the one on the
// roster (the region's six digits and the last four of the ID number; the
// first three and last four of a mobile number).
//
// Errors from these functions never repeat the value they were given.
// Pure functions, thread-safe.
#ifndef FIELDSYNC_COMMON_PERSONAL_DATA_H_
#define FIELDSYNC_COMMON_PERSONAL_DATA_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

// INVALID_ARGUMENT unless `id` is 18 characters, 17 digits then a digit or
// X (x accepted), with a valid birth date and the ISO 7064 MOD 11-2 check
// digit of GB 11643.
absl::Status ValidateIdNumber(absl::string_view id);
// "640522********123X" (x written as X). `id` must be valid.
std::string MaskIdNumber(absl::string_view id);
// Whether `masked` has the shape MaskIdNumber gives.
bool IsMaskedIdNumber(absl::string_view masked);

// INVALID_ARGUMENT unless `phone` is a mainland mobile number (11 digits
// starting with 1) or a landline (area code 0xx/0xxx, a dash optional, 7 or
// 8 digits). Spaces and dashes are ignored.
absl::Status ValidatePhone(absl::string_view phone);
// "138****5678" for a mobile, "0951****5678" for a 12-digit landline:
// always four digits hidden, the last four shown (digits only).
// `phone` must be valid.
std::string MaskPhone(absl::string_view phone);
// Whether `masked` has the shape MaskPhone gives.
bool IsMaskedPhone(absl::string_view masked);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_PERSONAL_DATA_H_
