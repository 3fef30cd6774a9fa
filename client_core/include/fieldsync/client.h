// fieldsync client core: the embeddable offline store and sync engine an
// inspector's app (or the `fieldsync` CLI) is built on.
//
// Contract:
//  * Recording works without a network. Record(), Revise() and EditEntity()
//    return OK only after the change is committed to the device's SQLite
//    store (WAL, synchronous=FULL): killing the process, or losing power,
//    after that loses nothing.
//  * Every local change gets the next device sequence number; Sync() uploads
//    pending changes in order, exactly once in effect, and learns each one's
//    outcome (accepted, or rejected with the server's reason: set aside, it
//    never blocks the changes behind it).
//  * Sync() downloads what others recorded after this device's cursor, page
//    by page, each page committed with the cursor, so a broken sync resumes.
//  * Errors: INVALID_ARGUMENT names the field at fault; FAILED_PRECONDITION
//    means the home is not set up or the server is not the one this device
//    belongs to; UNAVAILABLE / DEADLINE_EXCEEDED mean retry the sync later.
//
// Thread safety: a Client may be used from several threads; calls are
// serialised internally. One Client per home directory at a time.
#ifndef FIELDSYNC_CLIENT_H_
#define FIELDSYNC_CLIENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fieldsync/client_tuning.h"
#include "fieldsync/v1/auth.pb.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync {

// The time source (common/clock.h); tests pass a fake one.
class Clock;
// The kind of a change, as an int: the field number of Record's body oneof
// for an observation (1 spot check, 2 follow-up visit, 3 interview note,
// 4 document review, 5 monthly report), 100 for an entity edit, 0 unknown
// (common/record_kind.h names them).
enum class RecordKind : int;
// A record's review state (common/review_state.h names them): 0 unreviewed,
// 1 questioned, 2 rejected, 3 answered, 4 accepted.
enum class ReviewStatus : int;

struct ClientOptions {
  std::string home;              // directory holding the device's store
  const Clock* clock = nullptr;  // nullptr = the system clock
  ClientTuning tuning;
};

// Status of one change as the device knows it.
enum class ChangeState { kPending = 0, kAccepted = 1, kRejected = 2 };
const char* ChangeStateName(ChangeState s);

struct Revision {
  uint64_t device_seq = 0;
  std::string device_id;
  uint64_t hlc = 0;
  uint64_t server_seq = 0;  // 0 until the server has accepted it
  ChangeState state = ChangeState::kPending;
  std::string reason;  // when rejected
  v1::Record record;
  int64_t received_ms = 0;  // when the server received it; 0 if not known
};

// Where a record stands with the reviewers: the latest verdict on its
// current revision and the author's answer to it (common/review_state.h).
struct RecordReview {
  ReviewStatus status{};  // 0: unreviewed
  std::string reviewer;   // who gave the verdict
  std::string text;       // the question or the reason to reject
  uint64_t hlc = 0;       // when the verdict was made
  std::string answer;     // the author's answer, when answered
  uint64_t answer_hlc = 0;
};

struct RecordView {
  std::string id;     // 16 raw bytes
  RecordKind kind{};  // 0: unknown
  int64_t revisions = 0;
  Revision current;  // the revision with the greatest stamp
  RecordReview review;
};

// One step in a record's history: a revision or a review, with who made it,
// on which device, when (its HLC) and when the server received it.
struct HistoryEntry {
  bool is_review = false;
  std::string author;
  std::string device_id;
  uint64_t device_seq = 0;
  uint64_t hlc = 0;
  uint64_t server_seq = 0;  // 0 until the server has accepted it
  ChangeState state = ChangeState::kPending;
  std::string reason;       // when rejected
  int64_t received_ms = 0;  // by the server; 0 if not known to this device
  v1::Record record;        // a revision
  v1::Review review;        // a review
};

// A review waiting for this device's user: a question or rejection of one of
// their records (to answer or revise), or an answer to their question (to
// decide on).
struct ReviewTask {
  std::string record_id;  // 16 raw bytes
  RecordKind kind{};
  std::string county;
  std::string author;  // the record's author
  RecordReview review;
};

struct Rejection {
  uint64_t device_seq = 0;
  RecordKind kind{};    // 0: unknown
  std::string subject;  // record id (hex) or entity key
  int code = 0;         // google.rpc.Code
  std::string reason;
};

struct EntityFieldView {
  std::string field;
  std::string value;
  uint64_t hlc = 0;
  std::string device_id;
  bool conflict = false;  // a concurrent losing write, kept for review
};

