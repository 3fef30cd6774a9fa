#include "client_core/sync_engine.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client_core/channel.h"
#include "common/status_macros.h"
#include "common/wire_format.h"
#include "rpc/deadline.h"
#include "rpc/status_conversion.h"

namespace fieldsync {
namespace {

void Report(const std::function<void(const SyncProgress&)>& f,
            const SyncProgress& p) {
  if (f) f(p);
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& s, const ConnectionSettings& conn,
                      const char* call) {
  if (s.ok()) return absl::OkStatus();
  const std::string& server = conn.server;
  std::string msg = s.error_message();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
    const std::string explained = ExplainConnectFailure(s, conn);
    if (explained != msg) {
      msg = absl::StrCat(explained, " (your records are safe on this device)");
    } else {
      msg = absl::StrCat("cannot reach the server at ", server, " (", msg,
                         "); your records are safe on this device: sync "
                         "again when the network is back");
    }
  } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    msg = absl::StrCat("the server at ", server,
                       " did not answer in time; sync again (nothing is lost)");
  } else {
    msg = absl::StrCat(call, " at ", server, ": ", msg);
  }
  return absl::Status(FromGrpcStatus(s).code(), msg);
}

SyncEngine::SyncEngine(LocalStore* store, const Clock* clock,
                       ClientTuning tuning, std::string home)
    : store_(store), home_(std::move(home)), clock_(clock), tuning_(tuning) {}

void SyncEngine::NewContext(grpc::ClientContext* ctx,
                            int64_t deadline_ms) const {
  SetDeadline(ctx, deadline_ms);
  Authorize(ctx, token_);
}

absl::StatusOr<SyncReport> SyncEngine::Run(
    const std::function<void(const SyncProgress&)>& progress) {
  connection_ = store_->connection();
  FS_ASSIGN_OR_RETURN(token_, ReadToken(home_));
  FS_ASSIGN_OR_RETURN(auto channel, MakeChannel(connection_));
  auto stub = v1::SyncService::NewStub(channel);

  SyncReport r;
  SyncProgress p{};
  p.phase = SyncProgress::Phase::kHandshake;
  FS_RETURN_IF_ERROR(store_->PendingTotals(&p.to_send, &p.bytes_to_send));
  Report(progress, p);

  v1::HandshakeRequest hreq;
  hreq.set_protocol_version(kProtocolVersion);
  hreq.set_device_id(store_->device_id());
  hreq.set_device_label(store_->label());
  hreq.set_author(store_->author());
  hreq.set_device_time_ms(clock_->NowMs());
  v1::HandshakeResponse hresp;
  {
    grpc::ClientContext ctx;
    NewContext(&ctx, tuning_.rpc_deadline_ms);
    r.bytes_sent += hreq.ByteSizeLong();
    FS_RETURN_IF_ERROR(FromGrpc(stub->Handshake(&ctx, hreq, &hresp),
                                connection_, "Handshake"));
    r.bytes_received += hresp.ByteSizeLong();
    ++r.round_trips;
  }
  HandshakeInfo info;
  info.server_id = hresp.server_id();
  info.server_time_ms = hresp.server_time_ms();
  info.clock_offset_ms = hresp.clock_offset_ms();
  info.clock_flagged = hresp.clock_flagged();
  FS_RETURN_IF_ERROR(store_->ApplyHandshake(info));
  r.clock_flagged = info.clock_flagged;
  r.clock_offset_ms = info.clock_offset_ms;
  // The server's and the device's memories of this device must agree.
  if (hresp.device_high_water() < store_->outcome_hw()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server has applied this device's changes only up to ",
        hresp.device_high_water(), " but had answered up to ",
        store_->outcome_hw(),
        ": the server store was restored from an older copy; do not sync "
        "this device until an administrator has looked at the server"));
  }
  if (hresp.device_high_water() >= store_->next_seq()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server has applied ", hresp.device_high_water(),
        " changes of this device but it holds only ", store_->next_seq() - 1,
        ": this device home was restored from an older copy; set up a new "
        "home (fieldsync init) so that nothing is overwritten"));
  }
  // The user's areas may have changed since the last sync: back-fill what
  // was added, purge what was taken away.
  const v1::Identity& who = hresp.identity();
  AreaSet areas{who.all_areas(), {who.areas().begin(), who.areas().end()}};
  areas_seen_ = areas.Canonical();
  FS_ASSIGN_OR_RETURN(AreaChange area_change, store_->ReconcileAreas(areas));
  r.areas_added = area_change.added;
  r.areas_removed = area_change.removed;
  r.purged = area_change.purged;
  const uint64_t cursor = store_->cursor();
  if (hresp.feed_head() < cursor) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server's feed ends at ", hresp.feed_head(),
        " but this device has read up to ", cursor,
        ": the server store was replaced or restored from an older copy"));
  }
  p.to_receive = hresp.feed_head() - cursor;

  if (p.to_send > 0) {
    const uint32_t max_changes =
        std::min(tuning_.upload_batch, hresp.max_changes_per_upload());
    FS_RETURN_IF_ERROR(Upload(stub.get(), std::max<uint32_t>(1, max_changes),
                              hresp.max_upload_bytes(), &p, &r, progress));
    // Outcomes may have moved the cursor over changes up to the head.
    const uint64_t now_at = store_->cursor();
    p.to_receive = hresp.feed_head() > now_at ? hresp.feed_head() - now_at : 0;
  }
  for (const Backfill& b : area_change.backfills) {
    FS_RETURN_IF_ERROR(Download(stub.get(), &p, &r, progress, &b));
  }
  // Others' changes may have arrived during the upload, and own changes the
  // outcomes could not confirm (others' came between them and the cursor)
  // come back in the feed as confirmations: read to the head as it is now.
  if (p.to_send > 0 || p.to_receive > 0) {
    FS_RETURN_IF_ERROR(Download(stub.get(), &p, &r, progress));
  }
  FS_RETURN_IF_ERROR(store_->SetLastSync(clock_->NowMs()));
  p.phase = SyncProgress::Phase::kDone;
  Report(progress, p);
  return r;
}

