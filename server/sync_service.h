// The SyncService gRPC handlers: thin adapters that check the caller's token
// first (guarded_rpc.h: without a valid token the answer is UNAUTHENTICATED,
// whatever the request), then the request, run the shared validation, the
// access policy (access_policy.h) and the clock bound, and hand the store
// prepared changes. The token must have been issued to the device the
// request names (PERMISSION_DENIED otherwise); the feed carries only the
// caller's areas.
// Request-level problems become the call's status (with the field named);
// change-level problems become per-change rejections, so one bad record never
// blocks the changes behind it. Thread-safe (gRPC calls handlers from many
// threads).
#ifndef FIELDSYNC_SERVER_SYNC_SERVICE_H_
#define FIELDSYNC_SERVER_SYNC_SERVICE_H_

#include "common/clock.h"
#include "common/sync_tuning.h"
#include "fieldsync/v1/sync.grpc.pb.h"
#include "server/auth.h"
#include "server/server_store.h"

namespace fieldsync {

class SyncServiceImpl final : public v1::SyncService::Service {
 public:
  // `store`, `auth` and `clock` must outlive the service.
  SyncServiceImpl(ServerStore* store, Authenticator* auth, const Clock* clock,
                  ServerLimits limits)
      : store_(store), auth_(auth), clock_(clock), limits_(limits) {}

  grpc::Status Handshake(grpc::ServerContext* context,
                         const v1::HandshakeRequest* request,
                         v1::HandshakeResponse* response) override;
  grpc::Status Upload(grpc::ServerContext* context,
                      const v1::UploadRequest* request,
                      v1::UploadResponse* response) override;
  grpc::Status UploadStream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::UploadResponse, v1::UploadRequest>* stream)
      override;
  grpc::Status Download(grpc::ServerContext* context,
                        const v1::DownloadRequest* request,
                        grpc::ServerWriter<v1::DownloadPage>* writer) override;

  // One upload batch (defined in the .cc file, where UploadStream's queue
  // holds them).
  struct Batch;

 private:
  // One upload batch in two steps: Prepare checks the request and parses,
  // validates and authorizes each change (no store access); Apply stores the
  // prepared changes and fills the answer. UploadStream runs them on two
  // threads, so batch n+1 is prepared while batch n is stored.
  grpc::Status Prepare(const Caller& caller, Batch* batch);
  grpc::Status Apply(Batch* batch, v1::UploadResponse* response);
  // A stream's batch: its caller (the token checked again), checked for
  // the device it names, then prepared.
  grpc::Status CheckStreamBatch(const grpc::ServerContext& context,
                                Batch* batch);
  // The bodies of the RPCs of the same names, run for an authenticated
  // caller only (guarded_rpc.h).
  grpc::Status HandshakeAs(const Caller& caller,
                           const v1::HandshakeRequest* request,
                           v1::HandshakeResponse* response);
  grpc::Status StreamBatches(
      const grpc::ServerContext& context,
      grpc::ServerReaderWriter<v1::UploadResponse, v1::UploadRequest>* stream);
  grpc::Status DownloadAs(const Caller& caller,
                          const grpc::ServerContext& context,
                          const v1::DownloadRequest* request,
                          grpc::ServerWriter<v1::DownloadPage>* writer);

  ServerStore* const store_;
  Authenticator* const auth_;
  const Clock* const clock_;
  const ServerLimits limits_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SYNC_SERVICE_H_