struct DeviceStatus {
  std::string device_id;
  std::string server;
  std::string author;
  std::string areas;       // the areas held (LocalStore::HeldAreas)
  bool logged_in = false;  // a token file is present
  bool tls = false;        // the connection verifies the server's certificate
  uint64_t pending = 0;
  uint64_t pending_bytes = 0;
  uint64_t accepted = 0;  // own changes the server accepted
  uint64_t rejected = 0;
  uint64_t received = 0;  // changes from other devices
  // Changes from other devices kept out of the records until the server
  // decides one of this device's pending changes (which contradicts them).
  uint64_t held_back = 0;
  // Of those, the ones whose stored bytes can no longer be read (a damaged
  // device store), by server_seq: they are kept, never applied.
  std::vector<uint64_t> unreadable_held_back;
  uint64_t records = 0;
  uint64_t conflicts = 0;
  uint64_t cursor = 0;
  int64_t last_sync_ms = 0;     // 0 = never
  int64_t clock_offset_ms = 0;  // device clock minus server clock at last sync
  bool clock_flagged = false;
  std::vector<Rejection> rejections;
};

// One entity as held: the winning value of each field.
struct EntitySummary {
  std::string id;
  std::string county;
  std::map<std::string, std::string> fields;
};

// A follow-up visit to make (common/follow_up_plan.h), with what the
// inspector needs to find the trainee.
struct TodoItem {
  std::string trainee_id;
  std::string trainee_name;
  std::string id_number_masked;  // as the roster holds it: 640522********123X
  std::string township_code, village_code;
  std::string class_id, occupation;
  int visit_number = 0;  // 1..visits_planned
  int visits_planned = 0;
  int months_after_class_end = 0;
  std::string due_date;  // YYYY-MM-DD, the region's calendar
  bool overdue = false;  // else due (within the window before the date)
  int days_overdue = 0;  // > 0 when overdue; otherwise days left, negated
};

// What importing a roster file did (or, for a dry run, would do).
struct RosterImportResult {
  uint64_t rows = 0;
  uint64_t created = 0;    // entities new to this device
  uint64_t changed = 0;    // entities with at least one field written
  uint64_t unchanged = 0;  // rows that wrote nothing
  uint64_t fields_written = 0;
  uint64_t changes = 0;  // changes recorded (0 for a dry run or problems)
  std::vector<std::string> ignored_columns;
  // "FILE:LINE: column: reason", every one; when any, nothing was imported.
  std::vector<std::string> problems;
};

struct RosterImportOptions {
  std::string kind;       // institutions, classes, trainees, tasks
  std::string file_name;  // for problems
  std::string bytes;      // the file, UTF-8 (with or without BOM) or GB18030
  std::string encoding = "auto";  // auto, utf-8, gb18030
  bool dry_run = false;
};

struct StateSummary {
  uint64_t changes = 0;  // accepted changes held (own and received)
  uint64_t records = 0;
  uint64_t entities = 0;
  uint64_t conflicts = 0;
  std::string digest;  // same as the server's when converged
};

struct SyncProgress {
  enum class Phase { kHandshake, kUpload, kDownload, kDone } phase;
  uint64_t to_send = 0, sent = 0, bytes_to_send = 0, bytes_sent = 0;
  // Positions of the server's feed to look through and looked through (the
  // feed holds every area's changes; only the user's come down).
  uint64_t to_receive = 0, received = 0, bytes_received = 0;
};

struct SyncReport {
  uint64_t uploaded = 0;  // changes sent this sync
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t downloaded = 0;  // feed entries received
  uint64_t new_from_others = 0;
  uint64_t confirmations = 0;  // own changes that came back in the feed
  uint64_t bytes_sent = 0;     // request bytes (serialized messages)
  uint64_t bytes_received = 0;
  uint32_t round_trips = 0;  // unary calls + streaming calls
  // Areas the user gained / lost since the last sync, changes back-filled
  // for the gained ones and received changes purged for the lost ones.
  std::vector<std::string> areas_added, areas_removed;
  uint64_t backfilled = 0;
  uint64_t purged = 0;
  bool clock_flagged = false;
  int64_t clock_offset_ms = 0;
  std::vector<Rejection> new_rejections;
};

struct LoginOptions {
  std::string server;  // HOST:PORT; empty = the one given at init
  std::string user;
  std::string password;
  std::string ca_pem;  // PEM of the CA to verify the server against
  bool insecure_plaintext = false;  // plaintext to a non-loopback server
  // Log in although changes recorded by another user are pending (the
  // server will reject them as not this user's).
  bool force = false;
};

