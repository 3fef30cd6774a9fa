#include "client_core/local_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/change_header.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/state_digest.h"
#include "common/status_macros.h"
#include "common/sync_tuning.h"
#include "common/validate.h"
#include "common/wire_format.h"

namespace fieldsync {
namespace {

constexpr char kSchema[] = R"sql(
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

// Version 2: the areas this device holds (local_store_areas.cc).
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE IF NOT EXISTS held_areas(
  area TEXT PRIMARY KEY,
  backfill_after INTEGER NOT NULL DEFAULT 0,
  backfill_up_to INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

std::string NewDeviceKey() {
  std::string key(LocalStore::kDeviceKeyBytes, '\0');
  RandomBytes(reinterpret_cast<uint8_t*>(key.data()), key.size());
  return key;
}

// Locators of change rows in the derived tables: own changes by
// -device_seq, received ones by server_seq (> 0).
int64_t OwnLocator(uint64_t device_seq) {
  return -static_cast<int64_t>(device_seq);
}

std::string DbPath(const std::string& home) {
  return absl::StrCat(home, "/", LocalStore::kDbFile);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

LocalStore::LocalStore(std::unique_ptr<Db> db, const Clock* clock)
    : db_(std::move(db)), clock_(clock) {}

absl::Status LocalStore::Create(const std::string& home,
                                const std::string& server,
                                const std::string& author,
                                const std::string& label) {
  const std::string path = DbPath(home);
  if (FileExists(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(home, " already holds a device (", path,
                     "); use another --home, or remove it to start over"));
  }
  FS_ASSIGN_OR_RETURN(auto db, Db::Open(path));
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get()));
  FS_RETURN_IF_ERROR(db->Exec(kSchema));
  FS_RETURN_IF_ERROR(db->Exec(kSchemaV2));
  // Only the tables are made here; nothing is applied, so nothing is read.
  FS_ASSIGN_OR_RETURN(
      auto derived,
      DerivedState::Create(
          db.get(), [](int64_t) -> absl::StatusOr<HeldRevision> {
            return absl::InternalError("no revisions are held yet");
          }));
  FS_RETURN_IF_ERROR(
      db->Exec(absl::StrCat("PRAGMA user_version = ", kClientSchemaVersion)));
  FS_ASSIGN_OR_RETURN(Stmt put,
                      db->Prepare("INSERT INTO meta(key, value) VALUES(?, ?)"));
  auto text = [&](const char* k, const std::string& v) {
    put.BindText(1, k).BindText(2, v);
    return put.Run();
  };
  put.BindText(1, "device_id").BindBlob(2, NewDeviceId());
  FS_RETURN_IF_ERROR(put.Run());
  put.BindText(1, "device_key").BindBlob(2, NewDeviceKey());
  FS_RETURN_IF_ERROR(put.Run());
  FS_RETURN_IF_ERROR(text("server", server));
  FS_RETURN_IF_ERROR(text("author", author));
  FS_RETURN_IF_ERROR(text("label", label));
  return tx.Commit();
}

absl::StatusOr<std::unique_ptr<LocalStore>> LocalStore::Open(
    const std::string& home, const Clock* clock) {
  const std::string path = DbPath(home);
  if (!FileExists(path)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no device is set up in ", home, ": run `fieldsync --home ", home,
        " init --server HOST:PORT --inspector NAME` first"));
  }
  FS_ASSIGN_OR_RETURN(auto db, Db::Open(path));
  auto store = std::make_unique<LocalStore>(std::move(db), clock);
  FS_RETURN_IF_ERROR(store->Load());
  return store;
}

absl::Status LocalStore::Load() {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(int64_t version, db_->UserVersion());
  if (version == 1) {  // the walking skeleton's store: add the area table
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
    FS_RETURN_IF_ERROR(db_->Exec(kSchemaV2));
    FS_RETURN_IF_ERROR(db_->Exec("PRAGMA user_version = 2"));
    FS_RETURN_IF_ERROR(tx.Commit());
    version = 2;
  }
  if (version == 2) {  // records rows without what the change rows hold
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
    FS_RETURN_IF_ERROR(SlimRecordsTable(db_.get()));
    FS_RETURN_IF_ERROR(db_->Exec("PRAGMA user_version = 3"));
    FS_RETURN_IF_ERROR(tx.Commit());
    version = 3;
  }
  if (version != kClientSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "the device store has schema version %d; this client knows %d", version,
        kClientSchemaVersion));
  }
  // The derived state reads a record's current revision from the change
  // tables, by locator, under mu_ (which its callers hold).
  FS_ASSIGN_OR_RETURN(
      derived_,
      DerivedState::Create(
          db_.get(), [this](int64_t locator) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return ReadHeldRevision(locator);
          }));
  uint64_t hlc_last = 0;
  bool has_byte_totals = false;
  FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare("SELECT key, value FROM meta"));
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string key = q.Text(0);
    if (key == "device_id") device_id_ = q.Blob(1);
    if (key == "device_key") device_key_ = q.Blob(1);
    if (key == "server") server_ = q.Text(1);
    if (key == "author") author_ = q.Text(1);
    if (key == "label") label_ = q.Text(1);
    if (key == "server_id") server_id_ = q.Blob(1);
    if (key == "next_seq") next_seq_ = static_cast<uint64_t>(q.Int(1));
    if (key == "hlc_last") hlc_last = static_cast<uint64_t>(q.Int(1));
    if (key == "cursor") cursor_ = static_cast<uint64_t>(q.Int(1));
    if (key == "outcome_hw") outcome_hw_ = static_cast<uint64_t>(q.Int(1));
    if (key == "clock_offset_ms") clock_offset_ms_ = q.Int(1);
    if (key == "clock_flagged") clock_flagged_ = q.Int(1) != 0;
    if (key == "last_sync_ms") last_sync_ms_ = q.Int(1);
    if (key == "tls_ca_pem") ca_pem_ = q.Text(1);
    if (key == "insecure_plaintext") insecure_ = q.Int(1) != 0;
    if (key == "own_bytes") has_byte_totals = true;
  }
  if (device_id_.size() != kIdBytes) {
    return absl::DataLossError("the device store has no valid device id");
  }
  if (device_key_.size() != kDeviceKeyBytes) {
    // A store from before device keys: it gets one now, before its first
    // login (which registers it with the server).
    device_key_ = NewDeviceKey();
    FS_ASSIGN_OR_RETURN(
        Stmt put,
        db_->Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
    put.BindText(1, "device_key").BindBlob(2, device_key_);
    FS_RETURN_IF_ERROR(put.Run());
  }
  hlc_ = std::make_unique<HybridLogicalClock>(clock_, hlc_last);
  // A clock flagged at the last sync is corrected by the offset the server saw.
  if (clock_flagged_) hlc_->SetOffsetMs(-clock_offset_ms_);

  Db* db = db_.get();
  FS_ASSIGN_OR_RETURN(
      insert_own_,
      db->PrepareKept(
          "INSERT INTO own_changes(device_seq, kind, county, subject, "
          "hlc, recorded_ms, body) VALUES(?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      insert_received_,
      db->PrepareKept(
          "INSERT OR IGNORE INTO received_changes(server_seq, device_id, "
          "device_seq, kind, county, subject, hlc, flags, received_ms, "
          "body) VALUES(?,?,?,?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(own_change_,
                      db->PrepareKept("SELECT hlc, body FROM own_changes "
                                      "WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      received_change_,
      db->PrepareKept("SELECT device_id, device_seq, hlc, body FROM "
                      "received_changes WHERE server_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      set_own_hlc_, db->PrepareKept("UPDATE own_changes SET hlc = ?, flags = ? "
                                    "WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(get_meta_,
                      db->PrepareKept("SELECT value FROM meta WHERE key = ?"));
  FS_ASSIGN_OR_RETURN(
      defer_received_,
      db->PrepareKept("UPDATE received_changes SET deferred = ? "
                      "WHERE server_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      reject_own_,
      db->PrepareKept("UPDATE own_changes SET rejected = 1, code = ?, "
                      "reason = ? WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      put_meta_,
      db->PrepareKept("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  if (!has_byte_totals) FS_RETURN_IF_ERROR(CountOwnBytes());
  return absl::OkStatus();
}

absl::Status LocalStore::CountOwnBytes() {
  // A new home, or one from before the running totals: count once. Two
  // processes doing this at once write the same values.
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(const int64_t hw, GetMeta("outcome_hw"));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT coalesce(sum(length(body)), 0), "
                           "coalesce(sum(length(body)) FILTER "
                           "(WHERE device_seq <= ?), 0) FROM own_changes"));
  q.Bind(1, hw);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const int64_t own = row ? q.Int(0) : 0;
  const int64_t answered = row ? q.Int(1) : 0;
  FS_RETURN_IF_ERROR(PutMeta("own_bytes", own));
  FS_RETURN_IF_ERROR(PutMeta("answered_bytes", answered));
  return tx.Commit();
}

std::string LocalStore::server() const {
  absl::MutexLock lock(&mu_);
  return server_;
}
ConnectionSettings LocalStore::connection() const {
  absl::MutexLock lock(&mu_);
  return ConnectionSettings{server_, ca_pem_, insecure_};
}

absl::Status LocalStore::SetLogin(const ConnectionSettings& c,
                                  const std::string& author) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_RETURN_IF_ERROR(PutMetaText("server", c.server));
  FS_RETURN_IF_ERROR(PutMetaText("tls_ca_pem", c.ca_pem));
  FS_RETURN_IF_ERROR(PutMeta("insecure_plaintext", c.insecure_plaintext));
  FS_RETURN_IF_ERROR(PutMetaText("author", author));
  FS_RETURN_IF_ERROR(tx.Commit());
  server_ = c.server;
  ca_pem_ = c.ca_pem;
  insecure_ = c.insecure_plaintext;
  author_ = author;
  return absl::OkStatus();
}

std::string LocalStore::author() const {
  absl::MutexLock lock(&mu_);
  return author_;
}
std::string LocalStore::label() const {
  absl::MutexLock lock(&mu_);
  return label_;
}
uint64_t LocalStore::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}
uint64_t LocalStore::next_seq() const {
  absl::MutexLock lock(&mu_);
  return next_seq_;
}
uint64_t LocalStore::outcome_hw() const {
  absl::MutexLock lock(&mu_);
  return outcome_hw_;
}

absl::Status LocalStore::PutMeta(const char* key, int64_t value) {
  put_meta_->BindText(1, key).Bind(2, value);
  return put_meta_->Run();
}

absl::StatusOr<int64_t> LocalStore::GetMeta(const char* key) {
  Stmt& q = *get_meta_;
  q.BindText(1, key);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const int64_t v = row ? q.Int(0) : 0;
  q.Reset();
  return v;
}

absl::Status LocalStore::PutMetaText(const char* key,
                                     const std::string& value) {
  put_meta_->BindText(1, key).BindBlob(2, value);
  return put_meta_->Run();
}

absl::StatusOr<uint64_t> LocalStore::InsertOwnChange(
    const v1::ChangeBody& body, RecordKind kind, const std::string& county,
    const std::string& subject) {
  const std::string bytes = body.SerializeAsString();
  if (bytes.size() > kDefaultMaxChangeBodyBytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the record is %d bytes; at most %d allowed (shorten the notes or "
        "split the record)",
        bytes.size(), kDefaultMaxChangeBodyBytes));
  }
  // Another process (a second CLI run on the same home) may have recorded
  // since this one loaded: take the sequence and clock from the store, inside
  // this transaction.
  FS_ASSIGN_OR_RETURN(const int64_t stored_next, GetMeta("next_seq"));
  FS_ASSIGN_OR_RETURN(const int64_t stored_hlc, GetMeta("hlc_last"));
  next_seq_ = std::max<uint64_t>(next_seq_, static_cast<uint64_t>(stored_next));
  hlc_->Observe(static_cast<uint64_t>(stored_hlc));
  const uint64_t seq = next_seq_;
  const uint64_t hlc = hlc_->Now();
  // Derived state first: it refuses a revision that breaks the rules before
  // anything is written.
  FS_ASSIGN_OR_RETURN(
      const RuleVerdict refusal,
      derived_->Apply(Stamp{hlc, device_id_, seq}, OwnLocator(seq), body));
  if (refusal) return refusal->ToStatus();
  Stmt& ins = *insert_own_;
  ins.Bind(1, static_cast<int64_t>(seq))
      .Bind(2, static_cast<int>(kind))
      .BindText(3, county)
      .BindBlob(4, subject)
      .Bind(5, static_cast<int64_t>(hlc))
      .Bind(6, clock_->NowMs())
      .BindBlob(7, bytes);
  FS_RETURN_IF_ERROR(ins.Run());
  FS_RETURN_IF_ERROR(PutMeta("next_seq", static_cast<int64_t>(seq + 1)));
  FS_RETURN_IF_ERROR(PutMeta("hlc_last", static_cast<int64_t>(hlc)));
  FS_ASSIGN_OR_RETURN(const int64_t own_bytes, GetMeta("own_bytes"));
  FS_RETURN_IF_ERROR(
      PutMeta("own_bytes", own_bytes + static_cast<int64_t>(bytes.size())));
  return hlc;
}

absl::StatusOr<std::string> LocalStore::AddRecord(
    v1::Record record, const std::string* revise_id) {
  absl::MutexLock lock(&mu_);
  if (revise_id != nullptr) {
    auto head = derived_->GetRecord(*revise_id);
    if (absl::IsNotFound(head.status())) {
      return absl::NotFoundError(absl::StrCat(
          "no record ", IdToString(*revise_id), " on this device to revise"));
    }
    FS_RETURN_IF_ERROR(head.status());
    record.set_id(*revise_id);
  } else {
    record.set_id(NewRecordId(*clock_));
  }
  record.set_author(author_);
  record.set_device_id(device_id_);
  FS_RETURN_IF_ERROR(ValidateRecord(record));
  v1::ChangeBody body;
  *body.mutable_record() = record;
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_RETURN_IF_ERROR(InsertOwnChange(body, KindOf(record),
                                     record.area().county_code(), record.id())
                         .status());
  FS_RETURN_IF_ERROR(tx.Commit());
  ++next_seq_;
  return record.id();
}

absl::StatusOr<uint64_t> LocalStore::AddEntityEdit(v1::EntityEdit edit) {
  absl::MutexLock lock(&mu_);
  FS_RETURN_IF_ERROR(ValidateEntityEdit(edit));
  const std::string key = EntityKey(edit);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT hlc FROM field_writes WHERE entity_key = ? "
                           "AND field = ? AND is_winner = 1"));
  for (v1::FieldWrite& w : *edit.mutable_writes()) {
    q.BindText(1, key).BindText(2, w.field());
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    w.set_base_hlc(row ? static_cast<uint64_t>(q.Int(0)) : 0);
    q.Reset();
  }
  v1::ChangeBody body;
  *body.mutable_entity_edit() = edit;
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(uint64_t hlc,
                      InsertOwnChange(body, RecordKind::kEntityEdit,
                                      edit.area().county_code(), key));
  FS_RETURN_IF_ERROR(tx.Commit());
  ++next_seq_;
  return hlc;
}

ChangeState LocalStore::OwnState(uint64_t device_seq, bool rejected) const {
  if (device_seq > outcome_hw_) return ChangeState::kPending;
  return rejected ? ChangeState::kRejected : ChangeState::kAccepted;
}

// Both change tables are read through one column layout:
//   0 device_id, 1 device_seq, 2 hlc, 3 server_seq (NULL for own),
//   4 rejected, 5 reason, 6 body
constexpr char kOwnColumns[] =
    "?1 AS device_id, device_seq, hlc, NULL AS server_seq, rejected, reason, "
    "body";
constexpr char kReceivedColumns[] =
    "device_id, device_seq, hlc, server_seq, 0, '', body";

absl::StatusOr<Revision> LocalStore::ReadRevision(Stmt& q, bool own) {
  Revision r;
  r.device_id = q.Blob(0);
  r.device_seq = static_cast<uint64_t>(q.Int(1));
  r.hlc = static_cast<uint64_t>(q.Int(2));
  r.server_seq = q.IsNull(3) ? 0 : static_cast<uint64_t>(q.Int(3));
  r.state =
      own ? OwnState(r.device_seq, q.Int(4) != 0) : ChangeState::kAccepted;
  r.reason = q.Text(5);
  v1::ChangeBody body;
  const absl::string_view b = q.BlobView(6);
  if (!body.ParseFromArray(b.data(), static_cast<int>(b.size())) ||
      !body.has_record()) {
    return absl::DataLossError(absl::StrCat("change ", IdToString(r.device_id),
                                            "/", r.device_seq,
                                            " holds no readable record"));
  }
  r.record = std::move(*body.mutable_record());
  return r;
}

absl::StatusOr<HeldRevision> LocalStore::ReadHeldRevision(int64_t locator) {
  // Own changes by -device_seq, received ones by server_seq.
  const bool own = locator < 0;
  Stmt& q = own ? *own_change_ : *received_change_;
  q.Bind(1, own ? -locator : locator);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    q.Reset();
    return absl::DataLossError(
        absl::StrCat("a record's current revision (locator ", locator,
                     ") is not in this device's change tables"));
  }
  absl::StatusOr<HeldRevision> held =
      own ? HeldRevisionOf(Stamp{static_cast<uint64_t>(q.Int(0)), device_id_,
                                 static_cast<uint64_t>(-locator)},
                           q.BlobView(1))
          : HeldRevisionOf(Stamp{static_cast<uint64_t>(q.Int(2)), q.Blob(0),
                                 static_cast<uint64_t>(q.Int(1))},
                           q.BlobView(3));
  q.Reset();
  return held;
}

