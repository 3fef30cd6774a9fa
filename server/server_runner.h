// Starts and stops a fieldsync gRPC server around a store: the SyncService,
// gRPC health checking and server reflection. Separate from main() so tests
// run the real server in-process on a port they pick.
#ifndef FIELDSYNC_SERVER_SERVER_RUNNER_H_
#define FIELDSYNC_SERVER_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/sync_tuning.h"
#include "server/server_store.h"
#include "server/sync_service.h"

namespace fieldsync {

struct ServerOptions {
  // "HOST:PORT"; port 0 picks a free port (see FieldsyncServer::port()).
  std::string listen = "127.0.0.1:0";
  ServerLimits limits;
  const Clock* clock = nullptr;  // nullptr = the system clock
};

class FieldsyncServer {
 public:
  // Starts serving `store` (which must outlive the server). UNAVAILABLE if
  // the address cannot be bound (in use, bad host).
  static absl::StatusOr<std::unique_ptr<FieldsyncServer>> Start(
      ServerStore* store, const ServerOptions& options);

  FieldsyncServer(const FieldsyncServer&) = delete;
  FieldsyncServer& operator=(const FieldsyncServer&) = delete;
  // Shuts down (cancelling calls still running after a short grace period).
  ~FieldsyncServer();

  int port() const { return port_; }
  std::string address() const;
  void Shutdown();
  void Wait();

  FieldsyncServer(std::unique_ptr<SyncServiceImpl> service, std::string host)
      : service_(std::move(service)), host_(std::move(host)) {}

 private:
  std::unique_ptr<SyncServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string host_;
  int port_ = 0;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SERVER_RUNNER_H_
