#include "common/derived_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/record_kind.h"
#include "common/revision_rules.h"
#include "common/status_macros.h"

namespace fieldsync {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS records(
  record_id BLOB PRIMARY KEY,
  kind INTEGER NOT NULL,
  head_locator INTEGER NOT NULL,
  revisions INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entities(
  entity_key TEXT PRIMARY KEY,
  entity_type INTEGER NOT NULL,
  entity_id TEXT NOT NULL,
  county TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS field_writes(
  entity_key TEXT NOT NULL,
  field TEXT NOT NULL,
  hlc INTEGER NOT NULL,
  device_id BLOB NOT NULL,
  device_seq INTEGER NOT NULL,
  value TEXT NOT NULL,
  base_hlc INTEGER NOT NULL,
  is_winner INTEGER NOT NULL DEFAULT 0,
  is_conflict INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(entity_key, field, device_id, device_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reviews(
  record_id BLOB NOT NULL,
  device_id BLOB NOT NULL,
  device_seq INTEGER NOT NULL,
  hlc INTEGER NOT NULL,
  verdict INTEGER NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  revision_device_id BLOB NOT NULL,
  revision_device_seq INTEGER NOT NULL,
  PRIMARY KEY(record_id, device_id, device_seq)
) WITHOUT ROWID;
)sql";

}  // namespace

std::string EntityKey(v1::EntityType type, absl::string_view id) {
  return absl::StrCat(static_cast<int>(type), "/", id);
}

std::string EntityKey(const v1::EntityEdit& edit) {
  return EntityKey(edit.entity_type(), edit.entity_id());
}

absl::StatusOr<HeldRevision> HeldRevisionOf(Stamp stamp,
                                            absl::string_view body) {
  HeldRevision h;
  h.stamp = std::move(stamp);
  auto header = ReadChangeHeader(body);
  if (header.ok()) {
    h.county = std::string(header->county);
    h.author = std::string(header->author);
    h.township = std::string(header->township);
    return h;
  }
  // A body the header reader does not handle is parsed whole.
  v1::ChangeBody whole;
  if (!whole.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      !whole.has_record()) {
    return absl::DataLossError(
        "the current revision of a record is not a readable record");
  }
  h.county = whole.record().area().county_code();
  h.author = whole.record().author();
  h.township = whole.record().area().township_code();
  return h;
}

absl::Status SlimRecordsTable(Db* db) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db->Prepare("SELECT count(*) FROM pragma_table_info('records') "
                          "WHERE name = 'county'"));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.Int(0) == 0) return absl::OkStatus();
  q.Reset();
  return db->Exec(
      "ALTER TABLE records DROP COLUMN county; "
      "ALTER TABLE records DROP COLUMN author; "
      "ALTER TABLE records DROP COLUMN head_hlc; "
      "ALTER TABLE records DROP COLUMN head_device; "
      "ALTER TABLE records DROP COLUMN head_device_seq;");
}

absl::StatusOr<std::unique_ptr<DerivedState>> DerivedState::Create(
    Db* db, RevisionReader reader) {
  FS_RETURN_IF_ERROR(db->Exec(kSchema));
  auto state = std::make_unique<DerivedState>(db, std::move(reader));
  FS_RETURN_IF_ERROR(state->Prepare());
  return state;
}