absl::StatusOr<std::vector<RecordView>> LocalStore::List(
    std::optional<RecordKind> kind) {
  absl::MutexLock lock(&mu_);
  // The head of each record is in one of the two change tables, by locator.
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare(absl::StrCat(
          "SELECT coalesce(o.device_id, x.device_id), coalesce(o.device_seq, "
          "x.device_seq), coalesce(o.hlc, x.hlc), x.server_seq, "
          "coalesce(o.rejected, 0), coalesce(o.reason, ''), "
          "coalesce(o.body, x.body), r.record_id, r.kind, r.revisions, "
          "o.device_seq IS NOT NULL FROM records r "
          "LEFT JOIN (SELECT ",
          kOwnColumns,
          " FROM own_changes) o "
          "ON r.head_locator < 0 AND o.device_seq = -r.head_locator "
          "LEFT JOIN received_changes x "
          "ON r.head_locator > 0 AND x.server_seq = r.head_locator "
          "WHERE ?2 = 0 OR r.kind = ?2 ORDER BY r.record_id")));
  q.BindBlob(1, device_id_).Bind(2, kind ? static_cast<int>(*kind) : 0);
  std::vector<RecordView> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    RecordView v;
    FS_ASSIGN_OR_RETURN(v.current, ReadRevision(q, q.Int(10) != 0));
    v.id = q.Blob(7);
    v.kind = static_cast<RecordKind>(q.Int(8));
    v.revisions = q.Int(9);
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<std::vector<Revision>> LocalStore::Revisions(
    const std::string& id) {
  absl::MutexLock lock(&mu_);
  std::vector<Revision> out;
  for (bool own : {true, false}) {
    FS_ASSIGN_OR_RETURN(
        Stmt q,
        db_->Prepare(absl::StrCat(
            "SELECT ", own ? kOwnColumns : kReceivedColumns, " FROM ",
            own ? "own_changes" : "received_changes", " WHERE subject = ?2")));
    if (own) q.BindBlob(1, device_id_);
    q.BindBlob(2, id);
    while (true) {
      FS_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      FS_ASSIGN_OR_RETURN(Revision r, ReadRevision(q, own));
      out.push_back(std::move(r));
    }
  }
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no record ", IdToString(id), " on this device"));
  }
  std::sort(out.begin(), out.end(), [](const Revision& a, const Revision& b) {
    return Stamp{a.hlc, a.device_id, a.device_seq} <
           Stamp{b.hlc, b.device_id, b.device_seq};
  });
  return out;
}

