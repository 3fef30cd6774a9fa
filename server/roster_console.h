// The roster imported on the server: `fieldsync-server roster import KIND
// FILE.csv --db PATH`, for an admin who has the county's files at the
// office. The same planner as the devices' import (common/roster_import.h):
// the same file gives the same problems, all or nothing, and a re-import
// writes nothing.
//
// The edits enter the store as the changes of one device of the server's
// own, the roster console (its id derived from the store's id, label
// "server roster console"), through ServerStore::ApplyBatch: the same
// write path, exactly-once bookkeeping, feed and audit trail as any upload,
// so devices receive them at their next sync. Their HLC is the server's
// clock at the import, so they win over older writes.
#ifndef FIELDSYNC_SERVER_ROSTER_CONSOLE_H_
#define FIELDSYNC_SERVER_ROSTER_CONSOLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/roster_import.h"
#include "server/server_store.h"

namespace fieldsync {

// The roster console's device id in the store whose id is `server_id`.
std::string RosterConsoleDeviceId(const std::string& server_id);

// Plans `input` (every county) against `store` and, unless `dry_run` or
// the plan has problems, applies its edits as one batch by `actor` (they
// are moved into the store: the plan comes back with its counts and no
// edits).
// INTERNAL if the store refused an edit the plan had validated.
absl::StatusOr<ImportPlan> ImportRosterOnServer(ServerStore& store,
                                                const ImportInput& input,
                                                const std::string& actor,
                                                int64_t now_ms, bool dry_run);

// `roster import KIND FILE.csv [--encoding E] [--dry-run] [--as NAME]`
// against the database at `db`; the exit code (0 ok, 1 failed, 2 usage).
int RunRoster(const std::string& db, const std::vector<std::string>& args);

extern const char kRosterUsage[];

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_ROSTER_CONSOLE_H_
