#include "client_core/review_queries.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "client_core/outbox.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/status_macros.h"

namespace fieldsync {

RecordReview ToRecordReview(const ReviewState& state) {
  RecordReview r;
  r.status = state.status;
  if (state.verdict) {
    r.reviewer = state.verdict->author;
    r.text = state.verdict->text;
    r.hlc = state.verdict->stamp.hlc;
  }
  if (state.answer) {
    r.answer = state.answer->text;
    r.answer_hlc = state.answer->stamp.hlc;
  }
  return r;
}

absl::Status ReviewQueries::AppendReviews(const std::string& id,
                                          uint64_t outcome_hw,
                                          std::vector<HistoryEntry>* out) {
  for (bool own : {true, false}) {
    FS_ASSIGN_OR_RETURN(
        Stmt q,
        db_->Prepare(own ? "SELECT device_seq, hlc, NULL, rejected, reason, "
                           "body, NULL, server_received_ms FROM own_changes "
                           "WHERE subject = ?1 AND kind = ?2"
                         : "SELECT device_seq, hlc, server_seq, 0, '', body, "
                           "device_id, server_received_ms FROM "
                           "received_changes WHERE subject = ?1 AND kind = ?2 "
                           "AND deferred = 0"));
    q.BindBlob(1, id).Bind(2, static_cast<int>(RecordKind::kReview));
    while (true) {
      FS_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      HistoryEntry e;
      e.is_review = true;
      e.device_seq = static_cast<uint64_t>(q.Int(0));
      e.hlc = static_cast<uint64_t>(q.Int(1));
      e.server_seq = q.IsNull(2) ? 0 : static_cast<uint64_t>(q.Int(2));
      e.device_id = own ? device_id_ : q.Blob(6);
      e.state = own ? OwnState(e.device_seq, q.Int(3) != 0, outcome_hw)
                    : ChangeState::kAccepted;
      e.reason = q.Text(4);
      e.received_ms = q.Int(7);
      v1::ChangeBody body;
      const absl::string_view b = q.BlobView(5);
      if (!body.ParseFromArray(b.data(), static_cast<int>(b.size())) ||
          !body.has_review()) {
        return absl::DataLossError(
            absl::StrCat("change ", IdToString(e.device_id), "/", e.device_seq,
                         " holds no readable review"));
      }
      e.review = std::move(*body.mutable_review());
      e.author = e.review.author();
      out->push_back(std::move(e));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<HistoryEntry>> ReviewQueries::History(
    const std::string& id, uint64_t outcome_hw) {
  FS_ASSIGN_OR_RETURN(std::vector<Revision> revisions,
                      records_->Revisions(id, outcome_hw));
  std::vector<HistoryEntry> out;
  for (Revision& r : revisions) {
    HistoryEntry e;
    e.author = r.record.author();
    e.device_id = std::move(r.device_id);
    e.device_seq = r.device_seq;
    e.hlc = r.hlc;
    e.server_seq = r.server_seq;
    e.state = r.state;
    e.reason = std::move(r.reason);
    e.received_ms = r.received_ms;
    e.record = std::move(r.record);
    out.push_back(std::move(e));
  }
  FS_RETURN_IF_ERROR(AppendReviews(id, outcome_hw, &out));
  std::sort(out.begin(), out.end(),
            [](const HistoryEntry& a, const HistoryEntry& b) {
              return Stamp{a.hlc, a.device_id, a.device_seq} <
                     Stamp{b.hlc, b.device_id, b.device_seq};
            });
  return out;
}

absl::Status ReviewQueries::FillReviews(std::vector<RecordView>* views) {
  // Reviews are few next to records: read them all once, by record.
  FS_ASSIGN_OR_RETURN(Stmt q,
                      db_->Prepare("SELECT DISTINCT record_id FROM reviews"));
  std::map<std::string, std::vector<ReviewEntry>> by_record;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    by_record[q.Blob(0)];
  }
  if (by_record.empty()) return absl::OkStatus();
  for (auto& [id, reviews] : by_record) {
    FS_ASSIGN_OR_RETURN(reviews, derived_->ReviewsOf(id));
  }
  for (RecordView& v : *views) {
    const auto it = by_record.find(v.id);
    if (it == by_record.end()) continue;
    const Stamp head{v.current.hlc, v.current.device_id, v.current.device_seq};
    v.review = ToRecordReview(DeriveReviewState(head, it->second));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ReviewTask>> ReviewQueries::Tasks(
    const std::string& user) {
  FS_ASSIGN_OR_RETURN(Stmt q,
                      db_->Prepare("SELECT DISTINCT record_id FROM reviews"));
  std::vector<std::string> ids;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ids.push_back(q.Blob(0));
  }
  std::vector<ReviewTask> out;
  for (const std::string& id : ids) {
    auto held = derived_->Reviewed(id);
    if (absl::IsNotFound(held.status())) continue;  // record not held
    FS_RETURN_IF_ERROR(held.status());
    const ReviewStatus s = held->state.status;
    const bool for_author =
        (s == ReviewStatus::kQuestioned || s == ReviewStatus::kRejected) &&
        held->author == user;
    const bool for_reviewer = s == ReviewStatus::kAnswered &&
                              held->state.verdict &&
                              held->state.verdict->author == user;
    if (!for_author && !for_reviewer) continue;
    ReviewTask t;
    t.record_id = id;
    t.kind = held->kind;
    t.county = held->county;
    t.author = held->author;
    t.review = ToRecordReview(held->state);
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(),
            [](const ReviewTask& a, const ReviewTask& b) {
              return a.review.hlc < b.review.hlc;
            });
  return out;
}

}  // namespace fieldsync
