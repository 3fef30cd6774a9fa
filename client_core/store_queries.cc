#include "client_core/store_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "client_core/outbox.h"
#include "common/derived_roster_view.h"
#include "common/derived_state.h"
#include "common/record_id.h"
#include "common/state_digest.h"
#include "common/status_macros.h"

namespace fieldsync {
namespace {

// Both change tables are read through one column layout:
//   0 device_id, 1 device_seq, 2 hlc, 3 server_seq (NULL for own),
//   4 rejected, 5 reason, 6 body, 7 server_received_ms
constexpr char kOwnColumns[] =
    "?1 AS device_id, device_seq, hlc, NULL AS server_seq, rejected, reason, "
    "body, server_received_ms";
constexpr char kReceivedColumns[] =
    "device_id, device_seq, hlc, server_seq, 0, '', body, server_received_ms";

}  // namespace

absl::StatusOr<Revision> StoreQueries::ReadRevision(Stmt& q, bool own,
                                                    uint64_t outcome_hw) {
  Revision r;
  r.device_id = q.Blob(0);
  r.device_seq = static_cast<uint64_t>(q.Int(1));
  r.hlc = static_cast<uint64_t>(q.Int(2));
  r.server_seq = q.IsNull(3) ? 0 : static_cast<uint64_t>(q.Int(3));
  r.state = own ? OwnState(r.device_seq, q.Int(4) != 0, outcome_hw)
                : ChangeState::kAccepted;
  r.reason = q.Text(5);
  r.received_ms = q.Int(7);
  v1::ChangeBody body;
  const absl::string_view b = q.BlobView(6);
  if (!body.ParseFromArray(b.data(), static_cast<int>(b.size())) ||
      !body.has_record()) {
    return absl::DataLossError(absl::StrCat("change ", IdToString(r.device_id),
                                            "/", r.device_seq,
                                            " holds no readable record"));
  }
  r.record = std::move(*body.mutable_record());
  return r;
}

absl::StatusOr<std::vector<RecordView>> StoreQueries::List(
    std::optional<RecordKind> kind, uint64_t outcome_hw) {
  // The head of each record is in one of the two change tables, by locator.
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare(absl::StrCat(
          "SELECT coalesce(o.device_id, x.device_id), coalesce(o.device_seq, "
          "x.device_seq), coalesce(o.hlc, x.hlc), x.server_seq, "
          "coalesce(o.rejected, 0), coalesce(o.reason, ''), "
          "coalesce(o.body, x.body), coalesce(o.server_received_ms, "
          "x.server_received_ms), r.record_id, r.kind, r.revisions, "
          "o.device_seq IS NOT NULL FROM records r "
          "LEFT JOIN (SELECT ",
          kOwnColumns,
          " FROM own_changes) o "
          "ON r.head_locator < 0 AND o.device_seq = -r.head_locator "
          "LEFT JOIN received_changes x "
          "ON r.head_locator > 0 AND x.server_seq = r.head_locator "
          "WHERE ?2 = 0 OR r.kind = ?2 ORDER BY r.record_id")));
  q.BindBlob(1, device_id_).Bind(2, kind ? static_cast<int>(*kind) : 0);
  std::vector<RecordView> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    RecordView v;
    FS_ASSIGN_OR_RETURN(v.current, ReadRevision(q, q.Int(11) != 0, outcome_hw));
    v.id = q.Blob(8);
    v.kind = static_cast<RecordKind>(q.Int(9));
    v.revisions = q.Int(10);
    out.push_back(std::move(v));
  }
  return out;
}

absl::StatusOr<std::vector<Revision>> StoreQueries::Revisions(
    const std::string& id, uint64_t outcome_hw) {
  std::vector<Revision> out;
  for (bool own : {true, false}) {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare(absl::StrCat(
                    "SELECT ", own ? kOwnColumns : kReceivedColumns, " FROM ",
                    own ? "own_changes" : "received_changes",
                    " WHERE subject = ?2 AND kind < ?3")));
    if (own) q.BindBlob(1, device_id_);
    q.BindBlob(2, id).Bind(3, kFirstChangeKind);
    while (true) {
      FS_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      FS_ASSIGN_OR_RETURN(Revision r, ReadRevision(q, own, outcome_hw));
      out.push_back(std::move(r));
    }
  }
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no record ", IdToString(id), " on this device"));
  }
  std::sort(out.begin(), out.end(), [](const Revision& a, const Revision& b) {
    return Stamp{a.hlc, a.device_id, a.device_seq} <
           Stamp{b.hlc, b.device_id, b.device_seq};
  });
  return out;
}

absl::StatusOr<std::vector<EntityFieldView>> StoreQueries::Entity(
    v1::EntityType type, const std::string& id) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT field, value, hlc, device_id, is_conflict "
                           "FROM field_writes WHERE entity_key = ? AND "
                           "(is_winner = 1 OR is_conflict = 1) "
                           "ORDER BY is_conflict, field, hlc"));
  q.BindText(1, EntityKey(type, id));
  std::vector<EntityFieldView> out;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EntityFieldView f;
    f.field = q.Text(0);
    f.value = q.Text(1);
    f.hlc = static_cast<uint64_t>(q.Int(2));
    f.device_id = q.Blob(3);
    f.conflict = q.Int(4) != 0;
    out.push_back(std::move(f));
  }
  if (out.empty()) {
    return absl::NotFoundError(absl::StrCat("no entity ",
                                            v1::EntityType_Name(type), " \"",
                                            id, "\" on this device"));
  }
  return out;
}

