#include "server/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>

#include "absl/strings/str_cat.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<FieldsyncServer>> FieldsyncServer::Start(
    ServerStore* store, const ServerOptions& options) {
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen \"", options.listen, "\" must be HOST:PORT"));
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  const Clock* clock = options.clock ? options.clock : SystemClock::Default();
  auto server = std::make_unique<FieldsyncServer>(
      std::make_unique<SyncServiceImpl>(store, clock, options.limits),
      options.listen.substr(0, colon));

  grpc::ServerBuilder builder;
  // Without this, two servers can bind one port (gRPC sets SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.limits.max_upload_bytes));
  builder.SetMaxSendMessageSize(64 * 1024 * 1024);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen,
                     " (address in use, or not an address of this machine)"));
  }
  return server;
}

std::string FieldsyncServer::address() const {
  return absl::StrCat(host_, ":", port_);
}

void FieldsyncServer::Shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }
}

void FieldsyncServer::Wait() {
  if (server_) server_->Wait();
}

FieldsyncServer::~FieldsyncServer() {
  Shutdown();
  Wait();
}

}  // namespace fieldsync