absl::Status SyncEngine::Upload(
    v1::SyncService::Stub* stub, uint32_t max_changes, uint32_t max_bytes,
    SyncProgress* p, SyncReport* r,
    const std::function<void(const SyncProgress&)>& progress) {
  p->phase = SyncProgress::Phase::kUpload;
  // Leave room for the envelope within the server's message limit.
  const uint64_t budget = max_bytes > 4096 ? max_bytes - 4096 : max_bytes;
  grpc::ClientContext ctx;
  NewContext(&ctx, tuning_.upload_stream_deadline_ms);
  auto stream = stub->UploadStream(&ctx);
  ++r->round_trips;

  // This thread reads batches and sends them; the reader thread applies the
  // answers. At most `upload_window` batches are in flight, so the device
  // reads batch n+1 while the server applies batch n.
  absl::Mutex mu;
  // Sent, not yet answered; shared with the writer, not copied.
  std::deque<std::shared_ptr<const v1::UploadRequest>> inflight;
  absl::Status reader_status;
  bool reader_done = false;
  std::thread reader([&] {
    v1::UploadResponse resp;
    while (stream->Read(&resp)) {
      if (resp.error_code() != 0) {
        // The server announces that the stream ends with this status.
        absl::MutexLock lock(&mu);
        reader_status = FromGrpc(
            grpc::Status(static_cast<grpc::StatusCode>(resp.error_code()),
                         resp.error_message()),
            connection_, "Upload");
        break;
      }
      std::shared_ptr<const v1::UploadRequest> req;
      {
        absl::MutexLock lock(&mu);
        if (inflight.empty()) {
          reader_status =
              absl::InternalError("the server answered a batch not sent");
          break;
        }
        req = std::move(inflight.front());
        inflight.pop_front();
      }
      uint64_t confirmed = 0;
      absl::Status s =
          store_->ApplyOutcomes(*req, resp, &r->new_rejections, &confirmed);
      if (!s.ok()) {
        absl::MutexLock lock(&mu);
        reader_status = s;
        break;
      }
      SyncProgress now;
      {
        absl::MutexLock lock(&mu);
        for (const auto& o : resp.outcomes()) {
          if (o.status() == v1::OUTCOME_STATUS_ACCEPTED) ++r->accepted;
          if (o.status() == v1::OUTCOME_STATUS_REJECTED) ++r->rejected;
        }
        r->confirmations += confirmed;
        r->bytes_received += resp.ByteSizeLong();
        p->sent += req->changes_size();
        now = *p;
      }
      Report(progress, now);
    }
    absl::MutexLock lock(&mu);
    reader_done = true;
    if (!reader_status.ok()) ctx.TryCancel();
  });

  absl::Status writer_status;
  uint64_t after = store_->outcome_hw();
  // The first batches are small, so that the server starts storing while the
  // device reads the next ones; they double up to `max_changes`, so that a
  // long upload commits (and fsyncs) rarely.
  uint32_t batch =
      std::max<uint32_t>(1, std::min(max_changes, tuning_.first_upload_batch));
  struct Window {
    const std::deque<std::shared_ptr<const v1::UploadRequest>>* inflight;
    const bool* reader_done;
    size_t size;
    static bool Open(const Window* w) {
      return *w->reader_done || w->inflight->size() < w->size;
    }
  };
  const Window window{&inflight, &reader_done,
                      std::max<size_t>(1, tuning_.upload_window)};
  while (true) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(&Window::Open, &window));
      if (reader_done) break;
    }
    auto owned = std::make_shared<v1::UploadRequest>();
    writer_status = store_->PendingBatch(after, batch, budget, owned.get());
    batch = std::min(max_changes, batch * 2);
    const v1::UploadRequest& req = *owned;
    if (!writer_status.ok() || req.changes_size() == 0) break;
    after = req.changes(req.changes_size() - 1).device_seq();
    const size_t bytes = req.ByteSizeLong();
    {
      absl::MutexLock lock(&mu);
      r->uploaded += req.changes_size();
      r->bytes_sent += bytes;
      p->bytes_sent += bytes;
      inflight.push_back(owned);  // `owned` keeps it alive through Write()
    }
    if (!stream->Write(req)) break;  // broken: Finish() says why
  }
  stream->WritesDone();
  reader.join();
  const grpc::Status finish = stream->Finish();
  FS_RETURN_IF_ERROR(writer_status);
  FS_RETURN_IF_ERROR(reader_status);
  return FromGrpc(finish, connection_, "Upload");
}