absl::StatusOr<std::vector<RevisionRef>> LocalStore::ListRevisions(
    const std::string& record_id) {
  std::vector<RevisionRef> out;
  {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db_->Prepare("SELECT hlc, device_seq FROM own_changes "
                                     "WHERE subject = ? AND rejected = 0"));
    q.BindBlob(1, record_id);
    while (true) {
      FS_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      const auto seq = static_cast<uint64_t>(q.Int(1));
      out.push_back(
          RevisionRef{Stamp{static_cast<uint64_t>(q.Int(0)), device_id_, seq},
                      OwnLocator(seq)});
    }
  }
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT hlc, device_id, device_seq, server_seq "
                           "FROM received_changes WHERE subject = ? AND "
                           "deferred = 0"));
  q.BindBlob(1, record_id);
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(RevisionRef{Stamp{static_cast<uint64_t>(q.Int(0)), q.Blob(1),
                                    static_cast<uint64_t>(q.Int(2))},
                              q.Int(3)});
  }
  return out;
}

absl::StatusOr<std::vector<EntityFieldView>> LocalStore::Entity(
    v1::EntityType type, const std::string& id) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT field, value, hlc, device_id, is_conflict "
                           "FROM field_writes WHERE entity_key = ? AND "
                           "(is_winner = 1 OR is_conflict = 1) "
                           "ORDER BY is_conflict, field, hlc"));
  q.BindText(1, absl::StrCat(static_cast<int>(type), "/", id));
  std::vector<EntityFieldView> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EntityFieldView f;
    f.field = q.Text(0);
    f.value = q.Text(1);
    f.hlc = static_cast<uint64_t>(q.Int(2));
    f.device_id = q.Blob(3);
    f.conflict = q.Int(4) != 0;
    out.push_back(std::move(f));
  }
  if (out.empty()) {
    return absl::NotFoundError(absl::StrCat("no entity ",
                                            v1::EntityType_Name(type), " \"",
                                            id, "\" on this device"));
  }
  return out;
}

