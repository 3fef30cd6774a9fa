#include "server/sync_service.h"

#include <cstdlib>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/validate.h"
#include "common/wire_format.h"
#include "google/protobuf/arena.h"
#include "rpc/status_conversion.h"
#include "server/access_policy.h"
#include "server/guarded_rpc.h"

namespace fieldsync {
namespace {

grpc::Status Invalid(const std::string& msg) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, msg);
}

// The request's device: well-formed (INVALID_ARGUMENT), and the one the
// caller's token was issued to (PERMISSION_DENIED).
grpc::Status CheckDevice(const Caller& caller, const std::string& id) {
  if (std::string bad = DeviceIdProblem(id, "device_id"); !bad.empty()) {
    return Invalid(bad);
  }
  if (caller.device_id != id) {
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("the token of user ", caller.user,
                     " was issued to device ", IdToString(caller.device_id),
                     ", not to device ", IdToString(id),
                     ": log in on this device"));
  }
  return grpc::Status::OK;
}

grpc::Status CheckProtocol(uint32_t version) {
  if (version < kMinProtocolVersion || version > kProtocolVersion) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        absl::StrFormat("protocol_version %d is not served; this server "
                        "speaks %d to %d: update the client",
                        version, kMinProtocolVersion, kProtocolVersion));
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status SyncServiceImpl::Handshake(grpc::ServerContext* context,
                                        const v1::HandshakeRequest* req,
                                        v1::HandshakeResponse* resp) {
  return Guarded(*auth_, *context, [&](const Caller& caller) {
    return HandshakeAs(caller, req, resp);
  });
}

grpc::Status SyncServiceImpl::HandshakeAs(const Caller& caller,
                                          const v1::HandshakeRequest* req,
                                          v1::HandshakeResponse* resp) {
  if (auto s = CheckProtocol(req->protocol_version()); !s.ok()) return s;
  if (auto s = CheckDevice(caller, req->device_id()); !s.ok()) return s;
  if (req->device_label().size() > kMaxShortTextBytes ||
      req->author().size() > kMaxShortTextBytes) {
    return Invalid("device_label and author must be at most 512 bytes");
  }
  // 0 = not sent; otherwise ms since 1970, before the HLC's 48-bit limit.
  if (req->device_time_ms() < 0 ||
      req->device_time_ms() > static_cast<int64_t>(kHlcMaxWallMs)) {
    return Invalid(
        absl::StrFormat("device_time_ms (%d) must be milliseconds since 1970",
                        req->device_time_ms()));
  }
  const int64_t now = clock_->NowMs();
  DeviceHello hello;
  hello.device_id = req->device_id();
  hello.label = req->device_label();
  hello.author = caller.user;
  hello.now_ms = now;
  hello.clock_offset_ms =
      req->device_time_ms() == 0 ? 0 : req->device_time_ms() - now;
  hello.clock_flagged =
      std::llabs(hello.clock_offset_ms) > limits_.max_clock_skew_ms;
  auto hw = store_->RegisterDevice(hello);
  if (!hw.ok()) return ToGrpcStatus(hw.status());
  auto head = store_->FeedHead();
  if (!head.ok()) return ToGrpcStatus(head.status());
  resp->set_protocol_version(kProtocolVersion);
  resp->set_server_id(store_->server_id());
  resp->set_server_time_ms(now);
  resp->set_clock_offset_ms(hello.clock_offset_ms);
  resp->set_clock_flagged(hello.clock_flagged);
  resp->set_max_clock_skew_ms(limits_.max_clock_skew_ms);
  resp->set_feed_head(*head);
  resp->set_device_high_water(*hw);
  resp->set_max_changes_per_upload(limits_.max_changes_per_upload);
  resp->set_max_upload_bytes(limits_.max_upload_bytes);
  *resp->mutable_identity() = auth_->IdentityOf(caller);
  return grpc::Status::OK;
}

