// Importing the roster from a CSV file (as Excel saves it): one row per
// institution, class, trainee or yearly task, turned into entity edits that
// sync like any other change. Shared by the device (`fieldsync import`) and
// the server (`fieldsync-server roster import`): the same file gives the same
// edits and the same problems on both.
//
// What an import promises:
//   - all or nothing: every problem of every row is reported, as
//     "FILE:LINE: column: reason", and a plan with problems has no edits;
//   - idempotent: a field is written only when the file's value differs from
//     the importer's current value, so importing the same file twice makes
//     no change the second time, and a corrected row writes only the fields
//     that changed (an empty cell clears a field; a column the file does not
//     have is left alone);
//   - personal data stays out: a trainee's ID number is checked (MOD 11-2)
//     and phone number validated, and only their masked forms are written;
//     problems name the column, never repeat the value.
// The columns, their Chinese aliases and the values they take are in
// docs/ROSTER.md.
#ifndef FIELDSYNC_COMMON_ROSTER_IMPORT_H_
#define FIELDSYNC_COMMON_ROSTER_IMPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/areas.h"
#include "common/text_encoding.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

enum class RosterKind { kInstitutions, kClasses, kTrainees, kTasks };

// "institutions", "classes", "trainees", "tasks" (or the Chinese 培训机构,
// 培训班, 学员, 培训任务).
absl::StatusOr<RosterKind> ParseRosterKind(absl::string_view name);
absl::string_view RosterKindName(RosterKind kind);
v1::EntityType EntityTypeOf(RosterKind kind);

// The canonical column names of a kind, in the documented order, and each
// column's accepted header names (canonical first, then Chinese aliases).
const std::vector<std::vector<std::string>>& RosterColumns(RosterKind kind);

// What the importer already holds of one entity.
struct RosterEntity {
  bool exists = false;
  std::string county;
  struct Value {
    std::string value;
    uint64_t hlc = 0;
  };
  std::map<std::string, Value> fields;  // the current winner of each field
};

// The roster as the importer holds it (the device's store or the server's).
class RosterView {
 public:
  virtual ~RosterView() = default;
  virtual absl::StatusOr<RosterEntity> Lookup(v1::EntityType type,
                                              const std::string& id) = 0;
};

struct ImportPlan {
  std::vector<v1::EntityEdit> edits;  // one per new or changed entity
  size_t rows = 0;
  size_t created = 0;    // entities the importer did not hold
  size_t changed = 0;    // held entities with at least one field written
  size_t unchanged = 0;  // rows that write nothing
  size_t fields_written = 0;
  std::vector<std::string> ignored_columns;  // headers no column matches
  std::vector<std::string> problems;         // "FILE:LINE: column: reason"
};

struct ImportInput {
  RosterKind kind = RosterKind::kTrainees;
  std::string file_name;  // as the user named it, for problems
  absl::string_view bytes;
  TextEncoding encoding = TextEncoding::kAuto;
  AreaSet importer_areas;  // rows outside these are problems
};

// Reads the file and plans the import against `view`. A file that cannot be
// read as a roster at all (encoding, CSV quoting, a missing column, no rows)
// is INVALID_ARGUMENT with "FILE[:LINE]: reason"; row problems are in
// `problems`, every one of them, and then `edits` is empty.
absl::StatusOr<ImportPlan> PlanRosterImport(const ImportInput& input,
                                            RosterView& view);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_ROSTER_IMPORT_H_
