#include "common/validate.h"

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/areas.h"
#include "common/record_id.h"
#include "common/roster.h"
#include "common/status_macros.h"
#include "common/wire_format.h"

namespace fieldsync {
namespace {

using absl::InvalidArgumentError;
using absl::StrCat;

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

absl::Status Required(absl::string_view value, absl::string_view path) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return InvalidArgumentError(StrCat(path, " is required"));
  }
  return absl::OkStatus();
}

absl::Status ShortText(absl::string_view value, absl::string_view path) {
  if (value.size() > kMaxShortTextBytes) {
    return InvalidArgumentError(
        absl::StrFormat("%s is %d bytes; at most %d allowed", path,
                        value.size(), kMaxShortTextBytes));
  }
  return absl::OkStatus();
}

absl::Status LongText(absl::string_view value, absl::string_view path) {
  if (value.size() > kMaxLongTextBytes) {
    return InvalidArgumentError(
        absl::StrFormat("%s is %d bytes; at most %d allowed", path,
                        value.size(), kMaxLongTextBytes));
  }
  return absl::OkStatus();
}

absl::Status RequiredShort(absl::string_view value, absl::string_view path) {
  FS_RETURN_IF_ERROR(Required(value, path));
  return ShortText(value, path);
}

absl::Status Hours(double h, absl::string_view path) {
  if (!std::isfinite(h) || h < 0 || h > 10000) {
    return InvalidArgumentError(
        absl::StrFormat("%s (%g) must be between 0 and 10000 hours", path, h));
  }
  return absl::OkStatus();
}

absl::Status AnswerSet(v1::Answer a, absl::string_view path) {
  if (!v1::Answer_IsValid(a) || a == v1::ANSWER_UNSPECIFIED) {
    return InvalidArgumentError(
        StrCat(path, " is required (ANSWER_YES, ANSWER_NO or ANSWER_UNKNOWN)"));
  }
  return absl::OkStatus();
}

absl::Status AnswerOptional(v1::Answer a, absl::string_view path) {
  if (!v1::Answer_IsValid(a)) {
    return InvalidArgumentError(StrCat(path, " has an unknown value"));
  }
  return absl::OkStatus();
}

absl::Status ValidateArea(const v1::AreaRef& area, absl::string_view path) {
  if (area.county_code().empty()) {
    return InvalidArgumentError(StrCat(path, ".county_code is required"));
  }
  if (area.county_code().size() != kCountyCodeDigits ||
      !AllDigits(area.county_code())) {
    return InvalidArgumentError(StrCat(path, ".county_code \"",
                                       area.county_code(), "\" must be ",
                                       kCountyCodeDigits, " digits"));
  }
  if (!area.township_code().empty()) {
    if (area.township_code().size() != kTownshipCodeDigits ||
        !AllDigits(area.township_code())) {
      return InvalidArgumentError(StrCat(path, ".township_code \"",
                                         area.township_code(), "\" must be ",
                                         kTownshipCodeDigits, " digits"));
    }
    if (!absl::StartsWith(area.township_code(), area.county_code())) {
      return InvalidArgumentError(
          StrCat(path, ".township_code \"", area.township_code(),
                 "\" is not in county ", area.county_code()));
    }
  }
  if (!area.village_code().empty()) {
    if (area.township_code().empty()) {
      return InvalidArgumentError(
          StrCat(path, ".village_code needs ", path, ".township_code"));
    }
    if (area.village_code().size() != kVillageCodeDigits ||
        !AllDigits(area.village_code())) {
      return InvalidArgumentError(StrCat(path, ".village_code \"",
                                         area.village_code(), "\" must be ",
                                         kVillageCodeDigits, " digits"));
    }
    if (!absl::StartsWith(area.village_code(), area.township_code())) {
      return InvalidArgumentError(
          StrCat(path, ".village_code \"", area.village_code(),
                 "\" is not in township ", area.township_code()));
    }
  }
  return absl::OkStatus();
}

bool IsRubricItemId(absl::string_view id) {
  // Dotted numbers: "3", "2.3", "1.2.1".
  if (id.empty() || id.size() > 16) return false;
  bool expect_digit = true;
  for (char c : id) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      expect_digit = false;
    } else if (c == '.' && !expect_digit) {
      expect_digit = true;
    } else {
      return false;
    }
  }
  return !expect_digit;
}