// An upload batch on its way through Prepare and Apply. Heap-allocated and
// never moved once read, so the prepared changes' views into the request and
// the bodies parsed on `arena` stay valid.
struct SyncServiceImpl::Batch {
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 * 1024;
    o.max_block_size = 1024 * 1024;
    return o;
  }
  Batch() : arena(Options()) {}

  // The request and the parsed bodies live on one arena for the batch: a few
  // block allocations instead of a dozen per change. Declared first, so it
  // outlives everything that points into it.
  google::protobuf::Arena arena;
  // The request: a stream's batch, read into ReadInto(); or the call's own
  // for Upload (not copied).
  const v1::UploadRequest* request = nullptr;
  std::string actor;
  int64_t now_ms = 0;
  std::vector<PreparedChange> changes;
  grpc::Status status;  // not OK: the batch fails as a whole

  // A message on the arena for the stream to read the request into.
  v1::UploadRequest* ReadInto() {
    auto* read =
        google::protobuf::Arena::CreateMessage<v1::UploadRequest>(&arena);
    request = read;
    return read;
  }
};

grpc::Status SyncServiceImpl::Upload(grpc::ServerContext* context,
                                     const v1::UploadRequest* req,
                                     v1::UploadResponse* resp) {
  return Guarded(*auth_, *context, [&](const Caller& caller) {
    if (auto s = CheckDevice(caller, req->device_id()); !s.ok()) return s;
    auto batch = std::make_unique<Batch>();
    batch->request = req;
    if (grpc::Status s = Prepare(caller, batch.get()); !s.ok()) return s;
    return Apply(batch.get(), resp);
  });
}

grpc::Status SyncServiceImpl::CheckStreamBatch(
    const grpc::ServerContext& context, Batch* batch) {
  // The token is checked again for every batch (one indexed read), so a
  // revocation or a change of areas applies mid-stream too; every batch must
  // name the device the token was issued to.
  return Guarded(*auth_, context, [&](const Caller& caller) {
    if (auto s = CheckDevice(caller, batch->request->device_id()); !s.ok()) {
      return s;
    }
    return Prepare(caller, batch);
  });
}

namespace {

// The queue between UploadStream's reading thread and its applying thread.
struct BatchQueue {
  absl::Mutex mu;
  std::deque<std::unique_ptr<SyncServiceImpl::Batch>> items ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;   // nothing more will be pushed
  bool stopped ABSL_GUARDED_BY(mu) = false;  // the applier gave up

  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return !items.empty() || closed;
  }
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return items.size() < 2 || stopped;
  }
};

// Announces the failure that ends an upload stream in-band, so that a
// device waiting for answers stops sending.
void AnnounceFailure(
    grpc::ServerReaderWriter<v1::UploadResponse, v1::UploadRequest>* stream,
    const grpc::Status& failure) {
  v1::UploadResponse error;
  error.set_error_code(static_cast<int>(failure.error_code()));
  error.set_error_message(failure.error_message());
  (void)stream->Write(error);
}

}  // namespace

grpc::Status SyncServiceImpl::UploadStream(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::UploadResponse, v1::UploadRequest>* stream) {
  // The token is checked before the first batch is read (and again for
  // each batch: CheckStreamBatch). A refusal is announced in-band like any
  // failure that ends the stream.
  bool admitted = false;
  grpc::Status result = Guarded(*auth_, *context, [&](const Caller&) {
    admitted = true;
    return StreamBatches(*context, stream);
  });
  if (!admitted) AnnounceFailure(stream, result);
  return result;
}