absl::StatusOr<std::vector<EntitySummary>> StoreQueries::Entities(
    v1::EntityType type) {
  FS_ASSIGN_OR_RETURN(std::vector<HeldEntity> held, HeldEntities(db_, type));
  std::vector<EntitySummary> out;
  out.reserve(held.size());
  for (HeldEntity& e : held) {
    out.push_back(EntitySummary{std::move(e.id), std::move(e.county),
                                std::move(e.fields)});
  }
  return out;
}

absl::Status StoreQueries::CountInto(uint64_t outcome_hw, DeviceStatus* s) {
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT "
                   "(SELECT count(*) FROM own_changes WHERE device_seq > ?1), "
                   "(SELECT coalesce(sum(length(body)), 0) FROM own_changes "
                   " WHERE device_seq > ?1), "
                   "(SELECT count(*) FROM own_changes WHERE device_seq <= ?1 "
                   " AND rejected = 0), "
                   "(SELECT count(*) FROM received_changes), "
                   "(SELECT count(*) FROM records), "
                   "(SELECT count(*) FROM field_writes WHERE is_conflict)"));
  q.Bind(1, static_cast<int64_t>(outcome_hw));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (row) {
    s->pending = static_cast<uint64_t>(q.Int(0));
    s->pending_bytes = static_cast<uint64_t>(q.Int(1));
    s->accepted = static_cast<uint64_t>(q.Int(2));
    s->received = static_cast<uint64_t>(q.Int(3));
    s->records = static_cast<uint64_t>(q.Int(4));
    s->conflicts = static_cast<uint64_t>(q.Int(5));
  }
  FS_ASSIGN_OR_RETURN(
      Stmt r, db_->Prepare("SELECT device_seq, kind, subject, code, reason "
                           "FROM own_changes WHERE rejected = 1 "
                           "ORDER BY device_seq"));
  while (true) {
    FS_ASSIGN_OR_RETURN(bool more, r.Step());
    if (!more) break;
    Rejection j;
    j.device_seq = static_cast<uint64_t>(r.Int(0));
    j.kind = static_cast<RecordKind>(r.Int(1));
    j.subject =
        j.kind == RecordKind::kEntityEdit ? r.Text(2) : IdToString(r.Blob(2));
    j.code = static_cast<int>(r.Int(3));
    j.reason = r.Text(4);
    s->rejections.push_back(std::move(j));
  }
  s->rejected = s->rejections.size();
  return CountHeldBack(s);
}

absl::Status StoreQueries::CountHeldBack(DeviceStatus* s) {
  // Deferred rows are few (kept out by a pending own change): each is read,
  // so one that can no longer be parsed is reported, not left unseen.
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT server_seq, body FROM received_changes "
                           "WHERE deferred = 1 ORDER BY server_seq"));
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ++s->held_back;
    const absl::string_view b = q.BlobView(1);
    body.Clear();
    if (!body.ParseFromArray(b.data(), static_cast<int>(b.size())) ||
        body.kind_case() == v1::ChangeBody::KIND_NOT_SET) {
      s->unreadable_held_back.push_back(static_cast<uint64_t>(q.Int(0)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StateSummary> StoreQueries::Summarize(uint64_t outcome_hw) {
  StateSummary s;
  FS_ASSIGN_OR_RETURN(
      Stmt c,
      db_->Prepare("SELECT (SELECT count(*) FROM records), "
                   "(SELECT count(*) FROM entities), "
                   "(SELECT count(*) FROM field_writes WHERE is_conflict)"));
  FS_ASSIGN_OR_RETURN(bool row, c.Step());
  if (row) {
    s.records = static_cast<uint64_t>(c.Int(0));
    s.entities = static_cast<uint64_t>(c.Int(1));
    s.conflicts = static_cast<uint64_t>(c.Int(2));
  }
  // The accepted changes: own ones with an outcome and not rejected, and all
  // received ones, in origin order (as the server computes it).
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT ?1 AS d, device_seq AS s, hlc, body FROM "
                   "own_changes WHERE device_seq <= ?2 AND rejected = 0 "
                   "UNION ALL SELECT device_id, device_seq, hlc, body "
                   "FROM received_changes ORDER BY d, s"));
  q.BindBlob(1, device_id_).Bind(2, static_cast<int64_t>(outcome_hw));
  StateDigest digest;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool more, q.Step());
    if (!more) break;
    digest.Add(q.BlobView(0), static_cast<uint64_t>(q.Int(1)),
               static_cast<uint64_t>(q.Int(2)), q.BlobView(3));
  }
  s.changes = digest.count();
  s.digest = digest.Finish();
  return s;
}

}  // namespace fieldsync
