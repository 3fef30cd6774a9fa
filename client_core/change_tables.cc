#include "client_core/change_tables.h"

#include "absl/strings/str_cat.h"
#include "common/record_kind.h"
#include "common/status_macros.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<ChangeTables>> ChangeTables::Prepare(
    Db* db, std::string device_id) {
  auto t = std::make_unique<ChangeTables>(db, std::move(device_id));
  FS_ASSIGN_OR_RETURN(
      t->insert_own_,
      db->PrepareKept(
          "INSERT INTO own_changes(device_seq, kind, county, subject, "
          "hlc, recorded_ms, body) VALUES(?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      t->insert_received_,
      db->PrepareKept(
          "INSERT OR IGNORE INTO received_changes(server_seq, device_id, "
          "device_seq, kind, county, subject, hlc, flags, received_ms, "
          "body, server_received_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(t->own_change_,
                      db->PrepareKept("SELECT hlc, body FROM own_changes "
                                      "WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      t->received_change_,
      db->PrepareKept("SELECT device_id, device_seq, hlc, body FROM "
                      "received_changes WHERE server_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      t->set_own_hlc_,
      db->PrepareKept("UPDATE own_changes SET hlc = ?, flags = ? "
                      "WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      t->set_own_received_,
      db->PrepareKept("UPDATE own_changes SET server_received_ms = ? "
                      "WHERE device_seq BETWEEN ? AND ?"));
  FS_ASSIGN_OR_RETURN(
      t->reject_own_,
      db->PrepareKept("UPDATE own_changes SET rejected = 1, code = ?, "
                      "reason = ? WHERE device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      t->set_deferred_,
      db->PrepareKept("UPDATE received_changes SET deferred = ? "
                      "WHERE server_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      t->delete_received_,
      db->PrepareKept("DELETE FROM received_changes WHERE server_seq = ?"));
  return t;
}

absl::Status ChangeTables::InsertOwn(const OwnRow& row) {
  Stmt& ins = *insert_own_;
  ins.Bind(1, static_cast<int64_t>(row.device_seq))
      .Bind(2, static_cast<int>(row.kind))
      .BindText(3, row.county)
      .BindBlob(4, row.subject)
      .Bind(5, static_cast<int64_t>(row.hlc))
      .Bind(6, row.recorded_ms)
      .BindBlob(7, row.body);
  return ins.Run();
}

absl::StatusOr<bool> ChangeTables::InsertReceived(const ReceivedRow& row) {
  Stmt& ins = *insert_received_;
  ins.Bind(1, static_cast<int64_t>(row.server_seq))
      .BindBlobNoCopy(2, row.device_id)
      .Bind(3, static_cast<int64_t>(row.device_seq))
      .Bind(4, static_cast<int>(row.kind))
      .BindTextNoCopy(5, row.county)
      .BindBlobNoCopy(6, row.subject)
      .Bind(7, static_cast<int64_t>(row.hlc))
      .Bind(8, row.flags)
      .Bind(9, row.received_ms)
      .BindBlobNoCopy(10, row.body)
      .Bind(11, row.server_received_ms);
  FS_RETURN_IF_ERROR(ins.Run());
  return db_->Changes() != 0;
}

absl::Status ChangeTables::SetOwnReceived(uint64_t first, uint64_t last,
                                          int64_t received_ms) {
  Stmt& up = *set_own_received_;
  up.Bind(1, received_ms)
      .Bind(2, static_cast<int64_t>(first))
      .Bind(3, static_cast<int64_t>(last));
  return up.Run();
}

absl::Status ChangeTables::SetOwnHlc(uint64_t device_seq, uint64_t hlc,
                                     uint32_t flags) {
  Stmt& up = *set_own_hlc_;
  up.Bind(1, static_cast<int64_t>(hlc))
      .Bind(2, flags)
      .Bind(3, static_cast<int64_t>(device_seq));
  return up.Run();
}

absl::Status ChangeTables::RejectOwn(uint64_t device_seq, int code,
                                     absl::string_view reason) {
  Stmt& rej = *reject_own_;
  rej.Bind(1, code).BindText(2, reason).Bind(3,
                                             static_cast<int64_t>(device_seq));
  return rej.Run();
}

absl::Status ChangeTables::SetDeferred(uint64_t server_seq, bool deferred) {
  Stmt& d = *set_deferred_;
  d.Bind(1, deferred ? 1 : 0).Bind(2, static_cast<int64_t>(server_seq));
  return d.Run();
}

absl::Status ChangeTables::DeleteReceived(uint64_t server_seq) {
  Stmt& del = *delete_received_;
  del.Bind(1, static_cast<int64_t>(server_seq));
  return del.Run();
}

absl::StatusOr<HeldRevision> ChangeTables::ReadHeldRevision(int64_t locator) {
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

absl::StatusOr<std::vector<RevisionRef>> ChangeTables::ListRevisions(
    const std::string& record_id) {
  std::vector<RevisionRef> out;
  {
    FS_ASSIGN_OR_RETURN(Stmt q,
                        db_->Prepare("SELECT hlc, device_seq FROM own_changes "
                                     "WHERE subject = ? AND rejected = 0 AND "
                                     "kind < ?"));
    q.Bind(2, kFirstChangeKind);
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
                           "deferred = 0 AND kind < ?"));
  q.Bind(2, kFirstChangeKind);
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

}  // namespace fieldsync
