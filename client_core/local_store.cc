#include "client_core/local_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "client_core/device_schema.h"
#include "common/clock.h"
#include "common/derived_roster_view.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "common/validate.h"

namespace fieldsync {
namespace {

std::string NewDeviceKey() {
  std::string key(LocalStore::kDeviceKeyBytes, '\0');
  RandomBytes(reinterpret_cast<uint8_t*>(key.data()), key.size());
  return key;
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

LocalStore::~LocalStore() = default;

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
  FS_RETURN_IF_ERROR(CreateDeviceTables(db.get()));
  FS_ASSIGN_OR_RETURN(auto meta, DeviceMeta::Prepare(db.get()));
  FS_RETURN_IF_ERROR(meta->Put(meta::kDeviceId, NewDeviceId()));
  FS_RETURN_IF_ERROR(meta->Put(meta::kDeviceKey, NewDeviceKey()));
  FS_RETURN_IF_ERROR(meta->Put(meta::kServer, server));
  FS_RETURN_IF_ERROR(meta->Put(meta::kAuthor, author));
  FS_RETURN_IF_ERROR(meta->Put(meta::kLabel, label));
  meta.reset();  // its statements end before the handle closes
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
  FS_RETURN_IF_ERROR(MigrateDeviceStore(db_.get()));
  FS_ASSIGN_OR_RETURN(meta_, DeviceMeta::Prepare(db_.get()));
  FS_ASSIGN_OR_RETURN(const MetaValues m, meta_->ReadAll());
  if (m.device_id.size() != kIdBytes) {
    return absl::DataLossError("the device store has no valid device id");
  }
  device_id_ = m.device_id;
  device_key_ = m.device_key;
  if (device_key_.size() != kDeviceKeyBytes) {
    // A store from before device keys: it gets one now, before its first
    // login (which registers it with the server).
    device_key_ = NewDeviceKey();
    FS_RETURN_IF_ERROR(meta_->Put(meta::kDeviceKey, device_key_));
  }
  server_ = m.server;
  author_ = m.author;
  label_ = m.label;
  server_id_ = m.server_id;
  next_seq_ = static_cast<uint64_t>(m.next_seq);
  cursor_ = static_cast<uint64_t>(m.cursor);
  outcome_hw_ = static_cast<uint64_t>(m.outcome_hw);
  clock_offset_ms_ = m.clock_offset_ms;
  clock_flagged_ = m.clock_flagged;
  last_sync_ms_ = m.last_sync_ms;
  ca_pem_ = m.tls_ca_pem;
  insecure_ = m.insecure_plaintext;
  hlc_ = std::make_unique<HybridLogicalClock>(
      clock_, static_cast<uint64_t>(m.hlc_last));
  // A clock flagged at the last sync is corrected by the offset the server saw.
  if (clock_flagged_) hlc_->SetOffsetMs(-clock_offset_ms_);
  FS_RETURN_IF_ERROR(MakeParts());
  if (!m.has_byte_totals) {
    // A new home, or one from before the running totals: count once. Two
    // processes doing this at once write the same values.
    FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
    FS_RETURN_IF_ERROR(outbox_->CountOwnBytes());
    FS_RETURN_IF_ERROR(tx.Commit());
  }
  return absl::OkStatus();
}

absl::Status LocalStore::MakeParts() {
  Db* db = db_.get();
  FS_ASSIGN_OR_RETURN(tables_, ChangeTables::Prepare(db, device_id_));
  // The derived state reads a record's current revision from the change
  // tables, by locator, under mu_ (which its callers hold).
  ChangeTables* tables = tables_.get();
  FS_ASSIGN_OR_RETURN(derived_,
                      DerivedState::Create(db, [tables](int64_t locator) {
                        return tables->ReadHeldRevision(locator);
                      }));
  feed_ = std::make_unique<FeedApplier>(db, tables, derived_.get(), hlc_.get(),
                                        device_id_);
  outbox_ =
      std::make_unique<Outbox>(db, meta_.get(), tables, derived_.get(),
                               feed_.get(), hlc_.get(), clock_, device_id_);
  areas_ =
      std::make_unique<HeldAreaTable>(db, meta_.get(), tables, derived_.get());
  queries_ = std::make_unique<StoreQueries>(db, device_id_);
  reviews_ = std::make_unique<ReviewQueries>(db, derived_.get(), queries_.get(),
                                             device_id_);
  return absl::OkStatus();
}

ConnectionSettings LocalStore::connection() const {
  absl::MutexLock lock(&mu_);
  return ConnectionSettings{server_, ca_pem_, insecure_};
}

absl::Status LocalStore::SetLogin(const ConnectionSettings& c,
                                  const std::string& author) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_RETURN_IF_ERROR(meta_->Put(meta::kServer, c.server));
  FS_RETURN_IF_ERROR(meta_->Put(meta::kTlsCaPem, c.ca_pem));
  FS_RETURN_IF_ERROR(
      meta_->Put(meta::kInsecurePlaintext, c.insecure_plaintext ? 1 : 0));
  FS_RETURN_IF_ERROR(meta_->Put(meta::kAuthor, author));
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

absl::StatusOr<Recorded> LocalStore::Record(const v1::ChangeBody& body,
                                            RecordKind kind,
                                            const std::string& county,
                                            const std::string& subject) {
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(Recorded r,
                      outbox_->Record(body, kind, county, subject, next_seq_));
  FS_RETURN_IF_ERROR(tx.Commit());
  next_seq_ = r.device_seq + 1;
  return r;
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
  FS_RETURN_IF_ERROR(
      Record(body, KindOf(record), record.area().county_code(), record.id())
          .status());
  return record.id();
}

absl::Status LocalStore::FillBaseHlc(v1::EntityEdit* edit) {
  const std::string key = EntityKey(*edit);
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT hlc FROM field_writes WHERE entity_key = ? "
                           "AND field = ? AND is_winner = 1"));
  for (v1::FieldWrite& w : *edit->mutable_writes()) {
    q.BindText(1, key).BindText(2, w.field());
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    w.set_base_hlc(row ? static_cast<uint64_t>(q.Int(0)) : 0);
    q.Reset();
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LocalStore::AddEntityEdit(v1::EntityEdit edit) {
  absl::MutexLock lock(&mu_);
  FS_RETURN_IF_ERROR(ValidateEntityEdit(edit));
  // Each write names the value it replaces (merge.h): the field's winner.
  FS_RETURN_IF_ERROR(FillBaseHlc(&edit));
  v1::ChangeBody body;
  *body.mutable_entity_edit() = edit;
  FS_ASSIGN_OR_RETURN(Recorded r,
                      Record(body, RecordKind::kEntityEdit,
                             edit.area().county_code(), EntityKey(edit)));
  return r.hlc;
}

absl::StatusOr<ImportPlan> LocalStore::ImportRoster(ImportInput input,
                                                    bool dry_run) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(std::optional<AreaSet> areas, areas_->Current());
  if (!areas.has_value()) {
    return absl::FailedPreconditionError(
        "this device does not know your areas yet: log in and sync once, "
        "then import");
  }
  input.importer_areas = *std::move(areas);
  // Planned and recorded in one transaction: nothing can change between.
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  DerivedRosterView view(db_.get());
  FS_ASSIGN_OR_RETURN(ImportPlan plan, PlanRosterImport(input, view));
  if (dry_run || !plan.problems.empty() || plan.edits.empty()) return plan;
  uint64_t next = next_seq_;
  for (const v1::EntityEdit& edit : plan.edits) {
    v1::ChangeBody body;
    *body.mutable_entity_edit() = edit;
    FS_ASSIGN_OR_RETURN(
        Recorded r,
        outbox_->Record(body, RecordKind::kEntityEdit,
                        edit.area().county_code(), EntityKey(edit), next));
    next = r.device_seq + 1;
  }
  FS_RETURN_IF_ERROR(tx.Commit());
  next_seq_ = next;
  return plan;
}

absl::StatusOr<std::vector<RecordView>> LocalStore::List(
    std::optional<RecordKind> kind) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(std::vector<RecordView> views,
                      queries_->List(kind, outcome_hw_));
  FS_RETURN_IF_ERROR(reviews_->FillReviews(&views));
  return views;
}

