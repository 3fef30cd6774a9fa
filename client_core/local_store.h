// The device's store: one SQLite database (WAL) in the device home, holding
// every change the device made or received, the sync bookkeeping, and the
// shared derived state (common/derived_state.h).
//
// LocalStore owns the database handle, the lock, the derived state and the
// clock, and keeps in memory the few values every sync reads (cursor,
// outcome high-water, next sequence); it runs each call in one transaction
// and hands the work to the part whose concern it is:
//   device_schema.h  the tables and their migrations
//   device_meta.h    the meta keys, typed
//   change_tables.h  the rows of own_changes and received_changes
//   outbox.h         recording, pending totals and batches, outcomes
//   feed_applier.h   downloaded pages and deferred changes
//   held_areas.h     the areas held, back-fills and purges
//   store_queries.h  what the user reads (list, revisions, entity, status)
// Those parts keep nothing between calls; LocalStore updates its cached
// values only after a transaction commits, so a failed call leaves memory
// and disk agreeing.
//
// Durability: recording commits with synchronous=FULL (survives power loss).
// Sync bookkeeping commits with synchronous=NORMAL (survives a process kill;
// a power loss may undo the last outcomes or pages, which the next sync
// simply fetches again: the server answers retried uploads with the original
// outcomes, and pages are re-read from the cursor).
//
// Thread-safe (one mutex). Another process may use the same home: the
// sequence, clock and high-water are re-read from the store where it
// matters (outbox.h).
#ifndef FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_
#define FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client_core/change_tables.h"
#include "client_core/device_meta.h"
#include "client_core/feed_applier.h"
#include "client_core/held_areas.h"
#include "client_core/outbox.h"
#include "client_core/review_queries.h"
#include "client_core/store_queries.h"
#include "common/areas.h"
#include "common/derived_state.h"
#include "common/hlc.h"
#include "common/roster_import.h"
#include "common/sqlite_db.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/sync.pb.h"

namespace fieldsync {

// How to reach the server: address, and TLS (a CA to verify against) or
// plaintext (loopback, or by explicit choice).
struct ConnectionSettings {
  std::string server;
  std::string ca_pem;  // empty = plaintext
  bool insecure_plaintext = false;
};

struct HandshakeInfo {
  std::string server_id;
  int64_t server_time_ms = 0;
  int64_t clock_offset_ms = 0;
  bool clock_flagged = false;
};

class LocalStore {
 public:
  static constexpr char kDbFile[] = "fieldsync.db";
  static constexpr size_t kDeviceKeyBytes = 32;

  // Creates the store in `home` (which must exist). ALREADY_EXISTS if a
  // device store is there.
  static absl::Status Create(const std::string& home, const std::string& server,
                             const std::string& author,
                             const std::string& label);
  // FAILED_PRECONDITION if `home` holds no device store.
  static absl::StatusOr<std::unique_ptr<LocalStore>> Open(
      const std::string& home, const Clock* clock);

  const std::string& device_id() const { return device_id_; }
  // 32 random bytes proving to the server at login that this is the device
  // (LoginRequest.device_key); kept in meta, never sent otherwise.
  const std::string& device_key() const { return device_key_; }
  ConnectionSettings connection() const;
  // After a login: where the server is and who records on this device.
  absl::Status SetLogin(const ConnectionSettings& connection,
                        const std::string& author);
  // Pending own changes whose record author is not `user` (the server would
  // reject them after `user` logs in).
  absl::StatusOr<uint64_t> PendingByOthers(const std::string& user);
  std::string author() const;
  std::string label() const;

  // --- recording (outbox.h) --------------------------------------------------
  absl::StatusOr<std::string> AddRecord(v1::Record record,
                                        const std::string* revise_id);
  absl::StatusOr<uint64_t> AddEntityEdit(v1::EntityEdit edit);
  // Plans the import of a roster file against what this device holds, in
  // the user's areas (common/roster_import.h), and unless `dry_run` or the
  // plan has problems, records its edits in one transaction: all or none.
  // FAILED_PRECONDITION until a sync has told the device the user's areas.
  absl::StatusOr<ImportPlan> ImportRoster(ImportInput input, bool dry_run);
  // Reviews (or answers) the current revision of record `id`, as the user
  // (common/review_state.h): NOT_FOUND if no record `id` is held; the review
  // rules refuse it before saving, with the server's words.
  absl::Status AddReview(const std::string& id, v1::ReviewVerdict verdict,
                         const std::string& text);

