#include "common/roster.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/areas.h"
#include "common/personal_data.h"

namespace fieldsync {
namespace {

using absl::InvalidArgumentError;

constexpr double kMaxHours = 10000;
constexpr int64_t kMaxCount = 10'000'000;

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool ParseDate(absl::string_view s, absl::CivilDay* day) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  if (!absl::SimpleAtoi(s.substr(0, 4), &y) ||
      !absl::SimpleAtoi(s.substr(5, 2), &m) ||
      !absl::SimpleAtoi(s.substr(8, 2), &d) || !AllDigits(s.substr(0, 4)) ||
      !AllDigits(s.substr(5, 2)) || !AllDigits(s.substr(8, 2))) {
    return false;
  }
  *day = absl::CivilDay(y, m, d);
  return day->year() == y && day->month() == m && day->day() == d;
}

absl::Status CodeUnder(absl::string_view value, size_t digits,
                       absl::string_view county, absl::string_view what) {
  if (value.size() != digits || !AllDigits(value)) {
    return InvalidArgumentError(
        absl::StrCat("must be a ", digits, "-digit ", what, " code"));
  }
  if (!county.empty() && value.substr(0, county.size()) != county) {
    return InvalidArgumentError(
        absl::StrCat("must start with the code of its county ", county));
  }
  return absl::OkStatus();
}

// The one way a number of hours is written, so that equal values are equal
// strings (a re-import compares strings): "32", "12.5", never "32.0".
std::string CanonicalHours(double h) { return absl::StrFormat("%.10g", h); }

absl::Status CheckHours(absl::string_view value) {
  double h = 0;
  if (!absl::SimpleAtod(value, &h) || !std::isfinite(h) || h < 0 ||
      h > kMaxHours) {
    return InvalidArgumentError(
        "must be a number of hours from 0 to 10000 (32 or 12.5)");
  }
  if (CanonicalHours(h) != value) {
    return InvalidArgumentError(absl::StrCat(
        "must be written ", CanonicalHours(h), " (no trailing zeros)"));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(absl::string_view value, int64_t lo, int64_t hi,
                        absl::string_view what) {
  int64_t n = 0;
  if (!AllDigits(value) || !absl::SimpleAtoi(value, &n) || n < lo || n > hi) {
    return InvalidArgumentError(
        absl::StrCat("must be ", what, " from ", lo, " to ", hi));
  }
  if (absl::StrCat(n) != value) {
    return InvalidArgumentError(
        absl::StrCat("must be written ", n, " (no leading zeros)"));
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<TraineeCategory>& TraineeCategories() {
  static const std::vector<TraineeCategory> kAll = {
      {"registered_poor", "建档立卡"},
      {"resettled", "十二五移民"},
      {"two_after", "两后生"},
      {"other", "其他"}};
  return kAll;
}

const std::vector<RosterField>& RosterFields(v1::EntityType type) {
  using T = FieldType;
  static const std::vector<RosterField> kInstitution = {
      {"name", T::kText},
      {"designated", T::kBool},
      {"tender_result_published", T::kBool},
      {"agreement_signed", T::kBool},
      {"address", T::kText},
      {"contact_person", T::kText},
      {"contact_phone", T::kText},
      {"registration_no", T::kText}};
  static const std::vector<RosterField> kClass = {
      {"name", T::kText},
      {"institution_id", T::kRef},
      {"occupation", T::kText},
      {"township_code", T::kTownship},
      {"village_code", T::kVillage},
      {"start_date", T::kDate},
      {"end_date", T::kDate},
      {"theory_hours", T::kHours},
      {"practical_hours", T::kHours},
      {"planned_trainees", T::kCount}};
  static const std::vector<RosterField> kTrainee = {
      {"name", T::kText},
      {"category", T::kCategory},
      {"class_id", T::kRef},
      {"township_code", T::kTownship},
      {"village_code", T::kVillage},
      {"phone_masked", T::kMaskedPhone},
      {"id_number_masked", T::kMaskedId}};
  static const std::vector<RosterField> kTask = {
      {"year", T::kYear}, {"trainees_target", T::kCount}};
  static const std::vector<RosterField> kNone;
  switch (type) {
    case v1::ENTITY_TYPE_INSTITUTION:
      return kInstitution;
    case v1::ENTITY_TYPE_CLASS:
      return kClass;
    case v1::ENTITY_TYPE_TRAINEE:
      return kTrainee;
    case v1::ENTITY_TYPE_TASK:
      return kTask;
    default:
      return kNone;
  }
}

const RosterField* FindRosterField(v1::EntityType type,
                                   absl::string_view name) {
  for (const RosterField& f : RosterFields(type)) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

absl::Status ValidateFieldValue(const RosterField& field,
                                absl::string_view value,
                                absl::string_view county) {
  if (value.empty()) return absl::OkStatus();
  absl::CivilDay day;
  switch (field.type) {
    case FieldType::kText:
    case FieldType::kRef:
      if (value.find_first_of("\r\n") != absl::string_view::npos) {
        return InvalidArgumentError("must be a single line of text");
      }
      if (absl::StripAsciiWhitespace(value) != value) {
        return InvalidArgumentError("must not start or end with a space");
      }
      return absl::OkStatus();
    case FieldType::kBool:
      if (value == "yes" || value == "no") return absl::OkStatus();
      return InvalidArgumentError("must be yes or no (是 or 否)");
    case FieldType::kDate:
      if (ParseDate(value, &day)) return absl::OkStatus();
      return InvalidArgumentError(
          "must be a date written YYYY-MM-DD (2026-03-01)");
    case FieldType::kHours:
      return CheckHours(value);
    case FieldType::kCount:
      return CheckCount(value, 0, kMaxCount, "a whole number");
    case FieldType::kYear:
      return CheckCount(value, 2000, 2100, "a year");
    case FieldType::kCategory:
      for (const auto& c : TraineeCategories()) {
        if (value == c.code) return absl::OkStatus();
      }
      return InvalidArgumentError(
          "must be one of registered_poor (建档立卡), resettled (十二五移民), "
          "two_after (两后生), other (其他)");
    case FieldType::kTownship:
      return CodeUnder(value, kTownshipCodeDigits, county, "township");
    case FieldType::kVillage:
      return CodeUnder(value, kVillageCodeDigits, county, "village");
    case FieldType::kMaskedId:
      if (IsMaskedIdNumber(value)) return absl::OkStatus();
      return InvalidArgumentError(
          "must be a masked ID number (640522********123X)");
    case FieldType::kMaskedPhone:
      if (IsMaskedPhone(value)) return absl::OkStatus();
      return InvalidArgumentError(
          "must be a masked phone number (138****5678)");
  }
  return InvalidArgumentError("has a type this version does not know");
}

absl::StatusOr<std::string> NormalizeFieldValue(const RosterField& field,
                                                absl::string_view input) {
  std::string v(absl::StripAsciiWhitespace(input));
  if (v.empty()) return v;
  const std::string lower = absl::AsciiStrToLower(v);
  switch (field.type) {
    case FieldType::kBool:
      if (lower == "yes" || lower == "y" || lower == "true" || lower == "1" ||
          v == "是") {
        return std::string("yes");
      }
      if (lower == "no" || lower == "n" || lower == "false" || lower == "0" ||
          v == "否") {
        return std::string("no");
      }
      break;
    case FieldType::kCategory:
      for (const auto& c : TraineeCategories()) {
        if (lower == c.code || v == c.chinese) return std::string(c.code);
      }
      if (v == "其它") return std::string("other");
      break;
    case FieldType::kHours: {
      double h = 0;
      if (absl::SimpleAtod(v, &h) && std::isfinite(h)) v = CanonicalHours(h);
      break;
    }
    case FieldType::kCount:
    case FieldType::kYear: {
      int64_t n = 0;
      if (AllDigits(v) && absl::SimpleAtoi(v, &n)) v = absl::StrCat(n);
      break;
    }
    default:
      break;
  }
  // Anything else is kept as typed if it is a value of the field (a
  // township's county prefix is checked with the entity's county later).
  absl::Status valid = ValidateFieldValue(field, v, "");
  if (!valid.ok()) return valid;
  return v;
}

std::string TaskEntityId(absl::string_view county, int year) {
  return absl::StrCat(county, "-", year);
}

absl::string_view EntityTypeName(v1::EntityType type) {
  switch (type) {
    case v1::ENTITY_TYPE_INSTITUTION:
      return "institution";
    case v1::ENTITY_TYPE_CLASS:
      return "class";
    case v1::ENTITY_TYPE_TRAINEE:
      return "trainee";
    case v1::ENTITY_TYPE_TASK:
      return "task";
    default:
      return "entity";
  }
}

}  // namespace fieldsync