absl::Status SyncEngine::Download(
    v1::SyncService::Stub* stub, SyncProgress* p, SyncReport* r,
    const std::function<void(const SyncProgress&)>& progress,
    const Backfill* backfill) {
  p->phase = SyncProgress::Phase::kDownload;
  v1::DownloadRequest req;
  req.set_protocol_version(kProtocolVersion);
  req.set_device_id(store_->device_id());
  req.set_after_seq(backfill ? backfill->after : store_->cursor());
  req.set_page_size(tuning_.download_page);
  req.set_areas_seen(areas_seen_);
  if (backfill != nullptr) {
    req.set_backfill_area(backfill->area);
    req.set_up_to_seq(backfill->up_to);
  }
  if (backfill != nullptr) p->to_receive += backfill->up_to - backfill->after;
  grpc::ClientContext ctx;
  NewContext(&ctx, tuning_.rpc_deadline_ms);
  r->bytes_sent += req.ByteSizeLong();
  auto reader = stub->Download(&ctx, req);
  uint64_t at = req.after_seq();  // feed positions looked through
  ++r->round_trips;
  v1::DownloadPage page;
  absl::Status apply_status;
  while (reader->Read(&page)) {
    const size_t bytes = page.ByteSizeLong();
    uint64_t confirmations = 0, others = 0;
    apply_status = store_->ApplyPage(page, &confirmations, &others,
                                     backfill ? &backfill->area : nullptr);
    if (!apply_status.ok()) {
      ctx.TryCancel();
      break;
    }
    r->downloaded += page.entries_size();
    r->confirmations += confirmations;
    r->new_from_others += others;
    if (backfill != nullptr) r->backfilled += others;
    r->bytes_received += bytes;
    // Progress counts feed positions looked through, whether or not the
    // user's areas cover them (a page may pass many and carry few).
    if (page.last_seq() > at) {
      p->received += page.last_seq() - at;
      at = page.last_seq();
    }
    if (backfill == nullptr && page.feed_head() > at) {
      p->to_receive = std::max<uint64_t>(p->to_receive,
                                         p->received + page.feed_head() - at);
    }
    p->to_receive = std::max(p->to_receive, p->received);
    p->bytes_received += bytes;
    Report(progress, *p);
  }
  const grpc::Status s = reader->Finish();
  FS_RETURN_IF_ERROR(apply_status);
  return FromGrpc(s, connection_, "Download");
}

}  // namespace fieldsync
