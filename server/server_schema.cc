#include "server/server_schema.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/areas.h"
#include "common/derived_state.h"
#include "common/status_macros.h"
#include "common/wire_format.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {
namespace {

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices(
  device_id BLOB PRIMARY KEY,
  label TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  high_water INTEGER NOT NULL DEFAULT 0,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  clock_offset_ms INTEGER NOT NULL DEFAULT 0,
  clock_flagged INTEGER NOT NULL DEFAULT 0,
  clamped_changes INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes(
  seq INTEGER PRIMARY KEY,
  device_id BLOB NOT NULL,
  device_seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  county TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  body BLOB NOT NULL
);
-- Where each device's accepted changes are: a run of consecutive device
-- sequences stored at consecutive feed sequences (one row per batch, where an
-- index on (device_id, device_seq) would cost one entry per change).
CREATE TABLE IF NOT EXISTS origin_runs(
  device_id BLOB NOT NULL,
  first_device_seq INTEGER NOT NULL,
  last_device_seq INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  PRIMARY KEY(device_id, first_device_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejections(
  device_id BLOB NOT NULL,
  device_seq INTEGER NOT NULL,
  code INTEGER NOT NULL,
  reason TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY(device_id, device_seq)
) WITHOUT ROWID;
)sql";

constexpr char kSchemaV2[] = R"sql(
ALTER TABLE changes ADD COLUMN township TEXT NOT NULL DEFAULT '';
ALTER TABLE rejections ADD COLUMN body_hash BLOB;
ALTER TABLE devices ADD COLUMN user_id INTEGER;
ALTER TABLE devices ADD COLUMN key_hash BLOB;
CREATE TABLE users(
  user_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role INTEGER NOT NULL,
  pw_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE user_areas(
  user_id INTEGER NOT NULL,
  area TEXT NOT NULL,
  PRIMARY KEY(user_id, area)
) WITHOUT ROWID;
-- Only a hash of each token is kept: a copy of this file gives no usable
-- token.
CREATE TABLE tokens(
  token_id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  user_id INTEGER NOT NULL,
  device_id BLOB NOT NULL,
  issued_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  revoked_ms INTEGER NOT NULL DEFAULT 0,
  revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_by_user ON tokens(user_id);
CREATE TABLE login_attempts(
  name TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure_ms INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  device_id BLOB,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_by_actor ON audit(actor, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
-- INSERT OR REPLACE would replace a row without firing the delete trigger.
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
  WHEN NEW.seq IS NOT NULL AND EXISTS (SELECT 1 FROM audit WHERE seq = NEW.seq)
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql";

// Fills changes.township from the stored bodies (version 1 did not keep it).
absl::Status BackfillTownships(Db* db) {
  FS_ASSIGN_OR_RETURN(Stmt q, db->Prepare("SELECT seq, body FROM changes"));
  FS_ASSIGN_OR_RETURN(
      Stmt up, db->Prepare("UPDATE changes SET township = ? WHERE seq = ?"));
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const absl::string_view bytes = q.BlobView(1);
    if (!body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      continue;  // accepted bodies always parse; leave it unscoped if not
    }
    const std::string& township = TownshipOf(body);
    if (township.empty()) continue;
    up.BindText(1, township).Bind(2, q.Int(0));
    FS_RETURN_IF_ERROR(up.Run());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Db>> OpenServerDb(const std::string& path) {
  FS_ASSIGN_OR_RETURN(auto db, Db::Open(path));
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get()));
  FS_ASSIGN_OR_RETURN(const int64_t version, db->UserVersion());
  if (version > kServerSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the server database %s has schema version %d; this server knows up "
        "to %d: use a newer fieldsync-server",
        path, version, kServerSchemaVersion));
  }
  if (version < 1) FS_RETURN_IF_ERROR(db->Exec(kSchemaV1));
  if (version < 2) {
    FS_RETURN_IF_ERROR(db->Exec(kSchemaV2));
    FS_RETURN_IF_ERROR(BackfillTownships(db.get()));
  }
  if (version < 3) FS_RETURN_IF_ERROR(SlimRecordsTable(db.get()));
  if (version != kServerSchemaVersion) {
    FS_RETURN_IF_ERROR(
        db->Exec(absl::StrCat("PRAGMA user_version = ", kServerSchemaVersion)));
  }
  FS_RETURN_IF_ERROR(tx.Commit());
  return db;
}

}  // namespace fieldsync
