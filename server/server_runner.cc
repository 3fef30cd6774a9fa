#include "server/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fieldsync {

absl::StatusOr<std::unique_ptr<FieldsyncServer>> FieldsyncServer::Start(
    ServerStore* store, AccountStore* accounts, const ServerOptions& options) {
  std::string host, port;
  if (auto s = SplitHostPort(options.listen, &host, &port); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--listen ", s.message()));
  }
  const bool tls = !options.tls_cert_pem.empty();
  if (tls != !options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate (--tls-cert) and its key (--tls-key)");
  }
  if (!tls && !IsLoopbackHost(host) && !options.insecure_plaintext) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve plaintext on ", options.listen,
        ", which is not a loopback address: passwords, tokens and records "
        "would cross the network readable by anyone on it. Give "
        "--tls-cert FILE --tls-key FILE, or --insecure-plaintext if that "
        "is really what you want"));
  }
  const Clock* clock = options.clock ? options.clock : SystemClock::Default();
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      Authenticator::Create(accounts, clock, options.auth);
  if (!auth.ok()) return auth.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto server = std::make_unique<FieldsyncServer>(*std::move(auth), host);
  server->service_ = std::make_unique<SyncServiceImpl>(
      store, server->auth_.get(), clock, options.limits);
  server->auth_service_ =
      std::make_unique<AuthServiceImpl>(server->auth_.get());

  grpc::ServerBuilder builder;
  // Without this, two servers can bind one port (gRPC sets SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.limits.max_upload_bytes));
  builder.SetMaxSendMessageSize(64 * 1024 * 1024);
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (tls) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back(
        {options.tls_key_pem, options.tls_cert_pem});
    creds = grpc::SslServerCredentials(ssl);
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  builder.AddListeningPort(options.listen, creds, &server->port_);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->auth_service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " (address in use, or not an address of this machine",
        tls ? ", or the TLS certificate or key is not valid PEM" : "", ")"));
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
