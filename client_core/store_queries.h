// What the device's user reads: records (their current revision, by the
// derived state's head), a record's revisions, an entity's fields, the
// device's status and the state summary whose digest equals the server's
// when converged. Read-only: nothing here writes.
//
// An own change's state follows the outbox invariant (outbox.h), so every
// query takes the outcome high-water. A change row whose body cannot be read
// is DATA_LOSS naming it, never skipped silently; a deferred received row
// that cannot be read (damaged on disk) is counted in the status.
//
// Runs under LocalStore's lock.
#ifndef FIELDSYNC_CLIENT_CORE_STORE_QUERIES_H_
#define FIELDSYNC_CLIENT_CORE_STORE_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/record_kind.h"
#include "common/sqlite_db.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

class StoreQueries {
 public:
  // `db` must outlive the object; `device_id` is this device's.
  StoreQueries(Db* db, std::string device_id)
      : db_(db), device_id_(std::move(device_id)) {}

  absl::StatusOr<std::vector<RecordView>> List(std::optional<RecordKind> kind,
                                               uint64_t outcome_hw);
  // NOT_FOUND if no revision of `id` is held.
  absl::StatusOr<std::vector<Revision>> Revisions(const std::string& id,
                                                  uint64_t outcome_hw);
  // NOT_FOUND if no field of the entity is held.
  absl::StatusOr<std::vector<EntityFieldView>> Entity(v1::EntityType type,
                                                      const std::string& id);
  // Every entity of `type` held, with the winning value of each field, by
  // id.
  absl::StatusOr<std::vector<EntitySummary>> Entities(v1::EntityType type);
  // Fills the counts and rejections of `status`.
  absl::Status CountInto(uint64_t outcome_hw, DeviceStatus* status);
  absl::StatusOr<StateSummary> Summarize(uint64_t outcome_hw);

 private:
  absl::StatusOr<Revision> ReadRevision(Stmt& q, bool own, uint64_t outcome_hw);
  absl::Status CountHeldBack(DeviceStatus* status);

  Db* db_;
  const std::string device_id_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_STORE_QUERIES_H_
