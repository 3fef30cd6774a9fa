// The device database's schema, in one place (as server_schema.h is for the
// server): the tables LocalStore's parts share, what each holds, and the
// migrations from every older version, each step in its own transaction so
// a crash mid-migration leaves the previous version intact.
//
// Tables (schema version kClientSchemaVersion, wire_format.h):
//   meta              one row per key: device_meta.h names the keys and
//                     their types
//   own_changes       this device's changes (the outbox, outbox.h),
//                     device_seq INTEGER PRIMARY KEY: kind, county, subject,
//                     hlc (effective once accepted), flags, rejected + code +
//                     reason, body
//   received_changes  other devices' changes (the feed, feed_applier.h),
//                     server_seq INTEGER PRIMARY KEY: origin, kind, county,
//                     subject, effective hlc, flags, body, and `deferred`:
//                     set when a pending own change keeps it out of the
//                     derived state
//   held_areas        the areas whose changes this device holds, each with
//                     its back-fill range (held_areas.h)
//   records, entities, field_writes: the shared derived state
//                     (common/derived_state.h)
//
// Version 1 (the walking skeleton): meta, own_changes, received_changes and
// the derived tables. Version 2: held_areas. Version 3: records rows without
// what the change rows hold (common/derived_state.h, SlimRecordsTable).
#ifndef FIELDSYNC_CLIENT_CORE_DEVICE_SCHEMA_H_
#define FIELDSYNC_CLIENT_CORE_DEVICE_SCHEMA_H_

#include "absl/status/status.h"
#include "common/sqlite_db.h"

namespace fieldsync {

// Creates every table of a new device store and sets its version. Call
// inside the caller's transaction, on an empty database.
absl::Status CreateDeviceTables(Db* db);

// Brings an existing store to kClientSchemaVersion, one version at a time.
// FAILED_PRECONDITION, changing nothing, if a newer client made it.
absl::Status MigrateDeviceStore(Db* db);

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_DEVICE_SCHEMA_H_
