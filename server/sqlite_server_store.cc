#include "server/sqlite_server_store.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/areas.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/state_digest.h"
#include "common/status_macros.h"
#include "common/validate.h"
#include "common/wire_format.h"
#include "server/server_schema.h"

namespace fieldsync {
namespace {

// A change that breaks a revision rule (derived_state.h): rejected, not fatal.
bool IsRuleRefusal(const absl::Status& s) {
  return absl::IsPermissionDenied(s) || absl::IsFailedPrecondition(s);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteServerStore>> SqliteServerStore::Open(
    const std::string& path) {
  FS_ASSIGN_OR_RETURN(auto db, OpenServerDb(path));
  auto store = std::make_unique<SqliteServerStore>(std::move(db));
  FS_RETURN_IF_ERROR(store->Init());
  return store;
}

absl::Status SqliteServerStore::Init() {
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  FS_ASSIGN_OR_RETURN(
      read_change_,
      db_->PrepareKept("SELECT device_id, device_seq, hlc, body FROM changes "
                       "WHERE seq = ?"));
  // The derived state reads a record's current revision from its change row
  // (locator = seq), under mu_, which its callers hold.
  FS_ASSIGN_OR_RETURN(
      derived_,
      DerivedState::Create(
          db_.get(),
          [this](int64_t seq)
              ABSL_NO_THREAD_SAFETY_ANALYSIS -> absl::StatusOr<HeldRevision> {
                Stmt& q = *read_change_;
                q.Bind(1, seq);
                FS_ASSIGN_OR_RETURN(bool row, q.Step());
                if (!row) {
                  q.Reset();
                  return absl::DataLossError(
                      absl::StrCat("a record's current revision (server_seq ",
                                   seq, ") is not in the changes table"));
                }
                auto held = HeldRevisionOf(
                    Stamp{static_cast<uint64_t>(q.Int(2)), q.Blob(0),
                          static_cast<uint64_t>(q.Int(1))},
                    q.BlobView(3));
                q.Reset();
                return held;
              }));
  {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare("SELECT value FROM meta WHERE key = 'server_id'"));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) {
      server_id_ = q.Blob(0);
    } else {
      server_id_ = NewDeviceId();
      FS_ASSIGN_OR_RETURN(
          Stmt ins,
          db_->Prepare("INSERT INTO meta(key, value) VALUES('server_id', ?)"));
      ins.BindBlob(1, server_id_);
      FS_RETURN_IF_ERROR(ins.Run());
    }
  }
  FS_RETURN_IF_ERROR(tx.Commit());