absl::StatusOr<DeviceStatus> LocalStore::Status() {
  absl::MutexLock lock(&mu_);
  DeviceStatus s;
  s.device_id = device_id_;
  s.server = server_;
  s.author = author_;
  s.cursor = cursor_;
  s.last_sync_ms = last_sync_ms_;
  s.clock_offset_ms = clock_offset_ms_;
  s.clock_flagged = clock_flagged_;
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT "
                   "(SELECT count(*) FROM own_changes WHERE device_seq > ?1), "
                   "(SELECT coalesce(sum(length(body)), 0) FROM own_changes "
                   " WHERE device_seq > ?1), "
                   "(SELECT count(*) FROM own_changes WHERE device_seq <= ?1 "
                   " AND rejected = 0), "
                   "(SELECT count(*) FROM received_changes), "
                   "(SELECT count(*) FROM records), "
                   "(SELECT count(*) FROM field_writes WHERE is_conflict)"));
  q.Bind(1, static_cast<int64_t>(outcome_hw_));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (row) {
    s.pending = static_cast<uint64_t>(q.Int(0));
    s.pending_bytes = static_cast<uint64_t>(q.Int(1));
    s.accepted = static_cast<uint64_t>(q.Int(2));
    s.received = static_cast<uint64_t>(q.Int(3));
    s.records = static_cast<uint64_t>(q.Int(4));
    s.conflicts = static_cast<uint64_t>(q.Int(5));
  }
  FS_ASSIGN_OR_RETURN(
      Stmt r, db_->Prepare("SELECT device_seq, kind, subject, code, reason "
                           "FROM own_changes WHERE rejected = 1 "
                           "ORDER BY device_seq"));
  while (true) {
    FS_ASSIGN_OR_RETURN(bool more, r.Step());
    if (!more) break;
    Rejection j;
    j.device_seq = static_cast<uint64_t>(r.Int(0));
    j.kind = static_cast<RecordKind>(r.Int(1));
    j.subject =
        j.kind == RecordKind::kEntityEdit ? r.Text(2) : IdToString(r.Blob(2));
    j.code = static_cast<int>(r.Int(3));
    j.reason = r.Text(4);
    s.rejections.push_back(std::move(j));
  }
  s.rejected = s.rejections.size();
  return s;
}

