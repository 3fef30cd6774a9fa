// The `devices` table of the server database (server_schema.h): what the
// server knows of each device, written by the handshake (sync store) and by
// a login (account store). This is the one place that registers devices:
// both stores keep one DeviceRows on their own connection.
//
// Invariants:
//  * A row is made by the first handshake or login naming the device and is
//    never deleted; later ones update it (label, author, last seen).
//  * key_hash (BLAKE2b-256 of the device key sent at login) is set by the
//    first login that sends one and never changes afterwards: it is how a
//    later login proves to be the same device.
//  * user_id names the user who last logged the device in.
//  * high_water (the last device_seq decided) and clamped_changes only grow:
//    an upload batch reads the mark (HighWater) and advances it
//    (AdvanceHighWater) inside its own transaction (server/batch_writer.h),
//    so the mark commits with the changes it covers.
//
// Statements are prepared once (Prepare). Not thread-safe: its owner uses it
// under the lock that guards the connection, and inside the owner's
// transaction when the write belongs to one.
#ifndef FIELDSYNC_SERVER_DEVICE_ROWS_H_
#define FIELDSYNC_SERVER_DEVICE_ROWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sqlite_db.h"
#include "server/server_store.h"

namespace fieldsync {

// What a login needs to know of a registered device.
struct DeviceRegistration {
  std::optional<std::string> key_hash;  // none: no key registered yet
  // The user the device is registered to, if any (devices of schema 1 and
  // devices whose user is gone have none).
  std::optional<int64_t> user_id;
  std::string user_name;  // set with user_id
};

class DeviceRows {
 public:
  // The statements on `db` (which must outlive it), prepared once. The
  // database's error if one cannot be prepared.
  static absl::StatusOr<std::unique_ptr<DeviceRows>> Prepare(Db* db);

  DeviceRows(const DeviceRows&) = delete;
  DeviceRows& operator=(const DeviceRows&) = delete;

  // A handshake: registers the device or updates its label, author, last
  // seen time and clock offset and flag. Returns its high-water mark (0 for
  // a new device).
  absl::StatusOr<uint64_t> RecordHello(const DeviceHello& hello);

  // The device's registration; std::nullopt if no row names it.
  absl::StatusOr<std::optional<DeviceRegistration>> Find(
      const std::string& device_id);

  // A successful login of `user_id` (named `user_name`): registers the
  // device to the user, with `key_hash` unless a key is registered already,
  // and sets its label, author and last seen time.
  absl::Status RecordLogin(const std::string& device_id,
                           const std::string& label, int64_t user_id,
                           const std::string& user_name,
                           const std::string& key_hash, int64_t now_ms);

  // The device's high-water mark; FAILED_PRECONDITION when no row names the
  // device (it has not shaken hands).
  absl::StatusOr<uint64_t> HighWater(const std::string& device_id);

  // After an upload batch: sets the mark to `high_water`, the last seen time
  // to `now_ms`, and adds `clamped` to the count of clock-clamped changes.
  absl::Status AdvanceHighWater(const std::string& device_id,
                                uint64_t high_water, int64_t now_ms,
                                int64_t clamped);

 private:
  struct PrivateTag {};  // only Prepare constructs

 public:
  explicit DeviceRows(PrivateTag) {}

 private:
  std::unique_ptr<Stmt> hello_;
  std::unique_ptr<Stmt> find_;
  std::unique_ptr<Stmt> login_;
  std::unique_ptr<Stmt> high_water_;
  std::unique_ptr<Stmt> advance_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_DEVICE_ROWS_H_