absl::StatusOr<std::vector<HistoryEntry>> LocalStore::History(
    const std::string& id) {
  absl::MutexLock lock(&mu_);
  return reviews_->History(id, outcome_hw_);
}

absl::StatusOr<std::vector<ReviewTask>> LocalStore::ReviewTasks() {
  absl::MutexLock lock(&mu_);
  return reviews_->Tasks(author_);
}

absl::Status LocalStore::AddReview(const std::string& id,
                                   v1::ReviewVerdict verdict,
                                   const std::string& text) {
  absl::MutexLock lock(&mu_);
  auto held = derived_->Reviewed(id);
  if (absl::IsNotFound(held.status())) {
    return absl::NotFoundError(absl::StrCat(
        "no record ", IdToString(id), " on this device to ",
        verdict == v1::REVIEW_VERDICT_ANSWER ? "answer for" : "review"));
  }
  FS_RETURN_IF_ERROR(held.status());
  // The review names the current revision and carries the record's area,
  // so that it reaches every device that holds the record.
  FS_ASSIGN_OR_RETURN(std::vector<Revision> revisions,
                      queries_->Revisions(id, outcome_hw_));
  const Revision* current = nullptr;
  for (const Revision& r : revisions) {
    if (r.device_id == held->head.device_id &&
        r.device_seq == held->head.device_seq) {
      current = &r;
    }
  }
  if (current == nullptr) {
    return absl::DataLossError(absl::StrCat("the current revision of record ",
                                            IdToString(id), " is not held"));
  }
  v1::ChangeBody body;
  v1::Review& review = *body.mutable_review();
  review.set_record_id(id);
  *review.mutable_area() = current->record.area();
  review.set_author(author_);
  review.set_verdict(verdict);
  review.set_text(text);
  review.mutable_revision()->set_device_id(held->head.device_id);
  review.mutable_revision()->set_device_seq(held->head.device_seq);
  FS_RETURN_IF_ERROR(ValidateReview(review));
  return Record(body, RecordKind::kReview, review.area().county_code(), id)
      .status();
}

