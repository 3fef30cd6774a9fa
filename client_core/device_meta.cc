#include "client_core/device_meta.h"

#include "common/status_macros.h"

namespace fieldsync {
namespace {

bool Is(const std::string& name, const char* key) { return name == key; }

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceMeta>> DeviceMeta::Prepare(Db* db) {
  auto m = std::make_unique<DeviceMeta>(db);
  FS_ASSIGN_OR_RETURN(m->get_,
                      db->PrepareKept("SELECT value FROM meta WHERE key = ?"));
  FS_ASSIGN_OR_RETURN(
      m->put_,
      db->PrepareKept("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
  return m;
}

absl::StatusOr<int64_t> DeviceMeta::Get(IntMetaKey key) {
  Stmt& q = *get_;
  q.BindText(1, key.name);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const int64_t v = row ? q.Int(0) : 0;
  q.Reset();
  return v;
}

absl::Status DeviceMeta::Put(IntMetaKey key, int64_t value) {
  put_->BindText(1, key.name).Bind(2, value);
  return put_->Run();
}

absl::Status DeviceMeta::Put(TextMetaKey key, absl::string_view value) {
  put_->BindText(1, key.name).BindText(2, value);
  return put_->Run();
}

absl::Status DeviceMeta::Put(BytesMetaKey key, absl::string_view value) {
  put_->BindText(1, key.name).BindBlob(2, value);
  return put_->Run();
}

absl::StatusOr<MetaValues> DeviceMeta::ReadAll() {
  MetaValues v;
  FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare("SELECT key, value FROM meta"));
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string key = q.Text(0);
    if (Is(key, meta::kDeviceId.name)) v.device_id = q.Blob(1);
    if (Is(key, meta::kDeviceKey.name)) v.device_key = q.Blob(1);
    if (Is(key, meta::kLabel.name)) v.label = q.Text(1);
    if (Is(key, meta::kServer.name)) v.server = q.Text(1);
    if (Is(key, meta::kAuthor.name)) v.author = q.Text(1);
    if (Is(key, meta::kTlsCaPem.name)) v.tls_ca_pem = q.Text(1);
    if (Is(key, meta::kInsecurePlaintext.name)) {
      v.insecure_plaintext = q.Int(1) != 0;
    }
    if (Is(key, meta::kServerId.name)) v.server_id = q.Blob(1);
    if (Is(key, meta::kClockOffsetMs.name)) v.clock_offset_ms = q.Int(1);
    if (Is(key, meta::kClockFlagged.name)) v.clock_flagged = q.Int(1) != 0;
    if (Is(key, meta::kLastSyncMs.name)) v.last_sync_ms = q.Int(1);
    if (Is(key, meta::kNextSeq.name)) v.next_seq = q.Int(1);
    if (Is(key, meta::kOutcomeHw.name)) v.outcome_hw = q.Int(1);
    if (Is(key, meta::kOwnBytes.name)) v.has_byte_totals = true;
    if (Is(key, meta::kCursor.name)) v.cursor = q.Int(1);
    if (Is(key, meta::kHlcLast.name)) v.hlc_last = q.Int(1);
  }
  return v;
}

}  // namespace fieldsync
