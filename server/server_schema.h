// The server database's schema, in one place: the sync store
// (sqlite_server_store.h) and the account store (sqlite_account_store.h)
// share one SQLite file, and an admin process may open it while the server
// runs. Of the tables both stores write, `audit` is written only through
// AuditLog (audit_log.h) and device registrations only through DeviceRows
// (device_rows.h). OpenServerDb creates the tables of a new file and
// migrates an older one, step by step, all in one transaction, so a crash
// mid-migration leaves the previous version intact.
//
// Version 1 (the walking skeleton): meta, devices, changes, origin_runs,
// rejections. Version 2 (accounts): changes.township; rejections.body_hash
// (a refused change outside the caller's areas keeps only its hash, never
// its content); devices.user_id; users, user_areas, tokens, login_attempts
// and the append-only audit table.
#ifndef FIELDSYNC_SERVER_SERVER_SCHEMA_H_
#define FIELDSYNC_SERVER_SERVER_SCHEMA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/sqlite_db.h"

namespace fieldsync {

// Opens (creating if absent) and migrates the server database at `path`.
// FAILED_PRECONDITION if a newer fieldsync-server made it; DATA_LOSS if it
// is not a database.
absl::StatusOr<std::unique_ptr<Db>> OpenServerDb(const std::string& path);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SERVER_SCHEMA_H_