absl::StatusOr<StateSummary> LocalStore::Summarize() {
  absl::MutexLock lock(&mu_);
  StateSummary s;
  FS_ASSIGN_OR_RETURN(
      Stmt c,
      db_->Prepare("SELECT (SELECT count(*) FROM records), "
                   "(SELECT count(*) FROM entities), "
                   "(SELECT count(*) FROM field_writes WHERE is_conflict)"));
  FS_ASSIGN_OR_RETURN(bool row, c.Step());
  if (row) {
    s.records = static_cast<uint64_t>(c.Int(0));
    s.entities = static_cast<uint64_t>(c.Int(1));
    s.conflicts = static_cast<uint64_t>(c.Int(2));
  }
  // The accepted changes: own ones with an outcome and not rejected, and all
  // received ones, in origin order (as the server computes it).
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT ?1 AS d, device_seq AS s, hlc, body FROM "
                   "own_changes WHERE device_seq <= ?2 AND rejected = 0 "
                   "UNION ALL SELECT device_id, device_seq, hlc, body "
                   "FROM received_changes ORDER BY d, s"));
  q.BindBlob(1, device_id_).Bind(2, static_cast<int64_t>(outcome_hw_));
  StateDigest digest;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    digest.Add(q.BlobView(0), static_cast<uint64_t>(q.Int(1)),
               static_cast<uint64_t>(q.Int(2)), q.BlobView(3));
  }
  s.changes = digest.count();
  s.digest = digest.Finish();
  return s;
}

absl::Status LocalStore::PendingTotals(uint64_t* count, uint64_t* bytes) {
  absl::MutexLock lock(&mu_);
  // From the running totals in meta (kept with each change and each batch of
  // outcomes), not a scan of the outbox: a sync of a long-offline device
  // starts sending at once. Own changes are never deleted, so every
  // device_seq up to next_seq - 1 exists; those above outcome_hw are pending.
  FS_ASSIGN_OR_RETURN(const int64_t stored_next, GetMeta("next_seq"));
  FS_ASSIGN_OR_RETURN(const int64_t hw, GetMeta("outcome_hw"));
  FS_ASSIGN_OR_RETURN(const int64_t own, GetMeta("own_bytes"));
  FS_ASSIGN_OR_RETURN(const int64_t answered, GetMeta("answered_bytes"));
  const int64_t next = std::max(static_cast<int64_t>(next_seq_), stored_next);
  *count = static_cast<uint64_t>(std::max<int64_t>(0, next - 1 - hw));
  *bytes = static_cast<uint64_t>(std::max<int64_t>(0, own - answered));
  return absl::OkStatus();
}