absl::Status DerivedState::Prepare() {
  FS_ASSIGN_OR_RETURN(
      get_record_,
      db_->PrepareKept("SELECT kind, head_locator, revisions FROM records "
                       "WHERE record_id = ?"));
  FS_ASSIGN_OR_RETURN(
      insert_record_,
      db_->PrepareKept("INSERT INTO records(record_id, kind, head_locator, "
                       "revisions) VALUES(?,?,?,1) "
                       "ON CONFLICT(record_id) DO NOTHING"));
  {
    // OR IGNORE: a held id's row is skipped, not an error, so the statement
    // cannot abort half-way and SQLite keeps no statement journal for it (a
    // copy of every page it touches). InsertNewRecords counts the rows
    // written and takes them out again when one was skipped.
    std::string sql =
        "INSERT OR IGNORE INTO records(record_id, kind, head_locator, "
        "revisions) VALUES";
    for (size_t i = 0; i < kBulkRecords; ++i) {
      absl::StrAppend(&sql, i == 0 ? "" : ",", "(?,?,?,1)");
    }
    FS_ASSIGN_OR_RETURN(insert_records_bulk_, db_->PrepareKept(sql));
  }
  FS_ASSIGN_OR_RETURN(
      set_head_,
      db_->PrepareKept("UPDATE records SET head_locator = ?, revisions = ? "
                       "WHERE record_id = ?"));
  FS_ASSIGN_OR_RETURN(
      delete_record_,
      db_->PrepareKept("DELETE FROM records WHERE record_id = ?"));
  FS_ASSIGN_OR_RETURN(
      undo_new_record_,
      db_->PrepareKept("DELETE FROM records WHERE record_id = ? AND "
                       "head_locator = ? AND revisions = 1"));
  FS_ASSIGN_OR_RETURN(
      get_entity_,
      db_->PrepareKept("SELECT county FROM entities WHERE entity_key = ?"));
  FS_ASSIGN_OR_RETURN(
      insert_entity_,
      db_->PrepareKept(
          "INSERT OR IGNORE INTO entities(entity_key, entity_type, "
          "entity_id, county) VALUES(?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      delete_entity_if_empty_,
      db_->PrepareKept(
          "DELETE FROM entities WHERE entity_key = ?1 AND NOT EXISTS "
          "(SELECT 1 FROM field_writes WHERE entity_key = ?1)"));
  FS_ASSIGN_OR_RETURN(
      insert_write_,
      db_->PrepareKept(
          "INSERT OR IGNORE INTO field_writes(entity_key, field, hlc, "
          "device_id, device_seq, value, base_hlc) VALUES(?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      field_writes_,
      db_->PrepareKept("SELECT hlc, device_id, device_seq, value, base_hlc, "
                       "is_winner, is_conflict FROM field_writes "
                       "WHERE entity_key = ? AND field = ?"));
  FS_ASSIGN_OR_RETURN(
      set_flags_,
      db_->PrepareKept(
          "UPDATE field_writes SET is_winner = ?, is_conflict = ? "
          "WHERE entity_key = ? AND field = ? AND device_id = ? AND "
          "device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      restamp_write_,
      db_->PrepareKept(
          "UPDATE field_writes SET hlc = ? WHERE entity_key = ? AND "
          "field = ? AND device_id = ? AND device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      delete_write_,
      db_->PrepareKept(
          "DELETE FROM field_writes WHERE entity_key = ? AND field = ? "
          "AND device_id = ? AND device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      insert_review_,
      db_->PrepareKept(
          "INSERT OR IGNORE INTO reviews(record_id, device_id, device_seq, "
          "hlc, verdict, author, text, revision_device_id, "
          "revision_device_seq) VALUES(?,?,?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      reviews_of_,
      db_->PrepareKept(
          "SELECT hlc, device_id, device_seq, verdict, author, text, "
          "revision_device_id, revision_device_seq FROM reviews "
          "WHERE record_id = ?"));
  FS_ASSIGN_OR_RETURN(
      restamp_review_,
      db_->PrepareKept("UPDATE reviews SET hlc = ? WHERE record_id = ? AND "
                       "device_id = ? AND device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      delete_review_,
      db_->PrepareKept("DELETE FROM reviews WHERE record_id = ? AND "
                       "device_id = ? AND device_seq = ?"));
  return absl::OkStatus();
}

absl::StatusOr<RecordHead> DerivedState::GetRecord(
    absl::string_view record_id) {
  Stmt& q = *get_record_;
  q.BindBlob(1, record_id);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    q.Reset();
    return absl::NotFoundError("no such record");
  }
  RecordHead h;
  h.kind = static_cast<int>(q.Int(0));
  h.head_locator = q.Int(1);
  h.revisions = q.Int(2);
  q.Reset();
  FS_ASSIGN_OR_RETURN(HeldRevision held, reader_(h.head_locator));
  h.county = std::move(held.county);
  h.author = std::move(held.author);
  h.township = std::move(held.township);
  h.head = std::move(held.stamp);
  return h;
}

absl::StatusOr<RuleVerdict> DerivedState::CheckEntityEdit(
    const v1::EntityEdit& edit) {
  Stmt& q = *get_entity_;
  q.BindText(1, EntityKey(edit));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const std::string county = row ? q.Text(0) : std::string();
  q.Reset();
  return CheckEntityCounty(
      edit.entity_type(), edit.entity_id(),
      row ? std::optional<absl::string_view>(county) : std::nullopt,
      edit.area().county_code());
}

absl::Status DerivedState::SetHead(const std::string& record_id,
                                   const RevisionRef& head, int64_t revisions) {
  Stmt& up = *set_head_;
  up.Bind(1, head.locator).Bind(2, revisions).BindBlob(3, record_id);
  return up.Run();
}

absl::StatusOr<bool> DerivedState::InsertNewRecords(
    absl::Span<const NewRecord> records) {
  if (records.size() != kBulkRecords) {
    return absl::InvalidArgumentError(
        absl::StrCat("InsertNewRecords takes ", kBulkRecords, " records, not ",
                     records.size()));
  }
  Stmt& ins = *insert_records_bulk_;
  int i = 0;
  for (const NewRecord& r : records) {
    ins.BindBlobNoCopy(i + 1, r.header.record_id)
        .Bind(i + 2, static_cast<int>(r.header.kind))
        .Bind(i + 3, r.locator);
    i += 3;
  }
  FS_RETURN_IF_ERROR(ins.Run());
  if (db_->Changes() == static_cast<int>(kBulkRecords)) return true;
  // An id was held already (or came twice): its row was ignored. Take out
  // the rows this statement wrote, which are the only ones with these
  // (id, locator) pairs: a locator names one change, new to the caller.
  for (const NewRecord& r : records) {
    Stmt& undo = *undo_new_record_;
    undo.BindBlobNoCopy(1, r.header.record_id).Bind(2, r.locator);
    FS_RETURN_IF_ERROR(undo.Run());
  }
  return false;
}

absl::StatusOr<std::vector<ReviewEntry>> DerivedState::ReviewsOf(
    absl::string_view record_id) {
  std::vector<ReviewEntry> out;
  Stmt& q = *reviews_of_;
  q.BindBlob(1, record_id);
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ReviewEntry e;
    e.stamp = Stamp{static_cast<uint64_t>(q.Int(0)), q.Blob(1),
                    static_cast<uint64_t>(q.Int(2))};
    e.verdict = static_cast<v1::ReviewVerdict>(q.Int(3));
    e.author = q.Text(4);
    e.text = q.Text(5);
    e.revision_device_id = q.Blob(6);
    e.revision_device_seq = static_cast<uint64_t>(q.Int(7));
    out.push_back(std::move(e));
  }
  q.Reset();
  std::sort(out.begin(), out.end(),
            [](const ReviewEntry& a, const ReviewEntry& b) {
              return a.stamp < b.stamp;
            });
  return out;
}

absl::StatusOr<ReviewedRecord> DerivedState::Reviewed(
    absl::string_view record_id) {
  FS_ASSIGN_OR_RETURN(RecordHead head, GetRecord(record_id));
  FS_ASSIGN_OR_RETURN(std::vector<ReviewEntry> reviews, ReviewsOf(record_id));
  ReviewState state = DeriveReviewState(head.head, reviews);
  return ReviewedRecord{std::move(head.county),
                        std::move(head.author),
                        std::move(head.head),
                        std::move(state),
                        static_cast<RecordKind>(head.kind),
                        std::move(head.township)};
}

absl::StatusOr<RuleVerdict> DerivedState::ApplyReview(const Stamp& stamp,
                                                      const v1::Review& review,
                                                      RuleSet rules) {
  if (rules == RuleSet::kDecide) {
    std::optional<ReviewedRecord> held;
    auto reviewed = Reviewed(review.record_id());
    if (reviewed.ok()) {
      held = *std::move(reviewed);
    } else if (!absl::IsNotFound(reviewed.status())) {
      return reviewed.status();
    }
    RuleVerdict refusal = CheckReview(held, review, stamp);
    if (refusal) return refusal;
  }
  Stmt& ins = *insert_review_;
  ins.BindBlob(1, review.record_id())
      .BindBlob(2, stamp.device_id)
      .Bind(3, static_cast<int64_t>(stamp.device_seq))
      .Bind(4, static_cast<int64_t>(stamp.hlc))
      .Bind(5, static_cast<int>(review.verdict()))
      .BindText(6, review.author())
      .BindText(7, review.text())
      .BindBlob(8, review.revision().device_id())
      .Bind(9, static_cast<int64_t>(review.revision().device_seq()));
  FS_RETURN_IF_ERROR(ins.Run());
  return RuleVerdict();
}

absl::StatusOr<RuleVerdict> DerivedState::ApplyRecord(const Stamp& stamp,
                                                      int64_t locator,
                                                      const ChangeHeader& r,
                                                      RuleSet rules) {
  // New records (the common case) cost one insert and no read.
  // The bound bytes (the caller's header and stamp) outlive Run().
  Stmt& ins = *insert_record_;
  ins.BindBlobNoCopy(1, r.record_id)
      .Bind(2, static_cast<int>(r.kind))
      .Bind(3, locator);
  FS_RETURN_IF_ERROR(ins.Run());
  if (db_->Changes() == 1) return RuleVerdict();
  // A further revision: check the rules, then the head is the greatest.
  const std::string id(r.record_id);
  FS_ASSIGN_OR_RETURN(RecordHead head, GetRecord(id));
  RuleVerdict refusal =
      CheckRecordRevision(RecordIdentity{static_cast<RecordKind>(head.kind),
                                         head.county, head.author},
                          RecordIdentity{r.kind, r.county, r.author});
  if (refusal) return refusal;
  if (rules == RuleSet::kDecide) {
    FS_ASSIGN_OR_RETURN(std::vector<ReviewEntry> reviews, ReviewsOf(id));
    refusal = CheckRevisionNotLocked(
        ReviewedRecord{head.county, head.author, head.head,
                       DeriveReviewState(head.head, reviews),
                       static_cast<RecordKind>(head.kind), head.township});
    if (refusal) return refusal;
  }
  const RevisionRef best = head.head < stamp
                               ? RevisionRef{stamp, locator}
                               : RevisionRef{head.head, head.head_locator};
  FS_RETURN_IF_ERROR(SetHead(id, best, head.revisions + 1));
  return RuleVerdict();
}

absl::StatusOr<RuleVerdict> DerivedState::Apply(const Stamp& stamp,
                                                int64_t locator,
                                                const v1::ChangeBody& body,
                                                RuleSet rules) {
  if (body.has_record()) {
    const v1::Record& r = body.record();
    return ApplyRecord(stamp, locator,
                       ChangeHeader{KindOf(r), r.id(), r.area().county_code(),
                                    r.author(), r.area().township_code()},
                       rules);
  }
  if (body.has_review()) return ApplyReview(stamp, body.review(), rules);
  const v1::EntityEdit& e = body.entity_edit();
  FS_ASSIGN_OR_RETURN(RuleVerdict refusal, CheckEntityEdit(e));
  if (refusal) return refusal;
  const std::string key = EntityKey(e);
  Stmt& ent = *insert_entity_;
  ent.BindText(1, key)
      .Bind(2, static_cast<int>(e.entity_type()))
      .BindText(3, e.entity_id())
      .BindText(4, e.area().county_code());
  FS_RETURN_IF_ERROR(ent.Run());
  for (const v1::FieldWrite& w : e.writes()) {
    Stmt& ins = *insert_write_;
    ins.BindText(1, key)
        .BindText(2, w.field())
        .Bind(3, static_cast<int64_t>(stamp.hlc))
        .BindBlob(4, stamp.device_id)
        .Bind(5, static_cast<int64_t>(stamp.device_seq))
        .BindText(6, w.value())
        .Bind(7, static_cast<int64_t>(w.base_hlc()));
    FS_RETURN_IF_ERROR(ins.Run());
    FS_RETURN_IF_ERROR(ResolveEntityField(key, w.field()));
  }
  return RuleVerdict();
}

absl::Status DerivedState::ResolveEntityField(const std::string& key,
                                              const std::string& field) {
  struct Row {
    FieldWriteState w;
    bool winner;
    bool conflict;
  };
  std::vector<Row> rows;
  Stmt& q = *field_writes_;
  q.BindText(1, key).BindText(2, field);
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    Row r;
    r.w.stamp.hlc = static_cast<uint64_t>(q.Int(0));
    r.w.stamp.device_id = q.Blob(1);
    r.w.stamp.device_seq = static_cast<uint64_t>(q.Int(2));
    r.w.value = q.Text(3);
    r.w.base_hlc = static_cast<uint64_t>(q.Int(4));
    r.winner = q.Int(5) != 0;
    r.conflict = q.Int(6) != 0;
    rows.push_back(std::move(r));
  }
  q.Reset();
  if (rows.empty()) return absl::OkStatus();
  std::vector<FieldWriteState> writes;
  writes.reserve(rows.size());
  for (const Row& r : rows) writes.push_back(r.w);
  const FieldResolution res = ResolveField(writes);
  std::vector<bool> conflict(rows.size(), false);
  for (size_t i : res.conflicts) conflict[i] = true;
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool winner = i == res.winner;
    if (winner == rows[i].winner && conflict[i] == rows[i].conflict) continue;
    Stmt& up = *set_flags_;
    up.Bind(1, winner ? 1 : 0)
        .Bind(2, conflict[i] ? 1 : 0)
        .BindText(3, key)
        .BindText(4, field)
        .BindBlob(5, rows[i].w.stamp.device_id)
        .Bind(6, static_cast<int64_t>(rows[i].w.stamp.device_seq));
    FS_RETURN_IF_ERROR(up.Run());
  }
  return absl::OkStatus();
}

absl::Status DerivedState::RecomputeHead(const std::string& record_id,
                                         const RevisionLister& list) {
  FS_ASSIGN_OR_RETURN(std::vector<RevisionRef> revs, list(record_id));
  if (revs.empty()) {
    Stmt& del = *delete_record_;
    del.BindBlob(1, record_id);
    return del.Run();
  }
  const RevisionRef* best = &revs.front();
  for (const RevisionRef& r : revs) {
    if (best->stamp < r.stamp) best = &r;
  }
  return SetHead(record_id, *best, static_cast<int64_t>(revs.size()));
}

absl::Status DerivedState::Restamp(const Stamp& old, uint64_t new_hlc,
                                   const v1::ChangeBody& body,
                                   const RevisionLister& list) {
  if (body.has_record()) {
    const std::string& id = body.record().id();
    FS_ASSIGN_OR_RETURN(RecordHead head, GetRecord(id));
    if (head.revisions == 1) {  // the common case: no other revision
      Stamp moved = old;
      moved.hlc = new_hlc;
      return SetHead(id, RevisionRef{moved, head.head_locator}, 1);
    }
    return RecomputeHead(id, list);
  }
  if (body.has_review()) {
    Stmt& up = *restamp_review_;
    up.Bind(1, static_cast<int64_t>(new_hlc))
        .BindBlob(2, body.review().record_id())
        .BindBlob(3, old.device_id)
        .Bind(4, static_cast<int64_t>(old.device_seq));
    return up.Run();
  }
  const std::string key = EntityKey(body.entity_edit());
  for (const v1::FieldWrite& w : body.entity_edit().writes()) {
    Stmt& up = *restamp_write_;
    up.Bind(1, static_cast<int64_t>(new_hlc))
        .BindText(2, key)
        .BindText(3, w.field())
        .BindBlob(4, old.device_id)
        .Bind(5, static_cast<int64_t>(old.device_seq));
    FS_RETURN_IF_ERROR(up.Run());
    FS_RETURN_IF_ERROR(ResolveEntityField(key, w.field()));
  }
  return absl::OkStatus();
}

absl::Status DerivedState::Remove(const Stamp& stamp,
                                  const v1::ChangeBody& body,
                                  const RevisionLister& list) {
  if (body.has_record()) return RecomputeHead(body.record().id(), list);
  if (body.has_review()) {
    Stmt& del = *delete_review_;
    del.BindBlob(1, body.review().record_id())
        .BindBlob(2, stamp.device_id)
        .Bind(3, static_cast<int64_t>(stamp.device_seq));
    return del.Run();
  }
  const std::string key = EntityKey(body.entity_edit());
  for (const v1::FieldWrite& w : body.entity_edit().writes()) {
    Stmt& del = *delete_write_;
    del.BindText(1, key)
        .BindText(2, w.field())
        .BindBlob(3, stamp.device_id)
        .Bind(4, static_cast<int64_t>(stamp.device_seq));
    FS_RETURN_IF_ERROR(del.Run());
    FS_RETURN_IF_ERROR(ResolveEntityField(key, w.field()));
  }
  Stmt& gone = *delete_entity_if_empty_;
  gone.BindText(1, key);
  return gone.Run();
}

}  // namespace fieldsync
