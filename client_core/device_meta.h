// The device store's meta table (device_schema.h): one row per key, and
// each key's type fixed here, once. Code names a key by its constant, never
// by a string literal, so a misspelt key, or a key read or written with the
// wrong type, does not compile. Integer keys hold SQLite integers (0 when
// absent); text keys hold text; byte keys hold blobs.
//
// DeviceMeta reads and writes inside the caller's transaction; it keeps no
// copy of any value (LocalStore keeps the ones it caches, and updates them
// only after its transaction commits). Not thread-safe: used under
// LocalStore's lock.
#ifndef FIELDSYNC_CLIENT_CORE_DEVICE_META_H_
#define FIELDSYNC_CLIENT_CORE_DEVICE_META_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/sqlite_db.h"

namespace fieldsync {

struct IntMetaKey {
  const char* name;
};
struct TextMetaKey {
  const char* name;
};
struct BytesMetaKey {
  const char* name;
};

namespace meta {
// Who the device is (set at Create; the key is added to older stores).
inline constexpr BytesMetaKey kDeviceId{"device_id"};
inline constexpr BytesMetaKey kDeviceKey{"device_key"};
inline constexpr TextMetaKey kLabel{"label"};
// Where the server is and who records here (set at login).
inline constexpr TextMetaKey kServer{"server"};
inline constexpr TextMetaKey kAuthor{"author"};
inline constexpr TextMetaKey kTlsCaPem{"tls_ca_pem"};
inline constexpr IntMetaKey kInsecurePlaintext{"insecure_plaintext"};
// The server store this device belongs to, and its clock as last seen.
inline constexpr BytesMetaKey kServerId{"server_id"};
inline constexpr IntMetaKey kClockOffsetMs{"clock_offset_ms"};
inline constexpr IntMetaKey kClockFlagged{"clock_flagged"};
inline constexpr IntMetaKey kLastSyncMs{"last_sync_ms"};
// The outbox (outbox.h): the next device_seq, the highest with a known
// outcome, and running byte totals (all own bodies; those up to outcome_hw).
inline constexpr IntMetaKey kNextSeq{"next_seq"};
inline constexpr IntMetaKey kOutcomeHw{"outcome_hw"};
inline constexpr IntMetaKey kOwnBytes{"own_bytes"};
inline constexpr IntMetaKey kAnsweredBytes{"answered_bytes"};
// The feed (feed_applier.h): the last server_seq applied.
inline constexpr IntMetaKey kCursor{"cursor"};
// The hybrid logical clock's last value (common/hlc.h).
inline constexpr IntMetaKey kHlcLast{"hlc_last"};
// The areas (held_areas.h): whether the user's areas are known, and whether
// they are all counties.
inline constexpr IntMetaKey kAreasKnown{"areas_known"};
inline constexpr IntMetaKey kAreasAll{"areas_all"};
}  // namespace meta

// Every value LocalStore loads at open.
struct MetaValues {
  std::string device_id, device_key, label;
  std::string server, author, tls_ca_pem;
  bool insecure_plaintext = false;
  std::string server_id;
  int64_t clock_offset_ms = 0;
  bool clock_flagged = false;
  int64_t last_sync_ms = 0;
  int64_t next_seq = 1;
  int64_t outcome_hw = 0;
  bool has_byte_totals = false;  // own_bytes present (stores since totals)
  int64_t cursor = 0;
  int64_t hlc_last = 0;
};

class DeviceMeta {
 public:
  // Prepares the statements; `db` must outlive the object.
  static absl::StatusOr<std::unique_ptr<DeviceMeta>> Prepare(Db* db);

  absl::StatusOr<int64_t> Get(IntMetaKey key);
  absl::Status Put(IntMetaKey key, int64_t value);
  absl::Status Put(TextMetaKey key, absl::string_view value);
  absl::Status Put(BytesMetaKey key, absl::string_view value);

  absl::StatusOr<MetaValues> ReadAll();

  explicit DeviceMeta(Db* db) : db_(db) {}

 private:
  Db* db_;
  std::unique_ptr<Stmt> get_;
  std::unique_ptr<Stmt> put_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_DEVICE_META_H_