absl::StatusOr<std::vector<Revision>> LocalStore::Revisions(
    const std::string& id) {
  absl::MutexLock lock(&mu_);
  return queries_->Revisions(id, outcome_hw_);
}

absl::StatusOr<std::vector<EntitySummary>> LocalStore::Entities(
    v1::EntityType type) {
  absl::MutexLock lock(&mu_);
  return queries_->Entities(type);
}

absl::StatusOr<std::vector<EntityFieldView>> LocalStore::Entity(
    v1::EntityType type, const std::string& id) {
  absl::MutexLock lock(&mu_);
  return queries_->Entity(type, id);
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
  FS_RETURN_IF_ERROR(queries_->CountInto(outcome_hw_, &s));
  return s;
}

absl::StatusOr<StateSummary> LocalStore::Summarize() {
  absl::MutexLock lock(&mu_);
  return queries_->Summarize(outcome_hw_);
}

absl::StatusOr<uint64_t> LocalStore::PendingByOthers(const std::string& user) {
  absl::MutexLock lock(&mu_);
  return outbox_->PendingByOthers(user, outcome_hw_);
}

absl::Status LocalStore::PendingTotals(uint64_t* count, uint64_t* bytes) {
  absl::MutexLock lock(&mu_);
  return outbox_->PendingTotals(next_seq_, count, bytes);
}

absl::Status LocalStore::PendingBatch(uint64_t after, uint32_t max_count,
                                      uint64_t max_bytes,
                                      v1::UploadRequest* request) {
  absl::MutexLock lock(&mu_);
  return outbox_->PendingBatch(after, outcome_hw_, max_count, max_bytes,
                               request);
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
  OutcomesApplied applied;
  FS_RETURN_IF_ERROR(Bookkeeping([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    FS_ASSIGN_OR_RETURN(applied, outbox_->ApplyOutcomes(request, response,
                                                        outcome_hw_, cursor_));
    return absl::OkStatus();
  }));
  outcome_hw_ = applied.outcome_hw;
  cursor_ = applied.cursor;
  if (confirmed != nullptr) *confirmed += applied.confirmed;
  if (new_rejections != nullptr) {
    for (auto& j : applied.rejections) new_rejections->push_back(std::move(j));
  }
  return absl::OkStatus();
}

absl::Status LocalStore::ApplyPage(const v1::DownloadPage& page,
                                   uint64_t* confirmations,
                                   uint64_t* from_others,
                                   const std::string* backfill_area) {
  absl::MutexLock lock(&mu_);
  uint64_t from = cursor_;
  if (backfill_area != nullptr) {
    FS_ASSIGN_OR_RETURN(from, areas_->BackfillCursor(*backfill_area));
  }
  PageResult r;
  FS_RETURN_IF_ERROR(Bookkeeping([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    FS_ASSIGN_OR_RETURN(r, feed_->Apply(page, from, clock_->NowMs()));
    if (backfill_area != nullptr) {
      FS_RETURN_IF_ERROR(areas_->SetBackfillCursor(*backfill_area, r.cursor));
    } else {
      FS_RETURN_IF_ERROR(
          meta_->Put(meta::kCursor, static_cast<int64_t>(r.cursor)));
    }
    return meta_->Put(meta::kHlcLast, static_cast<int64_t>(hlc_->Last()));
  }));
  if (backfill_area == nullptr) cursor_ = r.cursor;
  *confirmations += r.confirmed;
  *from_others += r.from_others;
  return absl::OkStatus();
}

absl::StatusOr<AreaChange> LocalStore::ReconcileAreas(const AreaSet& now) {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(AreaChange change, areas_->Reconcile(now, cursor_));
  FS_RETURN_IF_ERROR(tx.Commit());
  if (change.reread_all) cursor_ = 0;
  return change;
}

absl::StatusOr<std::string> LocalStore::HeldAreas() {
  absl::MutexLock lock(&mu_);
  return areas_->Describe();
}

absl::StatusOr<std::optional<AreaSet>> LocalStore::CurrentAreas() {
  absl::MutexLock lock(&mu_);
  return areas_->Current();
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
  FS_RETURN_IF_ERROR(Bookkeeping([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    FS_RETURN_IF_ERROR(meta_->Put(meta::kServerId, info.server_id));
    FS_RETURN_IF_ERROR(meta_->Put(meta::kClockOffsetMs, info.clock_offset_ms));
    return meta_->Put(meta::kClockFlagged, info.clock_flagged ? 1 : 0);
  }));
  server_id_ = info.server_id;
  clock_offset_ms_ = info.clock_offset_ms;
  clock_flagged_ = info.clock_flagged;
  return absl::OkStatus();
}

absl::Status LocalStore::SetLastSync(int64_t ms) {
  absl::MutexLock lock(&mu_);
  FS_RETURN_IF_ERROR(Bookkeeping([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return meta_->Put(meta::kLastSyncMs, ms);
  }));
  last_sync_ms_ = ms;
  return absl::OkStatus();
}

}  // namespace fieldsync
