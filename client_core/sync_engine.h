// One sync of a device with the server, over gRPC:
//
//   1. Handshake: registers the device, checks the protocol version, learns
//      the server's time (the device's clock offset), the feed head, the
//      device's high-water mark and the user's areas (reconciled with the
//      areas held: held_areas.h). If nothing is pending, no area is new and
//      the cursor is at the head, the sync is done: one round trip.
//      Every call carries the token from the device home (channel.h).
//   2. Upload: pending changes in device-sequence order, in batches within
//      the server's limits, pipelined on one UploadStream call (up to
//      ClientTuning::upload_window batches in flight; a reader thread commits
//      each answer's outcomes). A lost answer is harmless: the next upload
//      sends the same changes and the server answers with the original
//      outcomes.
//   3. Back-fill: for each area added to the user since the cursor passed
//      it, one Download call for that area's earlier changes (resumable by
//      its own cursor).
//   4. Download: one server-streaming call from the cursor; each page is
//      applied and the cursor advanced in one transaction, so a break resumes
//      from the last whole page.
//
// Not thread-safe; the Client serialises syncs. The progress callback may be
// called from the upload reader thread, never from two threads at once.
#ifndef FIELDSYNC_CLIENT_CORE_SYNC_ENGINE_H_
#define FIELDSYNC_CLIENT_CORE_SYNC_ENGINE_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "client_core/local_store.h"
#include "common/sync_tuning.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/sync.grpc.pb.h"

namespace fieldsync {

class SyncEngine {
 public:
  // `store` and `clock` must outlive the engine; `home` holds the token.
  SyncEngine(LocalStore* store, const Clock* clock, ClientTuning tuning,
             std::string home);

  absl::StatusOr<SyncReport> Run(
      const std::function<void(const SyncProgress&)>& progress);

 private:
  absl::Status Upload(v1::SyncService::Stub* stub, uint32_t max_changes,
                      uint32_t max_bytes, SyncProgress* p, SyncReport* r,
                      const std::function<void(const SyncProgress&)>& progress);
  // The main feed, or (with `backfill`) one area's earlier changes.
  absl::Status Download(
      v1::SyncService::Stub* stub, SyncProgress* p, SyncReport* r,
      const std::function<void(const SyncProgress&)>& progress,
      const Backfill* backfill = nullptr);
  void NewContext(grpc::ClientContext* ctx, int64_t deadline_ms) const;

  LocalStore* const store_;
  const std::string home_;
  ConnectionSettings connection_;
  std::string token_;
  std::string areas_seen_;  // the areas reconciled at the handshake
  const Clock* const clock_;
  const ClientTuning tuning_;
};

// grpc::Status -> absl::Status, saying which server and call failed (and,
// for connection failures, what to do: channel.h).
absl::Status FromGrpc(const grpc::Status& s, const ConnectionSettings& server,
                      const char* call);

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_SYNC_ENGINE_H_