grpc::Status SyncServiceImpl::StreamBatches(
    const grpc::ServerContext& context,
    grpc::ServerReaderWriter<v1::UploadResponse, v1::UploadRequest>* stream) {
  // This thread reads and prepares batches; `applier` stores them in order
  // and writes the answers, so batch n+1 is parsed and checked while batch n
  // is stored. A batch that fails as a whole ends the stream: the batches
  // before it are applied and answered, the failure is announced in-band
  // (error_code) so that a device waiting for answers stops sending, and the
  // stream ends with that status.
  BatchQueue q;
  grpc::Status result = grpc::Status::OK;  // written by the applier only
  std::thread applier([&] {
    while (true) {
      std::unique_ptr<Batch> batch;
      {
        absl::MutexLock lock(&q.mu);
        q.mu.Await(absl::Condition(&q, &BatchQueue::Ready));
        if (q.items.empty()) return;  // closed and drained
        batch = std::move(q.items.front());
        q.items.pop_front();
      }
      v1::UploadResponse resp;
      grpc::Status s = batch->status;
      if (s.ok()) s = Apply(batch.get(), &resp);
      if (s.ok() && !stream->Write(resp)) {
        s = grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken");
      }
      if (!s.ok()) {
        AnnounceFailure(stream, s);
        result = s;
        absl::MutexLock lock(&q.mu);
        q.stopped = true;
        q.items.clear();
        return;
      }
    }
  });
  while (true) {
    auto batch = std::make_unique<Batch>();
    if (!stream->Read(batch->ReadInto())) break;
    batch->status = CheckStreamBatch(context, batch.get());
    const bool failed = !batch->status.ok();
    absl::MutexLock lock(&q.mu);
    q.mu.Await(absl::Condition(&q, &BatchQueue::HasRoom));
    if (q.stopped) break;
    q.items.push_back(std::move(batch));
    if (failed) break;  // read no further: the applier ends the stream
  }
  {
    absl::MutexLock lock(&q.mu);
    q.closed = true;
  }
  applier.join();
  return result;
}