class Client {
 public:
  // Sets up a new device home: makes the directory and store, a device id,
  // and remembers the server address and the inspector's name.
  // ALREADY_EXISTS if `home` already holds a device.
  static absl::Status Init(const std::string& home, const std::string& server,
                           const std::string& author, const std::string& label);

  // Opens an initialised home. FAILED_PRECONDITION if it is not one.
  static absl::StatusOr<std::unique_ptr<Client>> Open(
      const ClientOptions& options);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Saves a new observation: fills id, author and device_id (any values the
  // caller set there are replaced), validates, commits. Returns the new id.
  absl::StatusOr<std::string> Record(v1::Record record);
  // Saves a new revision of the record `id` (16 raw bytes). NOT_FOUND if the
  // device holds no such record; PERMISSION_DENIED if another author made it;
  // FAILED_PRECONDITION if the kind or county would change.
  absl::Status Revise(const std::string& id, v1::Record record);
  // Saves an edit of entity fields. base_hlc of each write is filled from the
  // field's current value on this device. Returns the change's HLC.
  absl::StatusOr<uint64_t> EditEntity(v1::EntityEdit edit);

  absl::StatusOr<std::vector<RecordView>> List(std::optional<RecordKind> kind);
  // All revisions of one record, oldest stamp first. NOT_FOUND if absent.
  absl::StatusOr<std::vector<Revision>> Show(const std::string& id);
  // The fields of an entity: the winning write of each, then any conflicts.
  absl::StatusOr<std::vector<EntityFieldView>> GetEntity(v1::EntityType type,
                                                         const std::string& id);
  // Every entity of `type` this device holds, by id.
  absl::StatusOr<std::vector<EntitySummary>> ListEntities(v1::EntityType type);
  // The follow-up visits due and overdue in the user's areas, from what
  // this device holds (works offline), soonest due first; "today" is the
  // region's (Asia/Shanghai) day by the client's clock.
  absl::StatusOr<std::vector<TodoItem>> Todo();
  // The reviews waiting for this user (ReviewTask), oldest first.
  absl::StatusOr<std::vector<ReviewTask>> ReviewTasks();

  // Reviews the current revision of record `id` (16 raw bytes), or answers
  // a review of one's own record (REVIEW_VERDICT_ANSWER): saved like any
  // change, offline too. NOT_FOUND if the device holds no such record; the
  // review rules (common/review_state.h) are checked against what the
  // device holds before saving, and by the server when it arrives.
  absl::Status Review(const std::string& id, v1::ReviewVerdict verdict,
                      const std::string& text);
  // Every revision and review of record `id`, in stamp order. NOT_FOUND if
  // absent.
  absl::StatusOr<std::vector<HistoryEntry>> History(const std::string& id);
  // Imports a roster file (docs/ROSTER.md) as entity edits of the user's
  // areas, all or nothing, writing only the fields that differ from what
  // the device holds. INVALID_ARGUMENT for an unknown kind or encoding, or a
  // file that is not a roster ("FILE:LINE: reason"); row problems come back
  // in the result with nothing recorded.
  absl::StatusOr<RosterImportResult> ImportRoster(
      const RosterImportOptions& options);

  // Logs the device in: checks the password with the server, keeps the token
  // in the home (mode 0600), and records as `user` from then on.
  // UNAUTHENTICATED for a wrong name or password; RESOURCE_EXHAUSTED when
  // the server slows or locks logins; FAILED_PRECONDITION when changes by
  // another user are pending (unless options.force).
  absl::StatusOr<v1::Identity> Login(const LoginOptions& options);
  // Revokes the token at the server and removes it from the home. The token
  // file is removed even when the server cannot be reached; the status then
  // says so (the token stays valid until it expires or an admin revokes it).
  absl::Status Logout();
  // Who the server says this device's token belongs to, areas included.
  absl::StatusOr<v1::Identity> WhoAmI();

  // One sync with the server. `progress` (may be empty) is called as it goes.
  absl::StatusOr<SyncReport> Sync(
      const std::function<void(const SyncProgress&)>& progress = {});

  absl::StatusOr<DeviceStatus> Status();
  absl::StatusOr<StateSummary> Summarize();

  const std::string& device_id() const;

  // What a Client holds (the device store, the home, the clock, the tuning,
  // the lock that keeps one sync at a time): client.cc.
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_H_
