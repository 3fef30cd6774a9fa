#include "client_core/device_schema.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/derived_state.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "common/wire_format.h"

namespace fieldsync {
namespace {

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS own_changes(
  device_seq INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  county TEXT NOT NULL,
  subject BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  code INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  recorded_ms INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS received_changes(
  server_seq INTEGER PRIMARY KEY,
  device_id BLOB NOT NULL,
  device_seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  county TEXT NOT NULL,
  subject BLOB NOT NULL,
  hlc INTEGER NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  received_ms INTEGER NOT NULL,
  deferred INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL
);
)sql";

constexpr char kSchemaV2[] = R"sql(
CREATE TABLE IF NOT EXISTS held_areas(
  area TEXT PRIMARY KEY,
  backfill_after INTEGER NOT NULL DEFAULT 0,
  backfill_up_to INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

// Version 4: when the server received each change (history). Added only
// where absent, so a store at any earlier version takes it once.
absl::Status AddServerReceivedColumns(Db* db) {
  for (const char* table : {"own_changes", "received_changes"}) {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db->Prepare(absl::StrCat(
                            "SELECT count(*) FROM pragma_table_info('", table,
                            "') WHERE name = 'server_received_ms'")));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    const bool present = row && q.Int(0) > 0;
    q.Reset();
    if (present) continue;
    FS_RETURN_IF_ERROR(
        db->Exec(absl::StrCat("ALTER TABLE ", table,
                              " ADD COLUMN server_received_ms INTEGER NOT NULL "
                              "DEFAULT 0")));
  }
  return absl::OkStatus();
}

// Version 4 also reads the reviews a version-3 client received but could not
// read (it kept them whole, as kind 0, as it keeps every body it cannot
// read): they get their kind, county and subject, and join the derived
// state, as they would have had this client received them.
absl::Status ReadReviewsKeptUnread(Db* db) {
  FS_ASSIGN_OR_RETURN(
      std::unique_ptr<DerivedState> derived,
      DerivedState::Create(db, [](int64_t) -> absl::StatusOr<HeldRevision> {
        return absl::InternalError("reviews read no revision heads");
      }));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db->Prepare("SELECT server_seq, device_id, device_seq, hlc, "
                          "body FROM received_changes WHERE kind = 0 AND "
                          "deferred = 0"));
  FS_ASSIGN_OR_RETURN(
      Stmt up, db->Prepare("UPDATE received_changes SET kind = ?, county = ?, "
                           "subject = ? WHERE server_seq = ?"));
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const absl::string_view bytes = q.BlobView(4);
    body.Clear();
    if (!body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        !body.has_review()) {
      continue;  // still unreadable: kept as it is
    }
    const int64_t server_seq = q.Int(0);
    up.Bind(1, static_cast<int>(RecordKind::kReview))
        .BindText(2, body.review().area().county_code())
        .BindBlob(3, body.review().record_id())
        .Bind(4, server_seq);
    FS_RETURN_IF_ERROR(up.Run());
    FS_ASSIGN_OR_RETURN(
        const RuleVerdict refusal,
        derived->Apply(Stamp{static_cast<uint64_t>(q.Int(3)), q.Blob(1),
                             static_cast<uint64_t>(q.Int(2))},
                       server_seq, body, RuleSet::kFeed));
    if (refusal) return refusal->ToStatus();  // kFeed refuses no review
  }
  return absl::OkStatus();
}

absl::Status SetVersion(Db* db, int version) {
  return db->Exec(absl::StrCat("PRAGMA user_version = ", version));
}

}  // namespace

absl::Status CreateDeviceTables(Db* db) {
  FS_RETURN_IF_ERROR(db->Exec(kSchemaV1));
  FS_RETURN_IF_ERROR(db->Exec(kSchemaV2));
  FS_RETURN_IF_ERROR(AddServerReceivedColumns(db));
  // The derived tables; nothing is applied here, so nothing is read.
  FS_RETURN_IF_ERROR(
      DerivedState::Create(db, [](int64_t) -> absl::StatusOr<HeldRevision> {
        return absl::InternalError("no revisions are held yet");
      }).status());
  return SetVersion(db, kClientSchemaVersion);
}

absl::Status MigrateDeviceStore(Db* db) {
  FS_ASSIGN_OR_RETURN(int64_t version, db->UserVersion());
  if (version == 1) {  // the walking skeleton's store: add the area table
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    FS_RETURN_IF_ERROR(db->Exec(kSchemaV2));
    FS_RETURN_IF_ERROR(SetVersion(db, 2));
    FS_RETURN_IF_ERROR(tx.Commit());
    version = 2;
  }
  if (version == 2) {  // records rows without what the change rows hold
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    FS_RETURN_IF_ERROR(SlimRecordsTable(db));
    FS_RETURN_IF_ERROR(SetVersion(db, 3));
    FS_RETURN_IF_ERROR(tx.Commit());
    version = 3;
  }
  if (version == 3) {  // when the server received each change
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    FS_RETURN_IF_ERROR(AddServerReceivedColumns(db));
    FS_RETURN_IF_ERROR(ReadReviewsKeptUnread(db));
    FS_RETURN_IF_ERROR(SetVersion(db, 4));
    FS_RETURN_IF_ERROR(tx.Commit());
    version = 4;
  }
  if (version != kClientSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the device store has schema version %d; this client knows %d", version,
        kClientSchemaVersion));
  }
  return absl::OkStatus();
}

}  // namespace fieldsync
