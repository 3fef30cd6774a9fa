// The kinds of evidence, with the names the CLI and reports use. A kind is
// the field number of the Record.body oneof, so it is stable on disk.
#ifndef FIELDSYNC_COMMON_RECORD_KIND_H_
#define FIELDSYNC_COMMON_RECORD_KIND_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

enum class RecordKind : int {
  kUnknown = 0,
  kSpotCheck = v1::Record::kSpotCheck,
  kFollowUpVisit = v1::Record::kFollowUpVisit,
  kInterviewNote = v1::Record::kInterviewNote,
  kDocumentReview = v1::Record::kDocumentReview,
  kMonthlyReport = v1::Record::kMonthlyReport,
  // Not a record: a change that edits an entity's fields.
  kEntityEdit = 100,
  // Not a record: a review of a record, or its author's answer.
  kReview = 101,
};

// The kinds below it are observation records; from it on, other changes
// (a record's revisions are the rows of its subject with a kind below it).
inline constexpr int kFirstChangeKind =
    static_cast<int>(RecordKind::kEntityEdit);

// "spot-check", "follow-up-visit", "interview-note", "document-review",
// "monthly-report", "entity-edit", "review"; "unknown" otherwise.
absl::string_view RecordKindName(RecordKind kind);
// The kind for a CLI name, or nullopt.
std::optional<RecordKind> RecordKindFromName(absl::string_view name);
// The five observation kinds, in rubric order.
const std::vector<RecordKind>& ObservationKinds();
// The kind of a record (kUnknown if its body is not set).
RecordKind KindOf(const v1::Record& record);
// The kind of a change body (a record's kind, kEntityEdit or kReview).
RecordKind KindOf(const v1::ChangeBody& body);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_RECORD_KIND_H_
