#include "client_core/outbox.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/change_header.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "common/sync_tuning.h"
#include "common/validate.h"

namespace fieldsync {

absl::StatusOr<Recorded> Outbox::Record(const v1::ChangeBody& body,
                                        RecordKind kind,
                                        const std::string& county,
                                        const std::string& subject,
                                        uint64_t next_seq) {
  const std::string bytes = body.SerializeAsString();
  if (bytes.size() > kDefaultMaxChangeBodyBytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the record is %d bytes; at most %d allowed (shorten the notes or "
        "split the record)",
        bytes.size(), kDefaultMaxChangeBodyBytes));
  }
  // Another process (a second CLI run on the same home) may have recorded
  // since this one loaded: take the sequence and clock from the store, inside
  // this transaction.
  FS_ASSIGN_OR_RETURN(const int64_t stored_next, meta_->Get(meta::kNextSeq));
  FS_ASSIGN_OR_RETURN(const int64_t stored_hlc, meta_->Get(meta::kHlcLast));
  hlc_->Observe(static_cast<uint64_t>(stored_hlc));
  const uint64_t seq =
      std::max<uint64_t>(next_seq, static_cast<uint64_t>(stored_next));
  const uint64_t hlc = hlc_->Now();
  // Derived state first: it refuses a revision that breaks the rules before
  // anything is written.
  FS_ASSIGN_OR_RETURN(const RuleVerdict refusal,
                      derived_->Apply(Stamp{hlc, device_id_, seq},
                                      OwnLocator(seq), body, RuleSet::kDecide));
  if (refusal) return refusal->ToStatus();
  FS_RETURN_IF_ERROR(tables_->InsertOwn(
      OwnRow{seq, kind, county, subject, hlc, clock_->NowMs(), bytes}));
  FS_RETURN_IF_ERROR(meta_->Put(meta::kNextSeq, static_cast<int64_t>(seq + 1)));
  FS_RETURN_IF_ERROR(meta_->Put(meta::kHlcLast, static_cast<int64_t>(hlc)));
  FS_ASSIGN_OR_RETURN(const int64_t own_bytes, meta_->Get(meta::kOwnBytes));
  FS_RETURN_IF_ERROR(meta_->Put(
      meta::kOwnBytes, own_bytes + static_cast<int64_t>(bytes.size())));
  return Recorded{seq, hlc};
}

absl::Status Outbox::PendingTotals(uint64_t next_seq, uint64_t* count,
                                   uint64_t* bytes) {
  // From the running totals in meta (kept with each change and each batch of
  // outcomes), not a scan of the outbox: a sync of a long-offline device
  // starts sending at once.
  FS_ASSIGN_OR_RETURN(const int64_t stored_next, meta_->Get(meta::kNextSeq));
  FS_ASSIGN_OR_RETURN(const int64_t hw, meta_->Get(meta::kOutcomeHw));
  FS_ASSIGN_OR_RETURN(const int64_t own, meta_->Get(meta::kOwnBytes));
  FS_ASSIGN_OR_RETURN(const int64_t answered, meta_->Get(meta::kAnsweredBytes));
  const int64_t next = std::max(static_cast<int64_t>(next_seq), stored_next);
  *count = static_cast<uint64_t>(std::max<int64_t>(0, next - 1 - hw));
  *bytes = static_cast<uint64_t>(std::max<int64_t>(0, own - answered));
  return absl::OkStatus();
}