  // --- reading (store_queries.h) ---------------------------------------------
  absl::StatusOr<std::vector<RecordView>> List(std::optional<RecordKind> kind);
  absl::StatusOr<std::vector<Revision>> Revisions(const std::string& id);
  // --- reviews (review_queries.h) --------------------------------------------
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& id);
  absl::StatusOr<std::vector<ReviewTask>> ReviewTasks();
  absl::StatusOr<std::vector<EntitySummary>> Entities(v1::EntityType type);
  absl::StatusOr<std::vector<EntityFieldView>> Entity(v1::EntityType type,
                                                      const std::string& id);
  absl::StatusOr<DeviceStatus> Status();
  absl::StatusOr<StateSummary> Summarize();

  // --- sync bookkeeping (used by the sync engine) ----------------------------
  uint64_t cursor() const;
  uint64_t outcome_hw() const;
  // The device sequence the next change will get (changes made: this - 1).
  uint64_t next_seq() const;
  // Counts and bytes of pending changes.
  absl::Status PendingTotals(uint64_t* count, uint64_t* bytes);
  // Up to `max_count` changes with device_seq > `after` (at least the
  // outcome high-water), at most `max_bytes` of bodies (at least one change if
  // any), in device_seq order.
  absl::Status PendingBatch(uint64_t after, uint32_t max_count,
                            uint64_t max_bytes, v1::UploadRequest* request);
  // Records the server's outcomes for the uploaded `request`. An accepted
  // change placed in the feed right after the cursor is confirmed by its
  // outcome: the cursor moves over it (and over the run of own changes that
  // follows), so it is not downloaded again. `*confirmed` counts those.
  absl::Status ApplyOutcomes(const v1::UploadRequest& request,
                             const v1::UploadResponse& response,
                             std::vector<Rejection>* new_rejections,
                             uint64_t* confirmed);
  // Applies one downloaded page and advances the cursor, atomically (the
  // back-fill cursor of `backfill_area` when given). Counts own
  // confirmations and new changes from others.
  absl::Status ApplyPage(const v1::DownloadPage& page, uint64_t* confirmations,
                         uint64_t* from_others,
                         const std::string* backfill_area = nullptr);
  // Adopts the areas the server says the user has now (held_areas.h).
  absl::StatusOr<AreaChange> ReconcileAreas(const AreaSet& now);
  // The areas held ("all counties" or codes), with back-fills not finished.
  absl::StatusOr<std::string> HeldAreas();
  // The areas held; nullopt until a sync has told the device its user's.
  absl::StatusOr<std::optional<AreaSet>> CurrentAreas();
  // FAILED_PRECONDITION if this device belongs to another server store.
  absl::Status ApplyHandshake(const HandshakeInfo& info);
  absl::Status SetLastSync(int64_t ms);

  LocalStore(std::unique_ptr<Db> db, const Clock* clock);
  ~LocalStore();

 private:
  absl::Status Load();
  // Prepares the parts once the device id is known.
  absl::Status MakeParts() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `body` in one transaction (synchronous=FULL).
  absl::StatusOr<Recorded> Record(const v1::ChangeBody& body, RecordKind kind,
                                  const std::string& county,
                                  const std::string& subject)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Fills each write's base_hlc from the field's winner (merge.h).
  absl::Status FillBaseHlc(v1::EntityEdit* edit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `fn` in a transaction committed with synchronous=NORMAL.
  absl::Status Bookkeeping(const std::function<absl::Status()>& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  const Clock* const clock_;
  std::unique_ptr<HybridLogicalClock> hlc_;
  // The parts, in the order they depend on each other.
  std::unique_ptr<DeviceMeta> meta_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ChangeTables> tables_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DerivedState> derived_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<FeedApplier> feed_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Outbox> outbox_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<HeldAreaTable> areas_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<StoreQueries> queries_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ReviewQueries> reviews_ ABSL_GUARDED_BY(mu_);
  // Set at Load, never changed.
  std::string device_id_;
  std::string device_key_;
  // Cached meta values, written after their transaction commits.
  std::string server_ ABSL_GUARDED_BY(mu_);
  std::string author_ ABSL_GUARDED_BY(mu_);
  std::string label_ ABSL_GUARDED_BY(mu_);
  std::string server_id_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t outcome_hw_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t clock_offset_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool clock_flagged_ ABSL_GUARDED_BY(mu_) = false;
  int64_t last_sync_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::string ca_pem_ ABSL_GUARDED_BY(mu_);
  bool insecure_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_
