#include "client_core/feed_applier.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "common/change_header.h"
#include "common/record_kind.h"
#include "common/status_macros.h"
#include "common/validate.h"

namespace fieldsync {
namespace {

// New records known by their header wait here to go into the derived state
// kBulkRecords at a time (DerivedState::InsertNewRecords); when one of a
// group is held already, or fewer are left, they go one by one through
// `one`, which applies the revision rules.
class NewRecordBuffer {
 public:
  using ApplyOne = std::function<absl::Status(const DerivedState::NewRecord&)>;

  NewRecordBuffer(DerivedState* derived, ApplyOne one)
      : derived_(derived), one_(std::move(one)) {
    records_.reserve(DerivedState::kBulkRecords);
  }

  // Buffers `r` (whose bytes outlive the next Flush); a full group goes in.
  absl::Status Add(const DerivedState::NewRecord& r) {
    records_.push_back(r);
    if (records_.size() < DerivedState::kBulkRecords) return absl::OkStatus();
    return Flush();
  }

  // Applies whatever is buffered: before a change that must follow them in
  // order, and at the end of a page.
  absl::Status Flush() {
    if (records_.size() == DerivedState::kBulkRecords) {
      FS_ASSIGN_OR_RETURN(const bool inserted,
                          derived_->InsertNewRecords(records_));
      if (inserted) {
        records_.clear();
        return absl::OkStatus();
      }
    }
    for (const DerivedState::NewRecord& r : records_) {
      FS_RETURN_IF_ERROR(one_(r));
    }
    records_.clear();
    return absl::OkStatus();
  }

 private:
  DerivedState* derived_;
  ApplyOne one_;
  std::vector<DerivedState::NewRecord> records_;
};

}  // namespace

absl::Status FeedApplier::DeferIfRefused(
    const absl::StatusOr<RuleVerdict>& verdict, uint64_t server_seq) {
  if (!verdict.ok()) return verdict.status();
  if (!verdict->has_value()) return absl::OkStatus();
  return tables_->SetDeferred(server_seq, true);
}

absl::StatusOr<PageResult> FeedApplier::Apply(const v1::DownloadPage& page,
                                              uint64_t cursor, int64_t now_ms) {
  PageResult result;
  uint64_t max_hlc = 0;
  NewRecordBuffer bulk(derived_, [this](const DerivedState::NewRecord& r) {
    return DeferIfRefused(
        derived_->ApplyRecord(
            Stamp{r.hlc, std::string(r.device_id), r.device_seq}, r.locator,
            r.header, RuleSet::kFeed),
        static_cast<uint64_t>(r.locator));
  });
  v1::ChangeBody body;
  for (const v1::FeedEntry& e : page.entries()) {
    if (e.server_seq() <= cursor) continue;  // applied already
    cursor = e.server_seq();
    if (e.device_id() == device_id_) {
      // A confirmation. Its outcome came with the upload (or, if that
      // answer was lost, comes again with the next upload): nothing to do.
      ++result.confirmed;
      continue;
    }
    // Records are indexed from their header alone; entity edits (rare)
    // are parsed whole, as merging needs every write. A body the header
    // reader does not handle is parsed whole too.
    auto header = ReadChangeHeader(e.body());
    const bool whole = !header.ok() ||
                       header->kind == RecordKind::kEntityEdit ||
                       header->kind == RecordKind::kReview;
    ReceivedRow row{e.server_seq(),
                    e.device_id(),
                    e.device_seq(),
                    RecordKind::kUnknown,
                    {},
                    {},
                    e.hlc(),
                    e.flags(),
                    now_ms,
                    e.body(),
                    e.received_ms()};
    std::string whole_subject;
    if (!whole) {
      row.kind = header->kind;
      row.county = header->county;
      row.subject = header->record_id;
    } else {
      body.Clear();
      if (body.ParseFromString(e.body())) {
        row.kind = KindOf(body);
        row.county = CountyOf(body);
        whole_subject = SubjectOf(body);
        row.subject = whole_subject;
      }  // else kept as kUnknown: not readable by this client
    }
    FS_ASSIGN_OR_RETURN(const bool is_new, tables_->InsertReceived(row));
    if (!is_new) continue;
    ++result.from_others;
    max_hlc = std::max<uint64_t>(max_hlc, e.hlc());
    // A body this client cannot read is still kept, so nothing is lost; it
    // joins the derived state once this client knows it.
    if (row.kind == RecordKind::kUnknown) continue;
    const auto locator = static_cast<int64_t>(e.server_seq());
    if (!whole) {
      FS_RETURN_IF_ERROR(bulk.Add(DerivedState::NewRecord{
          e.hlc(), e.device_id(), e.device_seq(), locator, *header}));
      continue;
    }
    FS_RETURN_IF_ERROR(bulk.Flush());  // records before it go in first
    const Stamp stamp{e.hlc(), e.device_id(), e.device_seq()};
    FS_RETURN_IF_ERROR(DeferIfRefused(
        derived_->Apply(stamp, locator, body, RuleSet::kFeed), e.server_seq()));
  }
  FS_RETURN_IF_ERROR(bulk.Flush());
  result.cursor = std::max(cursor, page.last_seq());
  if (max_hlc) hlc_->Observe(max_hlc);
  return result;
}

absl::Status FeedApplier::ReleaseDeferred(const std::string& subject) {
  FS_ASSIGN_OR_RETURN(
      Stmt q,
      db_->Prepare("SELECT server_seq, device_id, device_seq, hlc, body "
                   "FROM received_changes WHERE deferred = 1 AND "
                   "subject = ? ORDER BY server_seq"));
  q.BindBlob(1, subject);
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const absl::string_view bytes = q.BlobView(4);
    body.Clear();
    if (!body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      continue;  // damaged: stays deferred, and `status` says so
    }
    const auto server_seq = static_cast<uint64_t>(q.Int(0));
    FS_ASSIGN_OR_RETURN(
        const RuleVerdict refusal,
        derived_->Apply(Stamp{static_cast<uint64_t>(q.Int(3)), q.Blob(1),
                              static_cast<uint64_t>(q.Int(2))},
                        static_cast<int64_t>(server_seq), body,
                        RuleSet::kFeed));
    if (refusal) continue;  // still held back by another pending change
    FS_RETURN_IF_ERROR(tables_->SetDeferred(server_seq, false));
  }
  return absl::OkStatus();
}

}  // namespace fieldsync