absl::Status LocalStore::PendingBatch(uint64_t after, uint32_t max_count,
                                      uint64_t max_bytes,
                                      v1::UploadRequest* request) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT device_seq, hlc, body FROM own_changes "
                           "WHERE device_seq > ? ORDER BY device_seq LIMIT ?"));
  q.Bind(1, static_cast<int64_t>(std::max(after, outcome_hw_)))
      .Bind(2, max_count);
  request->set_device_id(device_id_);
  uint64_t bytes = 0;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const absl::string_view body = q.BlobView(2);
    if (request->changes_size() > 0 && bytes + body.size() + 32 > max_bytes)
      break;
    bytes += body.size() + 32;
    v1::Change* c = request->add_changes();
    c->set_device_seq(static_cast<uint64_t>(q.Int(0)));
    c->set_hlc(static_cast<uint64_t>(q.Int(1)));
    c->set_body(body.data(), body.size());
  }
  return absl::OkStatus();
}

absl::Status LocalStore::ApplyDeferred(const std::string& subject) {
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT server_seq, device_id, device_seq, hlc, body "
                   "FROM received_changes WHERE deferred = 1 AND "
                   "subject = ? ORDER BY server_seq"));
  q.BindBlob(1, subject);
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    v1::ChangeBody body;
    if (!body.ParseFromString(q.Blob(4))) continue;
    const auto server_seq = q.Int(0);
    FS_ASSIGN_OR_RETURN(
        const RuleVerdict refusal,
        derived_->Apply(Stamp{static_cast<uint64_t>(q.Int(3)), q.Blob(1),
                              static_cast<uint64_t>(q.Int(2))},
                        server_seq, body));
    if (refusal) continue;  // still held back by another pending change
    Stmt& d = *defer_received_;
    d.Bind(1, 0).Bind(2, server_seq);
    FS_RETURN_IF_ERROR(d.Run());
  }
  return absl::OkStatus();
}

absl::Status LocalStore::Bookkeeping(const std::function<absl::Status()>& fn) {
  FS_RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous = NORMAL"));
  absl::Status s = [&]() -> absl::Status {
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
    FS_RETURN_IF_ERROR(fn());
    return tx.Commit();
  }();
  const absl::Status restore = db_->Exec("PRAGMA synchronous = FULL");
  return s.ok() ? restore : s;
}

absl::Status LocalStore::ApplyOutcomes(const v1::UploadRequest& request,
                                       const v1::UploadResponse& response,
                                       std::vector<Rejection>* new_rejections,
                                       uint64_t* confirmed) {
  absl::MutexLock lock(&mu_);
  if (response.outcomes_size() != request.changes_size()) {
    return absl::InternalError(
        absl::StrCat("the server answered ", response.outcomes_size(),
                     " outcomes for ", request.changes_size(), " changes"));
  }
  uint64_t hw = outcome_hw_;
  // Feed positions (server_seq) are given in commit order and a batch's
  // accepted changes take consecutive ones, so an own change at cursor + 1
  // leaves nothing unread before it: the cursor may pass it.
  uint64_t cursor = cursor_, passed = 0;
  int64_t answered_bytes = 0;  // of own changes newly below the high-water
  std::vector<Rejection> rejections;
  const RevisionLister lister =
      [this](const std::string& id)
          ABSL_NO_THREAD_SAFETY_ANALYSIS { return ListRevisions(id); };
  FS_RETURN_IF_ERROR(Bookkeeping([&]() -> absl::Status {
    // Outcomes up to the stored high-water are known (another process on
    // this home may have synced since this one loaded): they are not applied
    // or counted again, and the high-water never moves back.
    FS_ASSIGN_OR_RETURN(const int64_t stored_hw, GetMeta("outcome_hw"));
    const uint64_t known =
        std::max(outcome_hw_, static_cast<uint64_t>(stored_hw));
    hw = std::max(hw, known);
    for (int i = 0; i < response.outcomes_size(); ++i) {
      const v1::ChangeOutcome& o = response.outcomes(i);
      const v1::Change& sent = request.changes(i);
      if (o.device_seq() != sent.device_seq()) {
        return absl::InternalError("the server's outcomes are out of order");
      }
      const bool accepted = o.status() == v1::OUTCOME_STATUS_ACCEPTED;
      if (accepted && o.server_seq() == cursor + 1) {
        cursor = o.server_seq();
        ++passed;
      }
      if (o.device_seq() <= known) continue;  // known already
      hw = std::max(hw, o.device_seq());
      answered_bytes += static_cast<int64_t>(sent.body().size());
      if (accepted && o.effective_hlc() == sent.hlc()) continue;  // the usual
      if (!accepted && o.status() != v1::OUTCOME_STATUS_REJECTED) {
        return absl::InternalError(
            "the server sent an outcome without a status");
      }
      v1::ChangeBody body;
      const bool parsed = body.ParseFromString(sent.body()) &&
                          body.kind_case() != v1::ChangeBody::KIND_NOT_SET;
      const Stamp stamp{sent.hlc(), device_id_, sent.device_seq()};
      if (accepted) {
        // The server clamped a skewed clock: adopt the value it kept.
        Stmt& up = *set_own_hlc_;
        up.Bind(1, static_cast<int64_t>(o.effective_hlc()))
            .Bind(2, o.flags())
            .Bind(3, static_cast<int64_t>(o.device_seq()));
        FS_RETURN_IF_ERROR(up.Run());
        if (parsed) {
          FS_RETURN_IF_ERROR(
              derived_->Restamp(stamp, o.effective_hlc(), body, lister));
        }
        hlc_->Observe(o.effective_hlc());
        continue;
      }
      Stmt& rej = *reject_own_;
      rej.Bind(1, o.code())
          .BindText(2, o.reason())
          .Bind(3, static_cast<int64_t>(o.device_seq()));
      FS_RETURN_IF_ERROR(rej.Run());
      // Take it out of the derived state, which holds what the server holds
      // plus what is still pending.
      if (parsed) {
        FS_RETURN_IF_ERROR(derived_->Remove(stamp, body, lister));
        FS_RETURN_IF_ERROR(ApplyDeferred(SubjectOf(body)));
      }
      Rejection j;
      j.device_seq = o.device_seq();
      j.kind = parsed ? KindOf(body) : RecordKind::kUnknown;
      j.subject = !parsed             ? ""
                  : body.has_record() ? IdToString(body.record().id())
                                      : SubjectOf(body);
      j.code = o.code();
      j.reason = o.reason();
      rejections.push_back(std::move(j));
    }
    FS_RETURN_IF_ERROR(PutMeta("outcome_hw", static_cast<int64_t>(hw)));
    FS_ASSIGN_OR_RETURN(const int64_t answered, GetMeta("answered_bytes"));
    FS_RETURN_IF_ERROR(PutMeta("answered_bytes", answered + answered_bytes));
    if (cursor != cursor_) {
      FS_RETURN_IF_ERROR(PutMeta("cursor", static_cast<int64_t>(cursor)));
    }
    return PutMeta("hlc_last", static_cast<int64_t>(hlc_->Last()));
  }));
  outcome_hw_ = hw;
  cursor_ = cursor;
  if (confirmed != nullptr) *confirmed += passed;
  if (new_rejections != nullptr) {
    for (auto& j : rejections) new_rejections->push_back(std::move(j));
  }
  return absl::OkStatus();
}

