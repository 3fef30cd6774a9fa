#include "server/sqlite_server_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/areas.h"
#include "common/record_id.h"
#include "common/state_digest.h"
#include "common/status_macros.h"
#include "common/wire_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/feed_query.h"
#include "server/server_schema.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<SqliteServerStore>> SqliteServerStore::Open(
    const std::string& path) {
  FS_ASSIGN_OR_RETURN(auto db, OpenServerDb(path));
  auto store = std::make_unique<SqliteServerStore>(std::move(db));
  FS_RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status SqliteServerStore::Init() {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(
      read_change_,
      db_->PrepareKept("SELECT device_id, device_seq, hlc, body FROM changes "
                       "WHERE seq = ?"));
  // The derived state reads a record's current revision from its change row
  // (locator = seq), under mu_, which its callers hold.
  FS_ASSIGN_OR_RETURN(
      derived_,
      DerivedState::Create(
          db_.get(),
          [this](int64_t seq)
              ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<HeldRevision> {
                Stmt& q = *read_change_;
                q.Bind(1, seq);
                FS_ASSIGN_OR_RETURN(bool row, q.Step());
                if (!row) {
                  q.Reset();
                  return absl::DataLossError(
                      absl::StrCat("a record's current revision (server_seq ",
                                   seq, ") is not in the changes table"));
                }
                auto held = HeldRevisionOf(
                    Stamp{static_cast<uint64_t>(q.Int(2)), q.Blob(0),
                          static_cast<uint64_t>(q.Int(1))},
                    q.BlobView(3));
                q.Reset();
                return held;
              }));
  {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare("SELECT value FROM meta WHERE key = 'server_id'"));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      server_id_ = q.Blob(0);
    } else {
      server_id_ = NewDeviceId();
      FS_ASSIGN_OR_RETURN(
          Stmt ins,
          db_->Prepare("INSERT INTO meta(key, value) VALUES('server_id', ?)"));
      ins.BindBlob(1, server_id_);
      FS_RETURN_IF_ERROR(ins.Run());
    }
  }
  FS_RETURN_IF_ERROR(tx.Commit());

  {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare("SELECT coalesce(max(seq), 0) FROM changes"));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    next_seq_ = (row ? static_cast<uint64_t>(q.Int(0)) : 0) + 1;
  }
  Db* db = db_.get();
  FS_ASSIGN_OR_RETURN(batch_statements_, BatchStatements::Prepare(db));
  FS_ASSIGN_OR_RETURN(read_feed_,
                      db->PrepareKept(BuildFeedQuery(AreaSet{true, {}}).sql));
  FS_ASSIGN_OR_RETURN(audit_, AuditLog::Prepare(db));
  FS_ASSIGN_OR_RETURN(devices_, DeviceRows::Prepare(db));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteServerStore::RegisterDevice(
    const DeviceHello& hello) {
  absl::MutexLock lock(&mu_);
  return devices_->RecordHello(hello);
}

absl::StatusOr<std::vector<v1::ChangeOutcome>> SqliteServerStore::ApplyBatch(
    const BatchContext& context, std::vector<PreparedChange>& changes,
    uint64_t* high_water) {
  absl::MutexLock lock(&mu_);
  const BatchWriter::Store store{.db = db_.get(),
                                 .derived = derived_.get(),
                                 .statements = &batch_statements_,
                                 .devices = devices_.get(),
                                 .audit = audit_.get()};
  FS_ASSIGN_OR_RETURN(BatchWriter::Result result,
                      BatchWriter::Write(store, context, next_seq_, changes));
  next_seq_ = result.next_seq;  // the batch has committed
  if (high_water != nullptr) *high_water = result.high_water;
  return std::move(result.outcomes);
}