absl::Status Outbox::PendingBatch(uint64_t after, uint64_t outcome_hw,
                                  uint32_t max_count, uint64_t max_bytes,
                                  v1::UploadRequest* request) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT device_seq, hlc, body FROM own_changes "
                           "WHERE device_seq > ? ORDER BY device_seq LIMIT ?"));
  q.Bind(1, static_cast<int64_t>(std::max(after, outcome_hw)))
      .Bind(2, max_count);
  request->set_device_id(device_id_);
  uint64_t bytes = 0;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const absl::string_view body = q.BlobView(2);
    if (request->changes_size() > 0 && bytes + body.size() + 32 > max_bytes)
      break;
    bytes += body.size() + 32;
    v1::Change* c = request->add_changes();
    c->set_device_seq(static_cast<uint64_t>(q.Int(0)));
    c->set_hlc(static_cast<uint64_t>(q.Int(1)));
    c->set_body(body.data(), body.size());
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Outbox::PendingByOthers(const std::string& user,
                                                 uint64_t outcome_hw) {
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT body FROM own_changes WHERE device_seq > ? "
                           "AND kind != ?"));
  q.Bind(1, static_cast<int64_t>(outcome_hw))
      .Bind(2, static_cast<int>(RecordKind::kEntityEdit));
  uint64_t n = 0;
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto header = ReadChangeHeader(q.BlobView(0));
    if (header.ok() && header->kind != RecordKind::kReview) {
      if (header->author != user) ++n;
    } else if (body.ParseFromString(q.Blob(0)) &&
               ((body.has_record() && body.record().author() != user) ||
                (body.has_review() && body.review().author() != user))) {
      ++n;
    }
  }
  return n;
}

absl::StatusOr<OutcomesApplied> Outbox::ApplyOutcomes(
    const v1::UploadRequest& request, const v1::UploadResponse& response,
    uint64_t outcome_hw, uint64_t cursor) {
  if (response.outcomes_size() != request.changes_size()) {
    return absl::InternalError(
        absl::StrCat("the server answered ", response.outcomes_size(),
                     " outcomes for ", request.changes_size(), " changes"));
  }
  OutcomesApplied out;
  out.cursor = cursor;
  // Outcomes up to the stored high-water are known (another process on
  // this home may have synced since this one loaded): they are not applied
  // or counted again, and the high-water never moves back.
  FS_ASSIGN_OR_RETURN(const int64_t stored_hw, meta_->Get(meta::kOutcomeHw));
  const uint64_t known = std::max(outcome_hw, static_cast<uint64_t>(stored_hw));
  out.outcome_hw = known;
  int64_t answered_bytes = 0;  // of own changes newly below the high-water
  // When the server received them, one statement per run of accepted
  // changes it received at the same time (usually the whole batch).
  struct ReceivedRun {
    uint64_t first = 0, last = 0;
    int64_t ms = 0;
  } run;
  auto flush_run = [&]() -> absl::Status {
    if (run.first == 0 || run.ms == 0) return absl::OkStatus();
    return tables_->SetOwnReceived(run.first, run.last, run.ms);
  };
  for (int i = 0; i < response.outcomes_size(); ++i) {
    const v1::ChangeOutcome& o = response.outcomes(i);
    const v1::Change& sent = request.changes(i);
    if (o.device_seq() != sent.device_seq()) {
      return absl::InternalError("the server's outcomes are out of order");
    }
    const bool accepted = o.status() == v1::OUTCOME_STATUS_ACCEPTED;
    // Feed positions (server_seq) are given in commit order and a batch's
    // accepted changes take consecutive ones, so an own change at cursor + 1
    // leaves nothing unread before it: the cursor may pass it.
    if (accepted && o.server_seq() == out.cursor + 1) {
      out.cursor = o.server_seq();
      ++out.confirmed;
    }
    if (o.device_seq() <= known) continue;  // known already
    out.outcome_hw = std::max(out.outcome_hw, o.device_seq());
    answered_bytes += static_cast<int64_t>(sent.body().size());
    if (accepted) {
      if (run.first != 0 && run.last + 1 == o.device_seq() &&
          run.ms == o.received_ms()) {
        run.last = o.device_seq();
      } else {
        FS_RETURN_IF_ERROR(flush_run());
        run = ReceivedRun{o.device_seq(), o.device_seq(), o.received_ms()};
      }
    }
    if (accepted && o.effective_hlc() == sent.hlc()) continue;  // the usual
    if (!accepted && o.status() != v1::OUTCOME_STATUS_REJECTED) {
      return absl::InternalError("the server sent an outcome without a status");
    }
    if (!accepted) {
      FS_ASSIGN_OR_RETURN(Rejection j, Reject(o, sent));
      out.rejections.push_back(std::move(j));
      continue;
    }
    // The server clamped a skewed clock: adopt the value it kept.
    FS_RETURN_IF_ERROR(
        tables_->SetOwnHlc(o.device_seq(), o.effective_hlc(), o.flags()));
    v1::ChangeBody body;
    if (body.ParseFromString(sent.body()) &&
        body.kind_case() != v1::ChangeBody::KIND_NOT_SET) {
      FS_RETURN_IF_ERROR(
          derived_->Restamp(Stamp{sent.hlc(), device_id_, sent.device_seq()},
                            o.effective_hlc(), body, tables_->Lister()));
    }
    hlc_->Observe(o.effective_hlc());
  }
  FS_RETURN_IF_ERROR(flush_run());
  FS_RETURN_IF_ERROR(
      meta_->Put(meta::kOutcomeHw, static_cast<int64_t>(out.outcome_hw)));
  FS_ASSIGN_OR_RETURN(const int64_t answered, meta_->Get(meta::kAnsweredBytes));
  FS_RETURN_IF_ERROR(
      meta_->Put(meta::kAnsweredBytes, answered + answered_bytes));
  if (out.cursor != cursor) {
    FS_RETURN_IF_ERROR(
        meta_->Put(meta::kCursor, static_cast<int64_t>(out.cursor)));
  }
  FS_RETURN_IF_ERROR(
      meta_->Put(meta::kHlcLast, static_cast<int64_t>(hlc_->Last())));
  return out;
}