absl::Status ValidateSpotCheck(const v1::SpotCheck& s) {
  FS_RETURN_IF_ERROR(RequiredShort(s.class_id(), "spot_check.class_id"));
  FS_RETURN_IF_ERROR(
      RequiredShort(s.institution_id(), "spot_check.institution_id"));
  FS_RETURN_IF_ERROR(RequiredShort(s.occupation(), "spot_check.occupation"));
  if (s.enrolled() == 0) {
    return InvalidArgumentError("spot_check.enrolled must be at least 1");
  }
  if (s.attendance_counted() > s.enrolled()) {
    return InvalidArgumentError(absl::StrFormat(
        "spot_check.attendance_counted (%d) exceeds spot_check.enrolled (%d)",
        s.attendance_counted(), s.enrolled()));
  }
  FS_RETURN_IF_ERROR(
      Hours(s.theory_hours_scheduled(), "spot_check.theory_hours_scheduled"));
  FS_RETURN_IF_ERROR(Hours(s.practical_hours_scheduled(),
                           "spot_check.practical_hours_scheduled"));
  FS_RETURN_IF_ERROR(
      Hours(s.theory_hours_observed(), "spot_check.theory_hours_observed"));
  FS_RETURN_IF_ERROR(Hours(s.practical_hours_observed(),
                           "spot_check.practical_hours_observed"));
  if (s.theory_hours_scheduled() + s.practical_hours_scheduled() <= 0) {
    return InvalidArgumentError(
        "spot_check.theory_hours_scheduled + "
        "spot_check.practical_hours_scheduled must be more than 0");
  }
  return LongText(s.findings(), "spot_check.findings");
}

absl::Status ValidateFollowUpVisit(const v1::FollowUpVisit& f) {
  FS_RETURN_IF_ERROR(
      RequiredShort(f.trainee_id(), "follow_up_visit.trainee_id"));
  FS_RETURN_IF_ERROR(ShortText(f.class_id(), "follow_up_visit.class_id"));
  if (!v1::ContactMethod_IsValid(f.contact_method()) ||
      f.contact_method() == v1::CONTACT_METHOD_UNSPECIFIED) {
    return InvalidArgumentError(
        "follow_up_visit.contact_method is required "
        "(CONTACT_METHOD_HOME_VISIT, "
        "CONTACT_METHOD_PHONE or CONTACT_METHOD_WORKPLACE)");
  }
  FS_RETURN_IF_ERROR(AnswerSet(f.employed(), "follow_up_visit.employed"));
  if (f.employed() == v1::ANSWER_YES) {
    FS_RETURN_IF_ERROR(Required(
        f.employer(), "follow_up_visit.employer (the trainee is employed)"));
  }
  FS_RETURN_IF_ERROR(ShortText(f.employer(), "follow_up_visit.employer"));
  if (!v1::IncomeBand_IsValid(f.monthly_income())) {
    return InvalidArgumentError(
        "follow_up_visit.monthly_income has an unknown value");
  }
  FS_RETURN_IF_ERROR(AnswerOptional(f.job_matches_occupation(),
                                    "follow_up_visit.job_matches_occupation"));
  FS_RETURN_IF_ERROR(AnswerOptional(f.certificate_obtained(),
                                    "follow_up_visit.certificate_obtained"));
  FS_RETURN_IF_ERROR(
      AnswerOptional(f.subsidy_received(), "follow_up_visit.subsidy_received"));
  FS_RETURN_IF_ERROR(AnswerOptional(f.publicity_reached(),
                                    "follow_up_visit.publicity_reached"));
  FS_RETURN_IF_ERROR(AnswerOptional(f.information_reached(),
                                    "follow_up_visit.information_reached"));
  FS_RETURN_IF_ERROR(AnswerOptional(f.subsidy_paid_to_person(),
                                    "follow_up_visit.subsidy_paid_to_person"));
  return AnswerOptional(f.employment_followed_up(),
                        "follow_up_visit.employment_followed_up");
}

absl::Status ValidateInterviewNote(const v1::InterviewNote& n) {
  if (n.participants().empty()) {
    return InvalidArgumentError(
        "interview_note.participants needs at least one participant");
  }
  for (int i = 0; i < n.participants_size(); ++i) {
    const auto& p = n.participants(i);
    const std::string path = StrCat("interview_note.participants[", i, "]");
    FS_RETURN_IF_ERROR(RequiredShort(p.name(), StrCat(path, ".name")));
    FS_RETURN_IF_ERROR(RequiredShort(p.role(), StrCat(path, ".role")));
    FS_RETURN_IF_ERROR(
        ShortText(p.organisation(), StrCat(path, ".organisation")));
  }
  FS_RETURN_IF_ERROR(ShortText(n.topic(), "interview_note.topic"));
  FS_RETURN_IF_ERROR(Required(n.notes(), "interview_note.notes"));
  return LongText(n.notes(), "interview_note.notes");
}

