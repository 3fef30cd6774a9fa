// The roster: who and what is assessed, as entities every replica merges
// field by field (common/merge.h) — training institutions, training
// classes, trainees, and each county's yearly training task — with the
// fields people may write and the values each field takes.
//
// One table, read by validation (the device before it saves, the server
// before it accepts), by the CSV import, and by the documentation
// (docs/ROSTER.md lists the same fields). A value is stored in its canonical
// form ("yes"/"no", a category code, YYYY-MM-DD, a decimal number); people
// may type the Chinese words or 是/否, which NormalizeFieldValue turns into
// the canonical form. "" clears a field and is always valid.
//
// Trainees' personal data is held only masked (common/personal_data.h):
// there is no field that could hold a full ID or phone number.
#ifndef FIELDSYNC_COMMON_ROSTER_H_
#define FIELDSYNC_COMMON_ROSTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

enum class FieldType {
  kText,         // a single line of text
  kBool,         // "yes" / "no"
  kDate,         // YYYY-MM-DD, a real calendar date
  kHours,        // a decimal number of hours, 0..10000
  kCount,        // a whole number, 0..10,000,000
  kYear,         // 2000..2100
  kCategory,     // registered_poor, resettled, two_after, other
  kTownship,     // a 9-digit code starting with the entity's county
  kVillage,      // a 12-digit code starting with the entity's county
  kRef,          // the id of another entity
  kMaskedId,     // 640522********123X
  kMaskedPhone,  // 138****5678
};

struct RosterField {
  const char* name;
  FieldType type;
};

// The editable fields of `type`, in the order the documentation lists them.
const std::vector<RosterField>& RosterFields(v1::EntityType type);
// nullptr if `name` is not an editable field of `type`.
const RosterField* FindRosterField(v1::EntityType type, absl::string_view name);

// INVALID_ARGUMENT, naming no personal data, unless `value` (canonical) is a
// value of `field` for an entity of `county`.
absl::Status ValidateFieldValue(const RosterField& field,
                                absl::string_view value,
                                absl::string_view county);

// The canonical form of what a person typed (trimmed; 是/否, y/n,
// true/false, 1/0 for booleans; Chinese category names; "32.0" is "32").
// INVALID_ARGUMENT saying which values the field takes.
absl::StatusOr<std::string> NormalizeFieldValue(const RosterField& field,
                                                absl::string_view input);

// Trainee categories, canonical code and Chinese name.
struct TraineeCategory {
  const char* code;
  const char* chinese;
};
const std::vector<TraineeCategory>& TraineeCategories();

// The id of a county's task entity for `year`: "640522-2026".
std::string TaskEntityId(absl::string_view county, int year);

// "institution", "class", "trainee", "task".
absl::string_view EntityTypeName(v1::EntityType type);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_ROSTER_H_