absl::Status LocalStore::ApplyPage(const v1::DownloadPage& page,
                                   uint64_t* confirmations,
                                   uint64_t* from_others,
                                   const std::string* backfill_area) {
  absl::MutexLock lock(&mu_);
  const int64_t now = clock_->NowMs();
  uint64_t cursor = cursor_, max_hlc = 0, confirmed = 0, others = 0;
  if (backfill_area != nullptr) {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db_->Prepare("SELECT backfill_after FROM held_areas "
                                     "WHERE area = ?"));
    q.BindText(1, *backfill_area);
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      return absl::FailedPreconditionError(absl::StrCat(
          "area ", *backfill_area, " is no longer held; back-fill stopped"));
    }
    cursor = static_cast<uint64_t>(q.Int(0));
  }
  FS_RETURN_IF_ERROR(Bookkeeping([&]() -> absl::Status {
    // A change the derived state refuses was accepted by the server, so
    // what refuses it here is one of this device's pending changes (e.g. an
    // edit that put the entity in another county), which the server will
    // reject. It is deferred until then.
    auto applied = [&](const absl::StatusOr<RuleVerdict>& verdict,
                       uint64_t server_seq) -> absl::Status {
      if (!verdict.ok()) return verdict.status();
      if (!verdict->has_value()) return absl::OkStatus();
      Stmt& d = *defer_received_;
      d.Bind(1, 1).Bind(2, static_cast<int64_t>(server_seq));
      return d.Run();
    };
    // New records known by their header wait here to go into the derived
    // state kBulkRecords at a time (DerivedState::InsertNewRecords); when
    // one of a group is held already, or fewer are left, they go one by one.
    std::vector<DerivedState::NewRecord> bulk;
    bulk.reserve(DerivedState::kBulkRecords);
    auto flush = [&](bool whole_groups_only) -> absl::Status {
      if (bulk.size() == DerivedState::kBulkRecords) {
        FS_ASSIGN_OR_RETURN(const bool inserted,
                            derived_->InsertNewRecords(bulk));
        if (inserted) {
          bulk.clear();
          return absl::OkStatus();
        }
      } else if (whole_groups_only) {
        return absl::OkStatus();
      }
      for (const DerivedState::NewRecord& r : bulk) {
        FS_RETURN_IF_ERROR(
            applied(derived_->ApplyRecord(
                        Stamp{r.hlc, std::string(r.device_id), r.device_seq},
                        r.locator, r.header),
                    static_cast<uint64_t>(r.locator)));
      }
      bulk.clear();
      return absl::OkStatus();
    };
    v1::ChangeBody body;
    for (const v1::FeedEntry& e : page.entries()) {
      if (e.server_seq() <= cursor) continue;  // applied already
      cursor = e.server_seq();
      if (e.device_id() == device_id_) {
        // A confirmation. Its outcome came with the upload (or, if that
        // answer was lost, comes again with the next upload): nothing to do.
        ++confirmed;
        continue;
      }
      // Records are indexed from their header alone; entity edits (rare)
      // are parsed whole, as merging needs every write.
      auto header = ReadChangeHeader(e.body());
      // A body the header reader does not handle is parsed whole.
      const bool whole =
          !header.ok() || header->kind == RecordKind::kEntityEdit;
      RecordKind kind = header.ok() ? header->kind : RecordKind::kUnknown;
      absl::string_view county, subject;
      std::string whole_subject;
      if (whole) {
        body.Clear();
        if (body.ParseFromString(e.body())) {
          kind = KindOf(body);
          county = CountyOf(body);
          whole_subject = SubjectOf(body);
          subject = whole_subject;
        } else {
          kind = RecordKind::kUnknown;  // kept, but not readable by this client
        }
      } else {
        county = header->county;
        subject = header->record_id;
      }
      const bool known = kind != RecordKind::kUnknown;
      // The bound bytes (the page's and `body`'s) outlive Run().
      Stmt& ins = *insert_received_;
      ins.Bind(1, static_cast<int64_t>(e.server_seq()))
          .BindBlobNoCopy(2, e.device_id())
          .Bind(3, static_cast<int64_t>(e.device_seq()))
          .Bind(4, static_cast<int>(kind))
          .BindTextNoCopy(5, county)
          .BindBlobNoCopy(6, subject)
          .Bind(7, static_cast<int64_t>(e.hlc()))
          .Bind(8, e.flags())
          .Bind(9, now)
          .BindBlobNoCopy(10, e.body());
      FS_RETURN_IF_ERROR(ins.Run());
      if (db_->Changes() == 0) continue;
      ++others;
      max_hlc = std::max<uint64_t>(max_hlc, e.hlc());
      // A body this client cannot read (a newer client's kind) is still
      // kept, so nothing is lost; it joins the derived state once this client
      // knows it.
      if (!known) continue;
      const auto locator = static_cast<int64_t>(e.server_seq());
      if (!whole) {
        bulk.push_back(DerivedState::NewRecord{
            e.hlc(), e.device_id(), e.device_seq(), locator, *header});
        FS_RETURN_IF_ERROR(flush(/*whole_groups_only=*/true));
        continue;
      }
      FS_RETURN_IF_ERROR(flush(/*whole_groups_only=*/false));  // in order
      const Stamp stamp{e.hlc(), e.device_id(), e.device_seq()};
      FS_RETURN_IF_ERROR(
          applied(derived_->Apply(stamp, locator, body), e.server_seq()));
    }
    FS_RETURN_IF_ERROR(flush(/*whole_groups_only=*/false));
    cursor = std::max(cursor, page.last_seq());
    if (max_hlc) hlc_->Observe(max_hlc);
    if (backfill_area != nullptr) {
      FS_ASSIGN_OR_RETURN(
          Stmt up, db_->Prepare("UPDATE held_areas SET backfill_after = ? "
                                "WHERE area = ?"));
      up.Bind(1, static_cast<int64_t>(cursor)).BindText(2, *backfill_area);
      FS_RETURN_IF_ERROR(up.Run());
    } else {
      FS_RETURN_IF_ERROR(PutMeta("cursor", static_cast<int64_t>(cursor)));
    }
    return PutMeta("hlc_last", static_cast<int64_t>(hlc_->Last()));
  }));
  if (backfill_area == nullptr) cursor_ = cursor;
  *confirmations += confirmed;
  *from_others += others;
  return absl::OkStatus();
}

