#include "common/derived_roster_view.h"

#include "common/derived_state.h"
#include "common/status_macros.h"

namespace fieldsync {

absl::StatusOr<std::vector<HeldEntity>> HeldEntities(Db* db,
                                                     v1::EntityType type) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db->Prepare("SELECT e.entity_id, e.county, w.field, w.value "
                          "FROM entities e JOIN field_writes w "
                          "ON w.entity_key = e.entity_key AND w.is_winner = 1 "
                          "WHERE e.entity_type = ? ORDER BY e.entity_id"));
  q.Bind(1, static_cast<int>(type));
  std::vector<HeldEntity> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    std::string id = q.Text(0);
    if (out.empty() || out.back().id != id) {
      out.push_back(HeldEntity{std::move(id), q.Text(1), {}});
    }
    out.back().fields[q.Text(2)] = q.Text(3);
  }
  return out;
}

absl::Status DerivedRosterView::Prepare() {
  if (county_ != nullptr) return absl::OkStatus();
  FS_ASSIGN_OR_RETURN(
      county_,
      db_->PrepareKept("SELECT county FROM entities WHERE entity_key = ?"));
  FS_ASSIGN_OR_RETURN(
      fields_, db_->PrepareKept("SELECT field, value, hlc FROM field_writes "
                                "WHERE entity_key = ? AND is_winner = 1"));
  return absl::OkStatus();
}

absl::StatusOr<RosterEntity> DerivedRosterView::Lookup(v1::EntityType type,
                                                       const std::string& id) {
  FS_RETURN_IF_ERROR(Prepare());
  const std::string key = EntityKey(type, id);
  RosterEntity out;
  county_->BindText(1, key);
  absl::StatusOr<bool> row = county_->Step();
  if (row.ok() && *row) {
    out.exists = true;
    out.county = county_->Text(0);
  }
  county_->Reset();
  FS_RETURN_IF_ERROR(row.status());
  if (!out.exists) return out;
  fields_->BindText(1, key);
  while (true) {
    row = fields_->Step();
    if (!row.ok() || !*row) break;
    out.fields[fields_->Text(0)] = {fields_->Text(1),
                                    static_cast<uint64_t>(fields_->Int(2))};
  }
  fields_->Reset();
  FS_RETURN_IF_ERROR(row.status());
  return out;
}

}  // namespace fieldsync
