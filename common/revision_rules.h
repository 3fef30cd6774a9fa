// The rules a change must keep to be stored, as pure functions over plain
// values: no database, no I/O. Every store (the device's and the server's
// SQLite stores, a PostgreSQL store later) reads what it holds and asks
// these functions, so all replicas refuse exactly the same changes with the
// same words.
//
// Records. A record's first revision fixes who may revise it and what it is:
//   1. only its author may add revisions (checked first: a change by someone
//      else is refused as such, whatever else it changes);
//   2. a revision keeps the record's kind;
//   3. a revision keeps the record's county.
// Entities. An entity belongs to the county of the first edit held of it:
//   4. an edit naming another county is refused.
//
// A refusal is its own result (RuleRefusal), never an error status: a store
// tells "this change breaks a rule" (reject it, go on with the next) from
// "the store failed" (stop) by type, not by status code. RuleRefusal::code()
// is the code the refusal travels with on the wire (ChangeOutcome.code) and
// through the client API: PERMISSION_DENIED for rules 1 and 8 (the sender
// had no right to make it: nothing of it is kept), FAILED_PRECONDITION for
// the others (the record or entity as held does not allow it). Rules 5-10
// are the review rules of review_state.h.
#ifndef FIELDSYNC_COMMON_REVISION_RULES_H_
#define FIELDSYNC_COMMON_REVISION_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/record_kind.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

enum class RevisionRule {
  kOnlyAuthorRevises = 1,
  kKindIsFixed = 2,
  kCountyIsFixed = 3,
  kEntityCountyIsFixed = 4,
  // Reviews (review_state.h).
  kAcceptedIsLocked = 5,
  kReviewOfHeldRecord = 6,
  kReviewOfCurrentRevision = 7,
  kOnlyAuthorAnswers = 8,
  kAnswerNeedsQuestion = 9,
  kReviewIsNewest = 10,
};

// Why a change may not be stored.
struct RuleRefusal {
  RevisionRule rule;
  std::string message;  // for the user: names the values in conflict

  absl::StatusCode code() const;
  absl::Status ToStatus() const { return absl::Status(code(), message); }
};

// What a storage step decided: nullopt when the change was applied, the
// refusal when a rule refused it (having written nothing). Storage failures
// are the absl::Status around it.
using RuleVerdict = std::optional<RuleRefusal>;

// What fixes a record: its kind, county and author.
struct RecordIdentity {
  RecordKind kind = RecordKind::kUnknown;
  absl::string_view county;
  absl::string_view author;
};

// Rules 1-3: whether `revision` may be stored as a revision of the record
// whose held identity is `held`.
RuleVerdict CheckRecordRevision(const RecordIdentity& held,
                                const RecordIdentity& revision);

// Rule 4: whether an edit of entity (`type`, `id`) naming `edit_county` may
// be stored. `held_county` is the county the entity is held with, or nullopt
// when no edit of it is held (any county is fine then).
RuleVerdict CheckEntityCounty(v1::EntityType type, absl::string_view id,
                              std::optional<absl::string_view> held_county,
                              absl::string_view edit_county);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_REVISION_RULES_H_