absl::StatusOr<Rejection> Outbox::Reject(const v1::ChangeOutcome& o,
                                         const v1::Change& sent) {
  FS_RETURN_IF_ERROR(tables_->RejectOwn(o.device_seq(), o.code(), o.reason()));
  v1::ChangeBody body;
  const bool parsed = body.ParseFromString(sent.body()) &&
                      body.kind_case() != v1::ChangeBody::KIND_NOT_SET;
  // Take it out of the derived state, which holds what the server holds
  // plus what is still pending; what it held back comes in.
  if (parsed) {
    FS_RETURN_IF_ERROR(
        derived_->Remove(Stamp{sent.hlc(), device_id_, sent.device_seq()}, body,
                         tables_->Lister()));
    FS_RETURN_IF_ERROR(feed_->ReleaseDeferred(SubjectOf(body)));
  }
  Rejection j;
  j.device_seq = o.device_seq();
  j.kind = parsed ? KindOf(body) : RecordKind::kUnknown;
  j.subject = !parsed                  ? ""
              : body.has_entity_edit() ? SubjectOf(body)
                                       : IdToString(SubjectOf(body));
  j.code = o.code();
  j.reason = o.reason();
  return j;
}

absl::Status Outbox::CountOwnBytes() {
  FS_ASSIGN_OR_RETURN(const int64_t hw, meta_->Get(meta::kOutcomeHw));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db_->Prepare("SELECT coalesce(sum(length(body)), 0), "
                           "coalesce(sum(length(body)) FILTER "
                           "(WHERE device_seq <= ?), 0) FROM own_changes"));
  q.Bind(1, hw);
  FS_ASSIGN_OR_RETURN(bool row, q.Step());
  const int64_t own = row ? q.Int(0) : 0;
  const int64_t answered = row ? q.Int(1) : 0;
  FS_RETURN_IF_ERROR(meta_->Put(meta::kOwnBytes, own));
  return meta_->Put(meta::kAnsweredBytes, answered);
}

}  // namespace fieldsync