absl::Status LocalStore::ApplyHandshake(const HandshakeInfo& info) {
  absl::MutexLock lock(&mu_);
  if (!server_id_.empty() && server_id_ != info.server_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this device belongs to server store ", IdToString(server_id_), " but ",
        server_, " now serves store ", IdToString(info.server_id),
        "; its data would not match: set up a new device home"));
  }
  // A device whose clock is off by more than the server's bound corrects its
  // clock by the offset from now on; either way it never goes back (HLC).
  hlc_->SetOffsetMs(info.clock_flagged ? -info.clock_offset_ms : 0);
  hlc_->Observe(PackHlc(
      static_cast<uint64_t>(std::max<int64_t>(0, info.server_time_ms)), 0));
  // The offset jitters by the round trip: store it when it moves by a second.
  if (server_id_ == info.server_id && clock_flagged_ == info.clock_flagged &&
      std::llabs(clock_offset_ms_ - info.clock_offset_ms) < 1000) {
    return absl::OkStatus();  // nothing to write
  }
  FS_RETURN_IF_ERROR(Bookkeeping([&]() -> absl::Status {
    FS_RETURN_IF_ERROR(PutMetaText("server_id", info.server_id));
    FS_RETURN_IF_ERROR(PutMeta("clock_offset_ms", info.clock_offset_ms));
    return PutMeta("clock_flagged", info.clock_flagged ? 1 : 0);
  }));
  server_id_ = info.server_id;
  clock_offset_ms_ = info.clock_offset_ms;
  clock_flagged_ = info.clock_flagged;
  return absl::OkStatus();
}

absl::Status LocalStore::SetLastSync(int64_t ms) {
  absl::MutexLock lock(&mu_);
  FS_RETURN_IF_ERROR(Bookkeeping([&] { return PutMeta("last_sync_ms", ms); }));
  last_sync_ms_ = ms;
  return absl::OkStatus();
}

}  // namespace fieldsync