grpc::Status SyncServiceImpl::Prepare(const Caller& caller, Batch* batch) {
  const v1::UploadRequest* req = batch->request;
  if (static_cast<uint32_t>(req->changes_size()) >
      limits_.max_changes_per_upload) {
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrFormat("changes: %d in one upload; at most %d allowed",
                        req->changes_size(), limits_.max_changes_per_upload));
  }
  const int64_t now = clock_->NowMs();
  batch->actor = caller.user;
  batch->now_ms = now;
  std::vector<PreparedChange>& prepared = batch->changes;
  prepared.reserve(req->changes_size());
  uint64_t prev = 0;
  for (int i = 0; i < req->changes_size(); ++i) {
    const v1::Change& c = req->changes(i);
    if (c.device_seq() == 0 || c.device_seq() <= prev) {
      return Invalid(absl::StrFormat(
          "changes[%d].device_seq (%d) must be at least 1 and above the "
          "previous change's (%d)",
          i, c.device_seq(), prev));
    }
    prev = c.device_seq();
    PreparedChange p;
    p.device_seq = c.device_seq();
    p.body = c.body();
    if (c.hlc() == 0) {
      p.verdict = absl::InvalidArgumentError("hlc is required");
    } else {
      auto* parsed =
          google::protobuf::Arena::CreateMessage<v1::ChangeBody>(&batch->arena);
      p.verdict = ParseChangeBodyInto(c.body(), req->device_id(),
                                      limits_.max_change_body_bytes, parsed);
      if (p.verdict.ok()) p.verdict = ValidateBaseHlcs(*parsed, c.hlc());
      // The caller's rights come first: a change the caller may not make is
      // refused as such, valid or not, and nothing of it is kept. A body too
      // broken to tell its kind or area is kept (for the admin to see) only
      // from callers who see every area.
      if (parsed->kind_case() != v1::ChangeBody::KIND_NOT_SET) {
        if (absl::Status allowed =
                CheckUpload(caller.user, caller.role, caller.areas, *parsed);
            !allowed.ok()) {
          p.verdict = allowed;
          p.withhold_body = true;
        }
      } else if (!caller.areas.all) {
        p.withhold_body = true;
      }
      if (p.verdict.ok()) p.parsed = parsed;
      bool clamped = false;
      p.effective_hlc =
          ClampHlc(c.hlc(), now, limits_.max_clock_skew_ms, &clamped);
      if (clamped) p.flags |= v1::CHANGE_FLAG_CLOCK_CLAMPED;
      if (IsImplausibleHlc(c.hlc())) {
        p.flags |= v1::CHANGE_FLAG_CLOCK_IMPLAUSIBLE;
      }
    }
    prepared.push_back(std::move(p));
  }
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Apply(Batch* batch, v1::UploadResponse* resp) {
  uint64_t hw = 0;
  const BatchContext context{batch->request->device_id(), batch->actor,
                             batch->now_ms};
  auto outcomes = store_->ApplyBatch(context, batch->changes, &hw);
  if (!outcomes.ok()) return ToGrpcStatus(outcomes.status());
  for (auto& o : *outcomes) *resp->add_outcomes() = std::move(o);
  resp->set_device_high_water(hw);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::Download(
    grpc::ServerContext* context, const v1::DownloadRequest* req,
    grpc::ServerWriter<v1::DownloadPage>* writer) {
  return Guarded(*auth_, *context, [&](const Caller& caller) {
    return DownloadAs(caller, *context, req, writer);
  });
}

grpc::Status SyncServiceImpl::DownloadAs(
    const Caller& caller, const grpc::ServerContext& context,
    const v1::DownloadRequest* req,
    grpc::ServerWriter<v1::DownloadPage>* writer) {
  if (auto s = CheckProtocol(req->protocol_version()); !s.ok()) return s;
  if (auto s = CheckDevice(caller, req->device_id()); !s.ok()) return s;
  AreaSet areas = caller.areas;
  if (!req->areas_seen().empty() &&
      req->areas_seen() != caller.areas.Canonical()) {
    return grpc::Status(grpc::StatusCode::ABORTED,
                        absl::StrCat("the areas of user ", caller.user,
                                     " changed during this sync (now ",
                                     caller.areas.ToString(), "): sync again"));
  }
  if (!req->backfill_area().empty()) {
    if (auto s = ValidateAreaCode(req->backfill_area()); !s.ok()) {
      return Invalid(absl::StrCat("backfill_area: ", s.message()));
    }
    if (!caller.areas.Contains(req->backfill_area())) {
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          absl::StrCat("backfill_area ", req->backfill_area(),
                       " is outside the areas of user ", caller.user, " (",
                       caller.areas.ToString(), ")"));
    }
    areas = AreaSet{false, {req->backfill_area()}};
  }
  uint32_t page_size =
      req->page_size() == 0 ? limits_.default_page_size : req->page_size();
  if (page_size > limits_.max_page_size) page_size = limits_.max_page_size;
  auto head = store_->FeedHead();
  if (!head.ok()) return ToGrpcStatus(head.status());
  if (req->after_seq() > *head) {
    return grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrFormat("after_seq %d is beyond the feed head %d: the device "
                        "synced with another server store; re-initialise it",
                        req->after_seq(), *head));
  }
  // Stream up to the head as it was when the call began (or the back-fill's
  // end); what arrives later is for the next sync. Every page is a
  // resumable unit, and a page may be empty when none of the changes it
  // covers are the caller's: it still moves the device's cursor on.
  uint64_t up_to = *head;
  if (!req->backfill_area().empty()) up_to = std::min(up_to, req->up_to_seq());
  uint64_t after = req->after_seq();
  while (after < up_to) {
    if (context.IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    v1::DownloadPage page;
    if (auto s =
            store_->ReadFeed(after, up_to, page_size, limits_.max_page_bytes,
                             req->device_id(), areas, &page);
        !s.ok()) {
      return ToGrpcStatus(s);
    }
    if (page.last_seq() <= after) break;
    page.set_feed_head(*head);
    after = page.last_seq();
    if (!writer->Write(page)) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken");
    }
  }
  return grpc::Status::OK;
}

}  // namespace fieldsync
