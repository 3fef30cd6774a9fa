// The device's store: one SQLite database (WAL) in the device home, holding
// every change the device made or received, the sync bookkeeping, and the
// shared derived state (common/derived_state.h).
//
// Tables (schema version kClientSchemaVersion):
//   meta              device_id, device_key, server, author, label, next_seq,
//   hlc_last,
//                     cursor (last server_seq applied from the feed),
//                     outcome_hw (highest own device_seq with a known
//                     outcome), server_id, clock offset/flag, last_sync_ms,
//                     own_bytes (body bytes of all own changes) and
//                     answered_bytes (of those up to outcome_hw): running
//                     totals, so the pending bytes need no scan
//   own_changes       this device's changes, device_seq INTEGER PRIMARY KEY:
//                     kind, county, subject, hlc (effective once accepted),
//                     flags, rejected + code + reason, body
//   received_changes  other devices' changes, server_seq INTEGER PRIMARY KEY:
//                     origin, kind, county, subject, effective hlc, flags,
//                     body, and `deferred`: set when a pending own change
//                     keeps it out of the derived state (an own edit that put
//                     an entity in another county); folded in when the
//                     server rejects that own change
//   held_areas        the areas (areas.h) whose changes this device holds,
//                     each with its back-fill range: an area added to the
//                     user after the cursor had passed it is read from the
//                     feed for (backfill_after, backfill_up_to] alone, so
//                     nothing already held is downloaded again
//
// Areas: the handshake tells the device its user's areas. ReconcileAreas
// compares them with held_areas: an added area gets a back-fill range; a
// removed one is purged: every received change it covered (and no remaining
// area covers) is deleted and taken out of the derived state. The device's
// own changes are kept: they are the inspector's own evidence, already on
// the server.
//
// Outbox invariant: the server decides outcomes in device-sequence order and
// returns them per batch, so the own changes with an outcome are exactly
// those with device_seq <= outcome_hw. An own change is pending above it,
// rejected if marked so (with the server's code and reason), accepted
// otherwise: accepting a batch writes one meta row, not one row per change.
//
// Durability: recording commits with synchronous=FULL (survives power loss).
// Sync bookkeeping commits with synchronous=NORMAL (survives a process kill;
// a power loss may undo the last outcomes or pages, which the next sync
// simply fetches again: the server answers retried uploads with the original
// outcomes, and pages are re-read from the cursor).
//
// Every method that changes anything runs in one transaction. Thread-safe
// (one mutex).
#ifndef FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_
#define FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/areas.h"
#include "common/derived_state.h"
#include "common/hlc.h"
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

// An area whose earlier changes are still to be read from the feed.
struct Backfill {
  std::string area;
  uint64_t after = 0;  // read up to here already
  uint64_t up_to = 0;
};

struct AreaChange {
  std::vector<Backfill> backfills;  // to read, before the main feed
  std::vector<std::string> added, removed;
  uint64_t purged = 0;      // received changes deleted
  bool reread_all = false;  // became an all-areas role: cursor reset to 0
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
  static constexpr size_t kDeviceKeyBytes = 32;
  std::string server() const;
  ConnectionSettings connection() const;
  // After a login: where the server is and who records on this device.
  absl::Status SetLogin(const ConnectionSettings& connection,
                        const std::string& author);
  // Pending own changes whose record author is not `user` (the server would
  // reject them after `user` logs in).
  absl::StatusOr<uint64_t> PendingByOthers(const std::string& user);
  std::string author() const;
  std::string label() const;

  // --- recording -------------------------------------------------------------
  absl::StatusOr<std::string> AddRecord(v1::Record record,
                                        const std::string* revise_id);
  absl::StatusOr<uint64_t> AddEntityEdit(v1::EntityEdit edit);

  // --- reading ---------------------------------------------------------------
  absl::StatusOr<std::vector<RecordView>> List(std::optional<RecordKind> kind);
  absl::StatusOr<std::vector<Revision>> Revisions(const std::string& id);
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
  // Adopts the areas the server says the user has now (see above).
  absl::StatusOr<AreaChange> ReconcileAreas(const AreaSet& now);
  // The areas held ("all counties" or codes), with back-fills not finished.
  absl::StatusOr<std::string> HeldAreas();
  // FAILED_PRECONDITION if this device belongs to another server store.
  absl::Status ApplyHandshake(const HandshakeInfo& info);
  absl::Status SetLastSync(int64_t ms);

  explicit LocalStore(std::unique_ptr<Db> db, const Clock* clock);

 private:
  absl::Status Load();
  // Sets own_bytes and answered_bytes in meta from the outbox.
  absl::Status CountOwnBytes() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutMeta(const char* key, int64_t value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> GetMeta(const char* key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutMetaText(const char* key, const std::string& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint64_t> InsertOwnChange(const v1::ChangeBody& body,
                                           RecordKind kind,
                                           const std::string& county,
                                           const std::string& subject)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<RevisionRef>> ListRevisions(
      const std::string& record_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Revision> ReadRevision(Stmt& q, bool own)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ChangeState OwnState(uint64_t device_seq, bool rejected) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Folds into the derived state the received changes of `subject` that a
  // pending own change had held back (see received_changes.deferred).
  // What the change tables hold of the change at `locator` (for derived_).
  absl::StatusOr<HeldRevision> ReadHeldRevision(int64_t locator)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyDeferred(const std::string& subject)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `fn` in a transaction committed with synchronous=NORMAL.
  absl::Status Bookkeeping(const std::function<absl::Status()>& fn)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the received changes `keep` does not cover; returns how many.
  absl::StatusOr<uint64_t> PurgeOutside(const AreaSet& keep)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::unique_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<DerivedState> derived_ ABSL_GUARDED_BY(mu_);
  const Clock* const clock_;
  std::unique_ptr<HybridLogicalClock> hlc_;
  std::string device_id_;
  std::string device_key_;
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
  std::unique_ptr<Stmt> insert_own_;
  std::unique_ptr<Stmt> insert_received_;
  std::unique_ptr<Stmt> own_change_;
  std::unique_ptr<Stmt> received_change_;
  std::unique_ptr<Stmt> set_own_hlc_;
  std::unique_ptr<Stmt> reject_own_;
  std::unique_ptr<Stmt> defer_received_;
  std::unique_ptr<Stmt> get_meta_;
  std::unique_ptr<Stmt> put_meta_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_LOCAL_STORE_H_
