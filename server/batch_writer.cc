#include "server/batch_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/change_header.h"
#include "common/hash.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "server/change_row.h"
#include "server/upload_audit.h"

namespace fieldsync {
namespace {

// SQLite's historical limit on parameters per statement (999 before 3.32).
static_assert(DerivedState::kBulkRecords * kChangeRowColumns <= 999,
              "the bulk change statement has too many parameters");

}  // namespace

absl::StatusOr<BatchStatements> BatchStatements::Prepare(Db* db) {
  BatchStatements s;
  FS_ASSIGN_OR_RETURN(s.insert_change,
                      db->PrepareKept(InsertChangeRowsSql("INSERT", 1)));
  // OR IGNORE: a statement that cannot abort half-way needs no statement
  // journal (a copy of every page it touches). No row can be ignored (the
  // seqs are new, no value is NULL); StoreAcceptedBulk checks that none was.
  FS_ASSIGN_OR_RETURN(s.insert_changes_bulk,
                      db->PrepareKept(InsertChangeRowsSql(
                          "INSERT OR IGNORE", DerivedState::kBulkRecords)));
  FS_ASSIGN_OR_RETURN(
      s.insert_rejection,
      db->PrepareKept(
          "INSERT INTO rejections(device_id, device_seq, code, reason, "
          "received_ms, body, body_hash) VALUES(?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      s.find_change,
      db->PrepareKept(
          "SELECT c.seq, c.hlc, c.flags, c.body, "
          "r.last_device_seq >= ?2, c.received_ms FROM origin_runs r "
          "JOIN changes c ON c.seq = r.first_seq + "
          "(?2 - r.first_device_seq) WHERE r.device_id = ?1 "
          "AND r.first_device_seq <= ?2 "
          "ORDER BY r.first_device_seq DESC LIMIT 1"));
  FS_ASSIGN_OR_RETURN(
      s.insert_run,
      db->PrepareKept("INSERT INTO origin_runs(device_id, "
                      "first_device_seq, last_device_seq, first_seq) "
                      "VALUES(?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      s.find_rejection,
      db->PrepareKept("SELECT code, reason, body, body_hash FROM rejections "
                      "WHERE device_id = ? AND device_seq = ?"));
  return s;
}

BatchWriter::BatchWriter(const Store& store, const BatchContext& context,
                         uint64_t next_seq,
                         std::vector<PreparedChange>& changes)
    : store_(store),
      stmts_(*store.statements),
      context_(context),
      changes_(changes),
      first_seq_(next_seq),
      seq_(next_seq) {
  outcomes_.reserve(changes.size());
}

absl::StatusOr<BatchWriter::Result> BatchWriter::Write(
    const Store& store, const BatchContext& context, uint64_t next_seq,
    std::vector<PreparedChange>& changes) {
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store.db));
  // Another process may have appended to the feed since the caller last
  // looked (`fieldsync-server roster import` while the server runs): number
  // after whatever is there now, in this transaction.
  FS_ASSIGN_OR_RETURN(Stmt head,
                      store.db->Prepare("SELECT max(seq) FROM changes"));
  FS_ASSIGN_OR_RETURN(bool row, head.Step());
  if (row && !head.IsNull(0)) {
    next_seq = std::max(next_seq, static_cast<uint64_t>(head.Int(0)) + 1);
  }
  head.Reset();
  BatchWriter w(store, context, next_seq, changes);
  FS_RETURN_IF_ERROR(w.ReadHighWater());
  FS_RETURN_IF_ERROR(w.DecideAll());
  FS_RETURN_IF_ERROR(w.Finish());
  FS_RETURN_IF_ERROR(tx.Commit());
  return Result{std::move(w.outcomes_), w.hw_, w.seq_};
}

absl::Status BatchWriter::ReadHighWater() {
  FS_ASSIGN_OR_RETURN(hw_, store_.devices->HighWater(context_.device_id));
  first_new_hw_ = hw_;  // changes above it are decided now
  return absl::OkStatus();
}

absl::Status BatchWriter::DecideAll() {
  for (size_t i = 0; i < changes_.size();) {
    if (i >= one_by_one_until_ && changes_.size() - i >= kBulk) {
      FS_ASSIGN_OR_RETURN(const bool stored, TryBulk(i));
      if (stored) {
        i += kBulk;
        continue;
      }
    }
    FS_RETURN_IF_ERROR(DecideOne(changes_[i++]));
  }
  return absl::OkStatus();
}

// When the next kBulk changes are all new records that passed the checks,
// they are accepted together if none of their ids is held
// (DerivedState::InsertNewRecords); otherwise each goes the one-by-one way
// (DecideOne), where the revision rules decide.
absl::StatusOr<bool> BatchWriter::TryBulk(size_t i) {
  size_t fit = 0;
  for (; fit < kBulk; ++fit) {
    const PreparedChange& c = changes_[i + fit];
    if (c.device_seq != hw_ + 1 + fit || !c.verdict.ok() ||
        c.parsed == nullptr || !c.parsed->has_record()) {
      break;
    }
    const v1::Record& r = c.parsed->record();
    bulk_[fit] = DerivedState::NewRecord{
        c.effective_hlc, context_.device_id, c.device_seq,
        static_cast<int64_t>(seq_ + fit),
        ChangeHeader{KindOf(r), r.id(), r.area().county_code(), r.author(),
                     r.area().township_code()}};
  }
  if (fit == kBulk) {
    FS_ASSIGN_OR_RETURN(const bool inserted,
                        store_.derived->InsertNewRecords(bulk_));
    if (inserted) {
      FS_RETURN_IF_ERROR(StoreAcceptedBulk(i));
      hw_ += kBulk;
      return true;
    }
  }
  // One by one up to the change that did not fit (or the whole group, when
  // one of its records was held already).
  one_by_one_until_ = i + std::min(fit + 1, kBulk);
  return false;
}

// Stores the kBulk accepted changes from changes_[i] in one statement.
absl::Status BatchWriter::StoreAcceptedBulk(size_t i) {
  Stmt& ins = *stmts_.insert_changes_bulk;
  for (size_t k = 0; k < kBulk; ++k) {
    BindChangeRow(ins, k, context_.device_id, changes_[i + k], seq_ + k,
                  context_.now_ms);
  }
  FS_RETURN_IF_ERROR(ins.Run());
  if (store_.db->Changes() != static_cast<int>(kBulk)) {
    return absl::InternalError(absl::StrCat(
        "storing changes at server_seq ", seq_, "-", seq_ + kBulk - 1,
        ": only ", store_.db->Changes(), " of ", kBulk, " rows were written"));
  }
  for (size_t k = 0; k < kBulk; ++k) NoteAccepted(changes_[i + k]);
  return absl::OkStatus();
}

absl::Status BatchWriter::DecideOne(PreparedChange& c) {
  if (c.device_seq <= hw_) {
    FS_ASSIGN_OR_RETURN(v1::ChangeOutcome prev, PreviousOutcome(c));
    outcomes_.push_back(std::move(prev));
    return absl::OkStatus();
  }
  if (c.device_seq != hw_ + 1) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "changes[%d]: device_seq %d leaves a gap; the server has applied "
        "up to %d, so the next must be %d",
        outcomes_.size(), c.device_seq, hw_, hw_ + 1));
  }
  hw_ = c.device_seq;
  if (!c.verdict.ok()) return Reject(c, c.verdict);
  // Applies the revision rules first; on a refusal nothing was written.
  FS_ASSIGN_OR_RETURN(
      const RuleVerdict refusal,
      store_.derived->Apply(
          Stamp{c.effective_hlc, context_.device_id, c.device_seq},
          static_cast<int64_t>(seq_), *c.parsed, RuleSet::kDecide));
  if (refusal) return Reject(c, refusal->ToStatus());
  return StoreAccepted(c);
}