absl::Status ValidateDocumentReview(const v1::DocumentReview& d) {
  if (d.documents().empty()) {
    return InvalidArgumentError(
        "document_review.documents needs at least one document");
  }
  for (int i = 0; i < d.documents_size(); ++i) {
    const auto& doc = d.documents(i);
    const std::string path = StrCat("document_review.documents[", i, "]");
    FS_RETURN_IF_ERROR(RequiredShort(doc.title(), StrCat(path, ".title")));
    FS_RETURN_IF_ERROR(
        ShortText(doc.document_kind(), StrCat(path, ".document_kind")));
    FS_RETURN_IF_ERROR(ShortText(doc.reference(), StrCat(path, ".reference")));
  }
  FS_RETURN_IF_ERROR(Required(d.findings(), "document_review.findings"));
  return LongText(d.findings(), "document_review.findings");
}

absl::Status ValidateMonthlyReport(const v1::MonthlyReport& m) {
  const std::string& month = m.month();
  bool ok = month.size() == 7 && month[4] == '-' &&
            AllDigits(month.substr(0, 4)) && AllDigits(month.substr(5, 2));
  if (ok) {
    const int mm = std::stoi(month.substr(5, 2));
    const int yyyy = std::stoi(month.substr(0, 4));
    ok = mm >= 1 && mm <= 12 && yyyy >= 2000 && yyyy <= 2200;
  }
  if (!ok) {
    return InvalidArgumentError(StrCat("monthly_report.month \"", month,
                                       "\" must be YYYY-MM (e.g. 2026-05)"));
  }
  if (m.rows().empty()) {
    return InvalidArgumentError("monthly_report.rows needs at least one row");
  }
  std::set<std::string> seen;
  for (int i = 0; i < m.rows_size(); ++i) {
    const auto& r = m.rows(i);
    const std::string path = StrCat("monthly_report.rows[", i, "]");
    FS_RETURN_IF_ERROR(
        RequiredShort(r.occupation(), StrCat(path, ".occupation")));
    if (!seen.insert(r.occupation()).second) {
      return InvalidArgumentError(
          StrCat(path, ".occupation \"", r.occupation(), "\" appears twice"));
    }
    if (r.certified() > r.trained()) {
      return InvalidArgumentError(
          absl::StrFormat("%s.certified (%d) exceeds %s.trained (%d)", path,
                          r.certified(), path, r.trained()));
    }
    if (r.employed() > r.trained()) {
      return InvalidArgumentError(
          absl::StrFormat("%s.employed (%d) exceeds %s.trained (%d)", path,
                          r.employed(), path, r.trained()));
    }
  }
  FS_RETURN_IF_ERROR(
      LongText(m.main_practices(), "monthly_report.main_practices"));
  return LongText(m.highlights(), "monthly_report.highlights");
}

