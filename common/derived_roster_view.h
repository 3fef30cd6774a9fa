// The roster as a replica holds it, read from its derived state
// (common/derived_state.h: the entities and the winning write of each
// field). The one RosterView both the device and the server import against.
//
// Reads in the caller's connection and transaction; the caller holds
// whatever lock guards the database.
#ifndef FIELDSYNC_COMMON_DERIVED_ROSTER_VIEW_H_
#define FIELDSYNC_COMMON_DERIVED_ROSTER_VIEW_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/roster_import.h"
#include "common/sqlite_db.h"

namespace fieldsync {

// One entity as held: its county and the winning value of each field.
struct HeldEntity {
  std::string id;
  std::string county;
  std::map<std::string, std::string> fields;
};

// Every entity of `type` held, by id: the one reader of whole roster lists
// (the device's `todo` and entity listing, the server's overdue report).
absl::StatusOr<std::vector<HeldEntity>> HeldEntities(Db* db,
                                                     v1::EntityType type);

class DerivedRosterView : public RosterView {
 public:
  explicit DerivedRosterView(Db* db) : db_(db) {}

  absl::StatusOr<RosterEntity> Lookup(v1::EntityType type,
                                      const std::string& id) override;

 private:
  absl::Status Prepare();

  Db* const db_;
  std::unique_ptr<Stmt> county_;
  std::unique_ptr<Stmt> fields_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_DERIVED_ROSTER_VIEW_H_