absl::StatusOr<v1::ChangeOutcome> BatchWriter::PreviousOutcome(
    const PreparedChange& c) {
  const std::string& device_id = context_.device_id;
  v1::ChangeOutcome out;
  out.set_device_seq(c.device_seq);
  {
    Stmt& q = *stmts_.find_change;
    q.BindBlob(1, device_id).Bind(2, static_cast<int64_t>(c.device_seq));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.Int(4) != 0) {
      const bool same = q.BlobView(3) == c.body;
      out.set_status(v1::OUTCOME_STATUS_ACCEPTED);
      out.set_server_seq(static_cast<uint64_t>(q.Int(0)));
      out.set_effective_hlc(static_cast<uint64_t>(q.Int(1)));
      out.set_flags(static_cast<uint32_t>(q.Int(2)));
      out.set_received_ms(q.Int(5));
      q.Reset();
      if (!same) {
        // The device reused a sequence number for different content (e.g. it
        // was restored from an old backup). Never drop it silently.
        v1::ChangeOutcome bad;
        bad.set_device_seq(c.device_seq);
        bad.set_status(v1::OUTCOME_STATUS_REJECTED);
        bad.set_code(static_cast<int>(absl::StatusCode::kAlreadyExists));
        bad.set_reason(absl::StrCat(
            "device_seq ", c.device_seq,
            " was already used by this device for a different change "
            "(server_seq ",
            out.server_seq(),
            "); the device's store may have been restored from an old copy"));
        return bad;
      }
      return out;
    }
    q.Reset();
  }
  Stmt& q = *stmts_.find_rejection;
  q.BindBlob(1, device_id).Bind(2, static_cast<int64_t>(c.device_seq));
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    q.Reset();
    return absl::InternalError(absl::StrCat(
        "device_seq ", c.device_seq,
        " is below the device's high-water mark but has no outcome stored"));
  }
  out.set_status(v1::OUTCOME_STATUS_REJECTED);
  out.set_code(static_cast<int>(q.Int(0)));
  out.set_reason(q.Text(1));
  const bool same = q.IsNull(3) ? q.BlobView(2) == c.body
                                : q.BlobView(3) == Blake2b256(c.body);
  q.Reset();
  if (!same) {
    out.set_code(static_cast<int>(absl::StatusCode::kAlreadyExists));
    out.set_reason(absl::StrCat(
        "device_seq ", c.device_seq,
        " was already used by this device for a different change (then "
        "rejected); the device's store may have been restored from an old "
        "copy"));
  }
  return out;
}