// A task's id is "<county>-<year>" of the county it belongs to.
absl::Status ValidateTaskId(const v1::EntityEdit& e) {
  const std::string& id = e.entity_id();
  const std::string& county = e.area().county_code();
  int year = 0;
  if (id.size() != county.size() + 5 || !absl::StartsWith(id, county) ||
      id[county.size()] != '-' ||
      !absl::SimpleAtoi(id.substr(county.size() + 1), &year) ||
      TaskEntityId(county, year) != id) {
    return InvalidArgumentError(
        StrCat("entity_edit.entity_id of a task is \"<county>-<year>\" (",
               TaskEntityId(county, 2026), ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRecordContent(const v1::Record& r) {
  if (!r.has_area()) return InvalidArgumentError("area is required");
  FS_RETURN_IF_ERROR(ValidateArea(r.area(), "area"));
  if (!r.has_observed_at()) {
    return InvalidArgumentError("observed_at is required");
  }
  // 2000-01-01 .. 2200-01-01: catches seconds-vs-milliseconds mistakes.
  const int64_t secs = r.observed_at().seconds();
  if (secs < 946684800 || secs > 7258118400 || r.observed_at().nanos() < 0 ||
      r.observed_at().nanos() > 999999999) {
    return InvalidArgumentError(absl::StrFormat(
        "observed_at (%d s since 1970) must be between 2000 and 2200", secs));
  }
  if (r.has_location()) {
    const auto& g = r.location();
    if (!std::isfinite(g.latitude()) || g.latitude() < -90 ||
        g.latitude() > 90) {
      return InvalidArgumentError(absl::StrFormat(
          "location.latitude (%g) must be between -90 and 90", g.latitude()));
    }
    if (!std::isfinite(g.longitude()) || g.longitude() < -180 ||
        g.longitude() > 180) {
      return InvalidArgumentError(absl::StrFormat(
          "location.longitude (%g) must be between -180 and 180",
          g.longitude()));
    }
    if (!std::isfinite(g.accuracy_m()) || g.accuracy_m() < 0) {
      return InvalidArgumentError("location.accuracy_m must be 0 or more");
    }
  }
  for (int i = 0; i < r.rubric_links_size(); ++i) {
    const auto& link = r.rubric_links(i);
    if (!IsRubricItemId(link.item_id())) {
      return InvalidArgumentError(
          StrCat("rubric_links[", i, "].item_id \"", link.item_id(),
                 "\" must be a dotted item number such as \"2.3\""));
    }
    if (link.finding().size() > kMaxLongTextBytes) {  // the path only then
      return LongText(link.finding(), StrCat("rubric_links[", i, "].finding"));
    }
  }
  FS_RETURN_IF_ERROR(LongText(r.notes(), "notes"));
  switch (r.body_case()) {
    case v1::Record::kSpotCheck:
      return ValidateSpotCheck(r.spot_check());
    case v1::Record::kFollowUpVisit:
      return ValidateFollowUpVisit(r.follow_up_visit());
    case v1::Record::kInterviewNote:
      return ValidateInterviewNote(r.interview_note());
    case v1::Record::kDocumentReview:
      return ValidateDocumentReview(r.document_review());
    case v1::Record::kMonthlyReport:
      return ValidateMonthlyReport(r.monthly_report());
    case v1::Record::BODY_NOT_SET:
      break;
  }
  return InvalidArgumentError(
      "the record has no body: set one of spot_check, follow_up_visit, "
      "interview_note, document_review, monthly_report");
}

absl::Status ValidateRecord(const v1::Record& r) {
  if (std::string bad = UuidV7Problem(r.id(), "id"); !bad.empty()) {
    return InvalidArgumentError(bad);
  }
  FS_RETURN_IF_ERROR(RequiredShort(r.author(), "author"));
  if (std::string bad = DeviceIdProblem(r.device_id(), "device_id");
      !bad.empty()) {
    return InvalidArgumentError(bad);
  }
  return ValidateRecordContent(r);
}

absl::Status ValidateReview(const v1::Review& r) {
  if (std::string bad = UuidV7Problem(r.record_id(), "review.record_id");
      !bad.empty()) {
    return InvalidArgumentError(bad);
  }
  FS_RETURN_IF_ERROR(ValidateArea(r.area(), "review.area"));
  FS_RETURN_IF_ERROR(RequiredShort(r.author(), "review.author"));
  if (!v1::ReviewVerdict_IsValid(r.verdict()) ||
      r.verdict() == v1::REVIEW_VERDICT_UNSPECIFIED) {
    return InvalidArgumentError(
        "review.verdict is required (REVIEW_VERDICT_ACCEPT, "
        "REVIEW_VERDICT_QUESTION, REVIEW_VERDICT_REJECT or "
        "REVIEW_VERDICT_ANSWER)");
  }
  if (r.verdict() != v1::REVIEW_VERDICT_ACCEPT) {
    FS_RETURN_IF_ERROR(Required(r.text(), "review.text"));
  }
  FS_RETURN_IF_ERROR(LongText(r.text(), "review.text"));
  if (r.revision().device_id().size() != kIdBytes) {
    return InvalidArgumentError(
        absl::StrFormat("review.revision.device_id must be 16 bytes (got %d)",
                        r.revision().device_id().size()));
  }
  if (r.revision().device_seq() == 0) {
    return InvalidArgumentError("review.revision.device_seq is required");
  }
  return absl::OkStatus();
}

const std::vector<std::string>& EditableFields(v1::EntityType type) {
  static const std::map<int, std::vector<std::string>> kNames = [] {
    std::map<int, std::vector<std::string>> names;
    for (int t = v1::EntityType_MIN; t <= v1::EntityType_MAX; ++t) {
      if (!v1::EntityType_IsValid(t)) continue;
      for (const RosterField& f :
           RosterFields(static_cast<v1::EntityType>(t))) {
        names[t].push_back(f.name);
      }
    }
    return names;
  }();
  static const std::vector<std::string> kNone;
  const auto it = kNames.find(static_cast<int>(type));
  return it == kNames.end() ? kNone : it->second;
}

absl::Status ValidateEntityEdit(const v1::EntityEdit& e) {
  if (!v1::EntityType_IsValid(e.entity_type()) ||
      e.entity_type() == v1::ENTITY_TYPE_UNSPECIFIED) {
    return InvalidArgumentError(
        "entity_edit.entity_type is required (ENTITY_TYPE_INSTITUTION, "
        "ENTITY_TYPE_CLASS, ENTITY_TYPE_TRAINEE or ENTITY_TYPE_TASK)");
  }
  FS_RETURN_IF_ERROR(RequiredShort(e.entity_id(), "entity_edit.entity_id"));
  if (!e.has_area())
    return InvalidArgumentError("entity_edit.area is required");
  FS_RETURN_IF_ERROR(ValidateArea(e.area(), "entity_edit.area"));
  if (e.writes().empty()) {
    return InvalidArgumentError("entity_edit.writes needs at least one field");
  }
  if (e.entity_type() == v1::ENTITY_TYPE_TASK) {
    FS_RETURN_IF_ERROR(ValidateTaskId(e));
  }
  std::set<std::string> seen;
  for (int i = 0; i < e.writes_size(); ++i) {
    const auto& w = e.writes(i);
    const std::string path = StrCat("entity_edit.writes[", i, "]");
    const RosterField* field = FindRosterField(e.entity_type(), w.field());
    if (field == nullptr) {
      return InvalidArgumentError(StrCat(path, ".field \"", w.field(),
                                         "\" is not an editable field of ",
                                         v1::EntityType_Name(e.entity_type())));
    }
    if (!seen.insert(w.field()).second) {
      return InvalidArgumentError(
          StrCat(path, ".field \"", w.field(), "\" is written twice"));
    }
    FS_RETURN_IF_ERROR(ShortText(w.value(), StrCat(path, ".value")));
    const absl::Status value =
        ValidateFieldValue(*field, w.value(), e.area().county_code());
    if (!value.ok()) {
      return InvalidArgumentError(
          StrCat(path, ".value of \"", w.field(), "\" ", value.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseChangeBodyInto(absl::string_view bytes,
                                 absl::string_view device_id, size_t max_bytes,
                                 v1::ChangeBody* body) {
  if (bytes.size() > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("change body is %d bytes; at most %d allowed",
                        bytes.size(), max_bytes));
  }
  if (!body->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return InvalidArgumentError(
        "change body is not a valid fieldsync.v1.ChangeBody (corrupt bytes or "
        "invalid UTF-8 in a text field)");
  }
  switch (body->kind_case()) {
    case v1::ChangeBody::kRecord:
      FS_RETURN_IF_ERROR(ValidateRecord(body->record()));
      if (body->record().device_id() != device_id) {
        return InvalidArgumentError(
            "record.device_id is not the uploading device");
      }
      return absl::OkStatus();
    case v1::ChangeBody::kEntityEdit:
      return ValidateEntityEdit(body->entity_edit());
    case v1::ChangeBody::kReview:
      return ValidateReview(body->review());
    case v1::ChangeBody::KIND_NOT_SET:
      break;
  }
  return InvalidArgumentError(
      "change body has neither record, entity_edit nor review");
}

absl::StatusOr<v1::ChangeBody> ParseChangeBody(absl::string_view bytes,
                                               absl::string_view device_id,
                                               size_t max_bytes) {
  v1::ChangeBody body;
  FS_RETURN_IF_ERROR(ParseChangeBodyInto(bytes, device_id, max_bytes, &body));
  return body;
}

absl::Status ValidateBaseHlcs(const v1::ChangeBody& body, uint64_t hlc) {
  if (!body.has_entity_edit()) return absl::OkStatus();
  const auto& writes = body.entity_edit().writes();
  for (int i = 0; i < writes.size(); ++i) {
    if (writes[i].base_hlc() >= hlc) {
      return InvalidArgumentError(absl::StrFormat(
          "entity_edit.writes[%d].base_hlc (%d) is not before the change's "
          "hlc (%d): a write can only have seen a value written before it",
          i, writes[i].base_hlc(), hlc));
    }
  }
  return absl::OkStatus();
}

const std::string& CountyOf(const v1::ChangeBody& body) {
  if (body.has_record()) return body.record().area().county_code();
  if (body.has_review()) return body.review().area().county_code();
  return body.entity_edit().area().county_code();
}

std::string SubjectOf(const v1::ChangeBody& body) {
  if (body.has_record()) return body.record().id();
  if (body.has_review()) return body.review().record_id();
  return StrCat(static_cast<int>(body.entity_edit().entity_type()), "/",
                body.entity_edit().entity_id());
}

}  // namespace fieldsync
