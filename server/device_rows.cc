#include "server/device_rows.h"

#include "common/status_macros.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<DeviceRows>> DeviceRows::Prepare(Db* db) {
  auto rows = std::make_unique<DeviceRows>(PrivateTag{});
  // RETURNING gives the high-water mark of the row as upserted: the stored
  // one, or the column default for a new device.
  FS_ASSIGN_OR_RETURN(
      rows->hello_,
      db->PrepareKept(
          "INSERT INTO devices(device_id, label, author, "
          "first_seen_ms, last_seen_ms, clock_offset_ms, clock_flagged) "
          "VALUES(?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT(device_id) DO "
          "UPDATE SET label = ?2, author = ?3, last_seen_ms = ?4, "
          "clock_offset_ms = ?5, clock_flagged = ?6 RETURNING high_water"));
  FS_ASSIGN_OR_RETURN(
      rows->find_,
      db->PrepareKept("SELECT d.key_hash, d.user_id, u.name FROM devices d "
                      "LEFT JOIN users u ON u.user_id = d.user_id "
                      "WHERE d.device_id = ?"));
  FS_ASSIGN_OR_RETURN(
      rows->login_,
      db->PrepareKept(
          "INSERT INTO devices(device_id, label, author, "
          "first_seen_ms, last_seen_ms, user_id, key_hash) "
          "VALUES(?1, ?2, ?3, ?4, ?4, ?5, ?6) ON CONFLICT(device_id) "
          "DO UPDATE SET label = ?2, author = ?3, last_seen_ms = ?4, "
          "user_id = ?5, key_hash = coalesce(key_hash, ?6)"));
  FS_ASSIGN_OR_RETURN(
      rows->high_water_,
      db->PrepareKept("SELECT high_water FROM devices WHERE device_id = ?"));
  FS_ASSIGN_OR_RETURN(
      rows->advance_,
      db->PrepareKept(
          "UPDATE devices SET high_water = ?, last_seen_ms = ?, "
          "clamped_changes = clamped_changes + ? WHERE device_id = ?"));
  return rows;
}

absl::StatusOr<uint64_t> DeviceRows::RecordHello(const DeviceHello& hello) {
  Stmt& up = *hello_;
  up.BindBlob(1, hello.device_id)
      .BindText(2, hello.label)
      .BindText(3, hello.author)
      .Bind(4, hello.now_ms)
      .Bind(5, hello.clock_offset_ms)
      .Bind(6, hello.clock_flagged ? 1 : 0);
  FS_ASSIGN_OR_RETURN(const bool row, up.Step());
  if (!row) {  // an upsert always returns its row
    up.Reset();
    return absl::InternalError("registering a device returned no row");
  }
  const uint64_t high_water = static_cast<uint64_t>(up.Int(0));
  FS_RETURN_IF_ERROR(up.Run());  // steps past the one row, and resets
  return high_water;
}

absl::StatusOr<std::optional<DeviceRegistration>> DeviceRows::Find(
    const std::string& device_id) {
  Stmt& q = *find_;
  q.BindBlob(1, device_id);
  FS_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) {
    q.Reset();
    return std::nullopt;
  }
  DeviceRegistration d;
  if (!q.IsNull(0)) d.key_hash = q.Blob(0);  // NULL: none
  if (!q.IsNull(2)) {  // a user row exists for the device's user_id
    d.user_id = q.Int(1);
    d.user_name = q.Text(2);
  }
  q.Reset();
  return d;
}

absl::Status DeviceRows::RecordLogin(const std::string& device_id,
                                     const std::string& label, int64_t user_id,
                                     const std::string& user_name,
                                     const std::string& key_hash,
                                     int64_t now_ms) {
  Stmt& up = *login_;
  up.BindBlob(1, device_id)
      .BindText(2, label)
      .BindText(3, user_name)
      .Bind(4, now_ms)
      .Bind(5, user_id)
      .BindBlob(6, key_hash);
  return up.Run();
}

absl::StatusOr<uint64_t> DeviceRows::HighWater(const std::string& device_id) {
  Stmt& q = *high_water_;
  q.BindBlob(1, device_id);
  FS_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) {
    q.Reset();
    return absl::FailedPreconditionError(
        "device is not registered: call Handshake first");
  }
  const uint64_t high_water = static_cast<uint64_t>(q.Int(0));
  q.Reset();
  return high_water;
}

absl::Status DeviceRows::AdvanceHighWater(const std::string& device_id,
                                          uint64_t high_water, int64_t now_ms,
                                          int64_t clamped) {
  Stmt& up = *advance_;
  up.Bind(1, static_cast<int64_t>(high_water))
      .Bind(2, now_ms)
      .Bind(3, clamped)
      .BindBlob(4, device_id);
  return up.Run();
}

}  // namespace fieldsync