// Stores an accepted change (its derived rows written) at seq_.
absl::Status BatchWriter::StoreAccepted(const PreparedChange& c) {
  Stmt& ins = *stmts_.insert_change;
  BindChangeRow(ins, 0, context_.device_id, c, seq_, context_.now_ms);
  FS_RETURN_IF_ERROR(ins.Run());
  NoteAccepted(c);
  return absl::OkStatus();
}

void BatchWriter::NoteAccepted(const PreparedChange& c) {
  if (run_.first_device_seq == 0) {
    run_ = Run{c.device_seq, c.device_seq, seq_};
  } else {
    run_.last_device_seq = c.device_seq;  // consecutive in both sequences
  }
  if (c.flags & v1::CHANGE_FLAG_CLOCK_CLAMPED) ++clamped_;
  v1::ChangeOutcome out;
  out.set_device_seq(c.device_seq);
  out.set_status(v1::OUTCOME_STATUS_ACCEPTED);
  out.set_server_seq(seq_);
  out.set_effective_hlc(c.effective_hlc);
  out.set_flags(c.flags);
  out.set_received_ms(context_.now_ms);
  outcomes_.push_back(std::move(out));
  ++seq_;
}

// Rejects the next new change `c` for `why`, keeping its body (or, for a
// change the sender had no right to make, only its hash) for retries.
absl::Status BatchWriter::Reject(PreparedChange& c, const absl::Status& why) {
  // Nothing of a change the sender had no right to make is kept.
  if (absl::IsPermissionDenied(why)) c.withhold_body = true;
  if (c.withhold_body) ++denied_;
  FS_RETURN_IF_ERROR(FlushRun());  // a rejection ends the run
  Stmt& ins = *stmts_.insert_rejection;
  ins.BindBlob(1, context_.device_id)
      .Bind(2, static_cast<int64_t>(c.device_seq))
      .Bind(3, static_cast<int>(why.code()))
      .BindText(4, why.message())
      .Bind(5, context_.now_ms);
  if (c.withhold_body) {
    ins.BindBlob(6, "").BindBlob(7, Blake2b256(c.body));
  } else {
    ins.BindBlob(6, c.body).BindNull(7);
  }
  FS_RETURN_IF_ERROR(ins.Run());
  v1::ChangeOutcome out;
  out.set_device_seq(c.device_seq);
  out.set_status(v1::OUTCOME_STATUS_REJECTED);
  out.set_code(static_cast<int>(why.code()));
  out.set_reason(std::string(why.message()));
  outcomes_.push_back(std::move(out));
  return absl::OkStatus();
}

absl::Status BatchWriter::FlushRun() {
  if (run_.first_device_seq == 0) return absl::OkStatus();
  Stmt& ins = *stmts_.insert_run;
  ins.BindBlob(1, context_.device_id)
      .Bind(2, static_cast<int64_t>(run_.first_device_seq))
      .Bind(3, static_cast<int64_t>(run_.last_device_seq))
      .Bind(4, static_cast<int64_t>(run_.first_seq));
  run_ = Run{};
  return ins.Run();
}

absl::Status BatchWriter::Finish() {
  FS_RETURN_IF_ERROR(FlushRun());
  const uint64_t accepted = seq_ - first_seq_;
  const uint64_t decided = static_cast<uint64_t>(std::count_if(
      changes_.begin(), changes_.end(),
      [&](const PreparedChange& c) { return c.device_seq > first_new_hw_; }));
  const uint64_t rejected = decided - accepted;
  if (accepted + rejected > 0) {
    FS_RETURN_IF_ERROR(InsertAudit(
        UploadAuditDetail({accepted, first_seq_, rejected, denied_})));
  }
  return WriteHighWater();
}

// The upload's audit row.
absl::Status BatchWriter::InsertAudit(const std::string& detail) {
  return store_.audit->Append({.at_ms = context_.now_ms,
                               .actor = context_.actor,
                               .device_id = context_.device_id,
                               .action = "upload",
                               .detail = detail});
}

absl::Status BatchWriter::WriteHighWater() {
  return store_.devices->AdvanceHighWater(context_.device_id, hw_,
                                          context_.now_ms, clamped_);
}

}  // namespace fieldsync