absl::Status SqliteServerStore::ReadFeed(uint64_t after, uint64_t up_to,
                                         uint32_t limit, uint64_t max_bytes,
                                         const std::string& reader,
                                         const AreaSet& areas,
                                         v1::DownloadPage* page) {
  absl::MutexLock lock(&mu_);
  // A reader who sees everything reads the feed straight; others read it
  // filtered by their areas (a scan from the cursor: cheap in steady state,
  // where the cursor is near the head; see the README on back-fill).
  std::optional<Stmt> filtered;
  if (!areas.all) {
    const FeedQuery query = BuildFeedQuery(areas);
    FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare(query.sql));
    int i = kFeedFirstCodeParam;
    for (const std::string& code : query.codes) q.BindText(i++, code);
    filtered.emplace(std::move(q));
  }
  Stmt& q = filtered ? *filtered : *read_feed_;
  q.Bind(1, static_cast<int64_t>(after))
      .Bind(2, static_cast<int64_t>(up_to))
      .Bind(3, limit);
  uint64_t last = after;
  // The page's serialized size so far: its two sequence fields at most.
  uint64_t bytes = 2 * 11;
  uint32_t rows = 0;
  bool full = false;  // ended by the byte budget
  while (true) {
    auto row = q.Step();
    if (!row.ok()) {
      q.Reset();
      return row.status();
    }
    if (!*row) break;
    ++rows;
    v1::FeedEntry* e = page->add_entries();
    const uint64_t before = last;
    last = static_cast<uint64_t>(q.Int(0));
    e->set_server_seq(last);
    const absl::string_view origin = q.BlobView(1);
    e->set_device_id(std::string(origin));
    e->set_device_seq(static_cast<uint64_t>(q.Int(2)));
    e->set_hlc(static_cast<uint64_t>(q.Int(3)));
    e->set_flags(static_cast<uint32_t>(q.Int(4)));
    e->set_received_ms(q.Int(6));
    if (origin != reader) {
      const absl::string_view body = q.BlobView(5);
      e->set_body(std::string(body));
    }
    // The entry as framed in the page: tag, length, message.
    const size_t size = e->ByteSizeLong();
    const uint64_t framed =
        1 + google::protobuf::io::CodedOutputStream::VarintSize64(size) + size;
    if (rows > 1 && bytes + framed > max_bytes) {
      page->mutable_entries()->RemoveLast();  // read again by the next page
      --rows;
      last = before;
      full = true;
      break;
    }
    bytes += framed;
  }
  q.Reset();
  // A short page means everything up to `up_to` was looked at.
  page->set_last_seq(full || rows >= limit ? last : std::max(up_to, after));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteServerStore::FeedHead() {
  absl::MutexLock lock(&mu_);
  // Read, not cached: another process (a roster import) may have appended.
  FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare("SELECT max(seq) FROM changes"));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const uint64_t head =
      row && !q.IsNull(0) ? static_cast<uint64_t>(q.Int(0)) : 0;
  next_seq_ = std::max(next_seq_, head + 1);
  return head;
}

absl::StatusOr<RosterEntity> SqliteServerStore::LookupEntity(
    v1::EntityType type, const std::string& id) {
  absl::MutexLock lock(&mu_);
  if (roster_ == nullptr)
    roster_ = std::make_unique<DerivedRosterView>(db_.get());
  return roster_->Lookup(type, id);
}

absl::StatusOr<StoreSummary> SqliteServerStore::Summarize() {
  absl::MutexLock lock(&mu_);
  StoreSummary s;
  auto count = [&](const char* sql) -> absl::StatusOr<uint64_t> {
    FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare(sql));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? static_cast<uint64_t>(q.Int(0)) : 0;
  };
  FS_ASSIGN_OR_RETURN(s.changes, count("SELECT count(*) FROM changes"));
  FS_ASSIGN_OR_RETURN(s.records, count("SELECT count(*) FROM records"));
  FS_ASSIGN_OR_RETURN(s.entities, count("SELECT count(*) FROM entities"));
  FS_ASSIGN_OR_RETURN(
      s.conflicts,
      count("SELECT count(*) FROM field_writes WHERE is_conflict"));
  FS_ASSIGN_OR_RETURN(s.rejected, count("SELECT count(*) FROM rejections"));
  FS_ASSIGN_OR_RETURN(s.devices, count("SELECT count(*) FROM devices"));
  FS_ASSIGN_OR_RETURN(s.feed_head,
                      count("SELECT coalesce(max(seq), 0) FROM changes"));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT device_id, device_seq, hlc, body FROM "
                           "changes ORDER BY device_id, device_seq"));
  StateDigest digest;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    digest.Add(q.BlobView(0), static_cast<uint64_t>(q.Int(1)),
               static_cast<uint64_t>(q.Int(2)), q.BlobView(3));
  }
  s.digest = digest.Finish();
  return s;
}

}  // namespace fieldsync
