#include "common/record_kind.h"

namespace fieldsync {

absl::string_view RecordKindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kSpotCheck:
      return "spot-check";
    case RecordKind::kFollowUpVisit:
      return "follow-up-visit";
    case RecordKind::kInterviewNote:
      return "interview-note";
    case RecordKind::kDocumentReview:
      return "document-review";
    case RecordKind::kMonthlyReport:
      return "monthly-report";
    case RecordKind::kEntityEdit:
      return "entity-edit";
    case RecordKind::kReview:
      return "review";
    case RecordKind::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<RecordKind> RecordKindFromName(absl::string_view name) {
  for (RecordKind k : ObservationKinds()) {
    if (RecordKindName(k) == name) return k;
  }
  return std::nullopt;
}

const std::vector<RecordKind>& ObservationKinds() {
  static const std::vector<RecordKind> kinds = {
      RecordKind::kSpotCheck, RecordKind::kFollowUpVisit,
      RecordKind::kInterviewNote, RecordKind::kDocumentReview,
      RecordKind::kMonthlyReport};
  return kinds;
}

RecordKind KindOf(const v1::Record& record) {
  if (record.body_case() == v1::Record::BODY_NOT_SET)
    return RecordKind::kUnknown;
  return static_cast<RecordKind>(record.body_case());
}

RecordKind KindOf(const v1::ChangeBody& body) {
  switch (body.kind_case()) {
    case v1::ChangeBody::kRecord:
      return KindOf(body.record());
    case v1::ChangeBody::kEntityEdit:
      return RecordKind::kEntityEdit;
    case v1::ChangeBody::kReview:
      return RecordKind::kReview;
    case v1::ChangeBody::KIND_NOT_SET:
      break;
  }
  return RecordKind::kUnknown;
}

}  // namespace fieldsync