  {
    FS_ASSIGN_OR_RETURN(
        Stmt q, db_->Prepare("SELECT coalesce(max(seq), 0) FROM changes"));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    next_seq_ = (row ? static_cast<uint64_t>(q.Int(0)) : 0) + 1;
  }
  Db* db = db_.get();
  FS_ASSIGN_OR_RETURN(
      device_hw_,
      db->PrepareKept("SELECT high_water FROM devices WHERE device_id = ?"));
  FS_ASSIGN_OR_RETURN(
      set_hw_,
      db->PrepareKept(
          "UPDATE devices SET high_water = ?, last_seen_ms = ?, "
          "clamped_changes = clamped_changes + ? WHERE device_id = ?"));
  constexpr char kInsertChanges[] =
      "INTO changes(seq, device_id, device_seq, kind, county, hlc, flags, "
      "received_ms, body, township) VALUES";
  constexpr char kChangeRow[] = "(?,?,?,?,?,?,?,?,?,?)";
  FS_ASSIGN_OR_RETURN(
      insert_change_,
      db->PrepareKept(absl::StrCat("INSERT ", kInsertChanges, kChangeRow)));
  {
    // OR IGNORE: a statement that cannot abort half-way needs no statement
    // journal (a copy of every page it touches). No row can be ignored (the
    // seqs are new, no value is NULL); ApplyBatch checks that none was.
    std::string sql = absl::StrCat("INSERT OR IGNORE ", kInsertChanges);
    for (size_t i = 0; i < DerivedState::kBulkRecords; ++i) {
      absl::StrAppend(&sql, i == 0 ? "" : ",", kChangeRow);
    }
    FS_ASSIGN_OR_RETURN(insert_changes_bulk_, db->PrepareKept(sql));
  }
  FS_ASSIGN_OR_RETURN(
      insert_rejection_,
      db->PrepareKept(
          "INSERT INTO rejections(device_id, device_seq, code, reason, "
          "received_ms, body, body_hash) VALUES(?,?,?,?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      find_change_,
      db->PrepareKept("SELECT c.seq, c.hlc, c.flags, c.body, "
                      "r.last_device_seq >= ?2 FROM origin_runs r "
                      "JOIN changes c ON c.seq = r.first_seq + "
                      "(?2 - r.first_device_seq) WHERE r.device_id = ?1 "
                      "AND r.first_device_seq <= ?2 "
                      "ORDER BY r.first_device_seq DESC LIMIT 1"));
  FS_ASSIGN_OR_RETURN(
      insert_run_,
      db->PrepareKept("INSERT INTO origin_runs(device_id, "
                      "first_device_seq, last_device_seq, first_seq) "
                      "VALUES(?,?,?,?)"));
  FS_ASSIGN_OR_RETURN(
      find_rejection_,
      db->PrepareKept("SELECT code, reason, body, body_hash FROM rejections "
                      "WHERE device_id = ? AND device_seq = ?"));
  FS_ASSIGN_OR_RETURN(
      read_feed_,
      db->PrepareKept(
          "SELECT seq, device_id, device_seq, hlc, flags, body "
          "FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"));
  FS_ASSIGN_OR_RETURN(audit_, AuditLog::Prepare(db));
  FS_ASSIGN_OR_RETURN(devices_, DeviceRows::Prepare(db));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteServerStore::RegisterDevice(
    const DeviceHello& hello) {
  absl::MutexLock lock(&mu_);
  return devices_->RecordHello(hello);
}

absl::StatusOr<v1::ChangeOutcome> SqliteServerStore::PreviousOutcome(
    const std::string& device_id, const PreparedChange& c) {
  v1::ChangeOutcome out;
  out.set_device_seq(c.device_seq);
  {
    Stmt& q = *find_change_;
    q.BindBlob(1, device_id).Bind(2, static_cast<int64_t>(c.device_seq));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row && q.Int(4) != 0) {
      const bool same = q.BlobView(3) == c.body;
      out.set_status(v1::OUTCOME_STATUS_ACCEPTED);
      out.set_server_seq(static_cast<uint64_t>(q.Int(0)));
      out.set_effective_hlc(static_cast<uint64_t>(q.Int(1)));
      out.set_flags(static_cast<uint32_t>(q.Int(2)));
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
  Stmt& q = *find_rejection_;
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

absl::Status SqliteServerStore::Reject(const std::string& device_id,
                                       const PreparedChange& c,
                                       const absl::Status& why, int64_t now_ms,
                                       v1::ChangeOutcome* out) {
  Stmt& ins = *insert_rejection_;
  ins.BindBlob(1, device_id)
      .Bind(2, static_cast<int64_t>(c.device_seq))
      .Bind(3, static_cast<int>(why.code()))
      .BindText(4, why.message())
      .Bind(5, now_ms);
  if (c.withhold_body) {
    ins.BindBlob(6, "").BindBlob(7, Blake2b256(c.body));
  } else {
    ins.BindBlob(6, c.body).BindNull(7);
  }
  FS_RETURN_IF_ERROR(ins.Run());
  out->set_status(v1::OUTCOME_STATUS_REJECTED);
  out->set_code(static_cast<int>(why.code()));
  out->set_reason(std::string(why.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ChangeOutcome>> SqliteServerStore::ApplyBatch(
    const BatchContext& context, std::vector<PreparedChange>& changes,
    uint64_t* high_water) {
  const std::string& device_id = context.device_id;
  const int64_t now_ms = context.now_ms;
  absl::MutexLock lock(&mu_);
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db_.get()));
  uint64_t hw;
  {
    Stmt& q = *device_hw_;
    q.BindBlob(1, device_id);
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) {
      q.Reset();
      return absl::FailedPreconditionError(
          "device is not registered: call Handshake first");
    }
    hw = static_cast<uint64_t>(q.Int(0));
    q.Reset();
  }
  const uint64_t first_new_hw = hw;  // changes above it are decided now
  uint64_t denied = 0;
  std::vector<v1::ChangeOutcome> outcomes;
  outcomes.reserve(changes.size());
  int64_t clamped = 0;
  uint64_t seq = next_seq_;  // committed to next_seq_ only with the batch
  // The current run of accepted changes (see origin_runs).
  struct Run {
    uint64_t first_device_seq = 0, last_device_seq = 0, first_seq = 0;
  } run;
  auto flush_run = [&]() -> absl::Status {
    if (run.first_device_seq == 0) return absl::OkStatus();
    Stmt& ins = *insert_run_;
    ins.BindBlob(1, device_id)
        .Bind(2, static_cast<int64_t>(run.first_device_seq))
        .Bind(3, static_cast<int64_t>(run.last_device_seq))
        .Bind(4, static_cast<int64_t>(run.first_seq));
    run = Run{};
    return ins.Run();
  };
  // Binds the change row of `c` at `at` to the 10 parameters from `first`.
  // The bound bytes (the request's and the parsed body's) outlive Run().
  auto bind_change = [&](Stmt& ins, int first, const PreparedChange& c,
                         uint64_t at) {
    ins.Bind(first, static_cast<int64_t>(at))
        .BindBlobNoCopy(first + 1, device_id)
        .Bind(first + 2, static_cast<int64_t>(c.device_seq))
        .Bind(first + 3, static_cast<int>(KindOf(*c.parsed)))
        .BindTextNoCopy(first + 4, CountyOf(*c.parsed))
        .Bind(first + 5, static_cast<int64_t>(c.effective_hlc))
        .Bind(first + 6, c.flags)
        .Bind(first + 7, now_ms)
        .BindBlobNoCopy(first + 8, c.body)
        .BindTextNoCopy(first + 9, TownshipOf(*c.parsed));
  };
  // Notes an accepted change whose row is stored at `seq`.
  auto note_accepted = [&](const PreparedChange& c) {
    if (run.first_device_seq == 0) {
      run = Run{c.device_seq, c.device_seq, seq};
    } else {
      run.last_device_seq = c.device_seq;  // consecutive in both sequences
    }
    ++seq;
    if (c.flags & v1::CHANGE_FLAG_CLOCK_CLAMPED) ++clamped;
    v1::ChangeOutcome out;
    out.set_device_seq(c.device_seq);
    out.set_status(v1::OUTCOME_STATUS_ACCEPTED);
    out.set_server_seq(seq - 1);
    out.set_effective_hlc(c.effective_hlc);
    out.set_flags(c.flags);
    outcomes.push_back(std::move(out));
  };
  // Stores an accepted change (its derived rows written) at `seq`.
  auto store_accepted = [&](const PreparedChange& c) -> absl::Status {
    bind_change(*insert_change_, 1, c, seq);
    FS_RETURN_IF_ERROR(insert_change_->Run());
    note_accepted(c);
    return absl::OkStatus();
  };
  // Stores the kBulk accepted changes from changes[i] in one statement.
  auto store_accepted_bulk = [&](size_t i, size_t n) -> absl::Status {
    Stmt& ins = *insert_changes_bulk_;
    for (size_t k = 0; k < n; ++k) {
      bind_change(ins, static_cast<int>(10 * k + 1), changes[i + k], seq + k);
    }
    FS_RETURN_IF_ERROR(ins.Run());
    if (db_->Changes() != static_cast<int>(n)) {
      return absl::InternalError(absl::StrCat(
          "storing changes at server_seq ", seq, "-", seq + n - 1, ": only ",
          db_->Changes(), " of ", n, " rows were written"));
    }
    for (size_t k = 0; k < n; ++k) note_accepted(changes[i + k]);
    return absl::OkStatus();
  };
  // The bulk path: when the next kBulkRecords changes are all new records
  // that passed the checks, they are accepted together if none of their ids
  // is held (DerivedState::InsertNewRecords); otherwise each goes the
  // one-by-one way below, where the revision rules decide.
  constexpr size_t kBulk = DerivedState::kBulkRecords;
  std::vector<DerivedState::NewRecord> bulk(kBulk);
  size_t one_by_one_until = 0;
  for (size_t i = 0; i < changes.size();) {
    if (i >= one_by_one_until && changes.size() - i >= kBulk) {
      size_t fit = 0;
      for (; fit < kBulk; ++fit) {
        const PreparedChange& c = changes[i + fit];
        if (c.device_seq != hw + 1 + fit || !c.verdict.ok() ||
            c.parsed == nullptr || !c.parsed->has_record()) {
          break;
        }
        const v1::Record& r = c.parsed->record();
        bulk[fit] = DerivedState::NewRecord{
            c.effective_hlc, device_id, c.device_seq,
            static_cast<int64_t>(seq + fit),
            ChangeHeader{KindOf(r), r.id(), r.area().county_code(),
                         r.author()}};
      }
      if (fit == kBulk) {
        FS_ASSIGN_OR_RETURN(const bool inserted,
                            derived_->InsertNewRecords(bulk));
        if (inserted) {
          FS_RETURN_IF_ERROR(store_accepted_bulk(i, kBulk));
          hw += kBulk;
          i += kBulk;
          continue;
        }
      }
      // One by one up to the change that did not fit (or the whole group,
      // when one of its records was held already).
      one_by_one_until = i + std::min(fit + 1, kBulk);
    }
    PreparedChange& c = changes[i++];
    if (c.device_seq <= hw) {
      FS_ASSIGN_OR_RETURN(v1::ChangeOutcome prev,
                          PreviousOutcome(device_id, c));
      outcomes.push_back(std::move(prev));
      continue;
    }
    if (c.device_seq != hw + 1) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "changes[%d]: device_seq %d leaves a gap; the server has applied "
          "up to %d, so the next must be %d",
          outcomes.size(), c.device_seq, hw, hw + 1));
    }
    hw = c.device_seq;
    absl::Status verdict = c.verdict;
    if (verdict.ok()) {
      // Applies the revision rules first; on a refusal nothing was written.
      verdict = derived_->Apply(Stamp{c.effective_hlc, device_id, c.device_seq},
                                static_cast<int64_t>(seq), *c.parsed);
      if (!verdict.ok() && !IsRuleRefusal(verdict)) return verdict;
    }
    if (!verdict.ok()) {
      // Nothing of a change the sender had no right to make is kept.
      if (absl::IsPermissionDenied(verdict)) c.withhold_body = true;
      if (c.withhold_body) ++denied;
      FS_RETURN_IF_ERROR(flush_run());  // a rejection ends the run
      v1::ChangeOutcome out;
      out.set_device_seq(c.device_seq);
      FS_RETURN_IF_ERROR(Reject(device_id, c, verdict, now_ms, &out));
      outcomes.push_back(std::move(out));
      continue;
    }
    FS_RETURN_IF_ERROR(store_accepted(c));
  }
  FS_RETURN_IF_ERROR(flush_run());
  const uint64_t accepted = seq - next_seq_;
  const uint64_t rejected =
      static_cast<uint64_t>(std::count_if(changes.begin(), changes.end(),
                                          [&](const PreparedChange& c) {
                                            return c.device_seq > first_new_hw;
                                          })) -
      accepted;
  if (accepted + rejected > 0) {
    std::string detail = absl::StrCat("accepted ", accepted);
    if (accepted > 0) {
      absl::StrAppend(&detail, " (server_seq ", next_seq_,
                      accepted > 1 ? absl::StrCat("-", seq - 1) : "", ")");
    }
    absl::StrAppend(&detail, ", rejected ", rejected);
    if (denied > 0)
      absl::StrAppend(&detail, " (", denied, " permission denied)");
    FS_RETURN_IF_ERROR(audit_->Append(
        {0, now_ms, context.actor, device_id, "upload", std::move(detail)}));
  }
  Stmt& up = *set_hw_;
  up.Bind(1, static_cast<int64_t>(hw))
      .Bind(2, now_ms)
      .Bind(3, clamped)
      .BindBlob(4, device_id);
  FS_RETURN_IF_ERROR(up.Run());
  FS_RETURN_IF_ERROR(tx.Commit());
  next_seq_ = seq;
  if (high_water != nullptr) *high_water = hw;
  return outcomes;
}

absl::Status SqliteServerStore::ReadFeed(uint64_t after, uint64_t up_to,
                                         uint32_t limit, uint64_t max_bytes,
                                         const std::string& reader,
                                         const AreaSet& areas,
                                         v1::DownloadPage* page) {
  absl::MutexLock lock(&mu_);
  // A reader who sees everything reads the feed straight; others read it
  // filtered by their areas (a scan from the cursor: cheap in steady state,
  // where the cursor is near the head; see the README on back-fill).
  std::optional<Stmt> filtered;
  if (!areas.all) {
    std::vector<std::string> counties, townships;
    for (const std::string& a : areas.areas) {
      (a.size() == 6 ? counties : townships).push_back(a);
    }
    // One bound parameter per code (from ?4 on); a clause only for the
    // kinds of code present, so a county-only reader pays one IN test.
    std::vector<std::string> clauses;
    int next = 4;
    auto in_list = [&](const char* column, size_t n) {
      std::vector<std::string> marks;
      for (size_t i = 0; i < n; ++i) marks.push_back(absl::StrCat("?", next++));
      clauses.push_back(
          absl::StrCat(column, " IN (", absl::StrJoin(marks, ","), ")"));
    };
    if (!counties.empty()) in_list("county", counties.size());
    if (!townships.empty()) in_list("township", townships.size());
    const std::string where =
        clauses.empty() ? "0" : absl::StrJoin(clauses, " OR ");
    FS_ASSIGN_OR_RETURN(
        Stmt q,
        db_->Prepare(absl::StrCat(
            "SELECT seq, device_id, device_seq, hlc, flags, body FROM changes "
            "WHERE seq > ?1 AND seq <= ?2 AND (",
            where, ") ORDER BY seq LIMIT ?3")));
    int i = 4;
    for (const std::string& c : counties) q.BindText(i++, c);
    for (const std::string& t : townships) q.BindText(i++, t);
    filtered.emplace(std::move(q));
  }
  Stmt& q = filtered ? *filtered : *read_feed_;
  q.Bind(1, static_cast<int64_t>(after))
      .Bind(2, static_cast<int64_t>(up_to))
      .Bind(3, limit);
  uint64_t last = after, bytes = 0;
  uint32_t rows = 0;
  bool full = false;  // ended by the byte budget
  while (true) {
    auto row = q.Step();
    if (!row.ok()) {
      q.Reset();
      return row.status();
    }
    if (!*row) break;
    ++rows;
    v1::FeedEntry* e = page->add_entries();
    last = static_cast<uint64_t>(q.Int(0));
    e->set_server_seq(last);
    const absl::string_view origin = q.BlobView(1);
    e->set_device_id(std::string(origin));
    e->set_device_seq(static_cast<uint64_t>(q.Int(2)));
    e->set_hlc(static_cast<uint64_t>(q.Int(3)));
    e->set_flags(static_cast<uint32_t>(q.Int(4)));
    if (origin != reader) {
      const absl::string_view body = q.BlobView(5);
      e->set_body(std::string(body));
      bytes += body.size();
    }
    if (bytes >= max_bytes) {
      full = true;
      break;
    }
  }
  q.Reset();
  // A short page means everything up to `up_to` was looked at.
  page->set_last_seq(full || rows >= limit ? last : std::max(up_to, after));
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteServerStore::FeedHead() {
  absl::MutexLock lock(&mu_);
  return next_seq_ - 1;
}

absl::StatusOr<StoreSummary> SqliteServerStore::Summarize() {
  absl::MutexLock lock(&mu_);
  StoreSummary s;
  auto count = [&](const char* sql) -> absl::StatusOr<uint64_t> {
    FS_ASSIGN_OR_RETURN(Stmt q, db_->Prepare(sql));
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? static_cast<uint64_t>(q.Int(0)) : 0;
  };
  FS_ASSIGN_OR_RETURN(s.changes, count("SELECT count(*) FROM changes"));
  FS_ASSIGN_OR_RETURN(s.records, count("SELECT count(*) FROM records"));
  FS_ASSIGN_OR_RETURN(s.entities, count("SELECT count(*) FROM entities"));
  FS_ASSIGN_OR_RETURN(
      s.conflicts,
      count("SELECT count(*) FROM field_writes WHERE is_conflict"));
  FS_ASSIGN_OR_RETURN(s.rejected, count("SELECT count(*) FROM rejections"));
  FS_ASSIGN_OR_RETURN(s.devices, count("SELECT count(*) FROM devices"));
  FS_ASSIGN_OR_RETURN(s.feed_head,
                      count("SELECT coalesce(max(seq), 0) FROM changes"));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT device_id, device_seq, hlc, body FROM "
                           "changes ORDER BY device_id, device_seq"));
  StateDigest digest;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    digest.Add(q.BlobView(0), static_cast<uint64_t>(q.Int(1)),
               static_cast<uint64_t>(q.Int(2)), q.BlobView(3));
  }
  s.digest = digest.Finish();
  return s;
}

}  // namespace fieldsync
