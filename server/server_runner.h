// Starts and stops a fieldsync gRPC server around a store: the SyncService,
// the AuthService, gRPC health checking and server reflection; over TLS when
// given a certificate, in plaintext only on a loopback address or when told
// so explicitly. Separate from main() so tests
// run the real server in-process on a port they pick.
#ifndef FIELDSYNC_SERVER_SERVER_RUNNER_H_
#define FIELDSYNC_SERVER_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/net.h"
#include "common/sync_tuning.h"
#include "server/account_store.h"
#include "server/auth.h"
#include "server/auth_service.h"
#include "server/server_store.h"
#include "server/sync_service.h"

namespace fieldsync {

struct ServerOptions {
  // "HOST:PORT"; port 0 picks a free port (see FieldsyncServer::port()).
  std::string listen = "127.0.0.1:0";
  ServerLimits limits;
  AuthOptions auth;
  const Clock* clock = nullptr;  // nullptr = the system clock
  // PEM certificate chain and private key: serve TLS. Without them the
  // server speaks plaintext, which it refuses on an address other than
  // loopback unless insecure_plaintext is set.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  bool insecure_plaintext = false;
};

class FieldsyncServer {
 public:
  // Starts serving `store` and `accounts` (which must outlive the server).
  // UNAVAILABLE if the address cannot be bound (in use, bad host);
  // FAILED_PRECONDITION for plaintext on a non-loopback address without
  // insecure_plaintext; INVALID_ARGUMENT for a certificate without a key;
  // the error of Authenticator::Create (auth.h) if the stand-in password
  // hash cannot be made.
  static absl::StatusOr<std::unique_ptr<FieldsyncServer>> Start(
      ServerStore* store, AccountStore* accounts, const ServerOptions& options);

  FieldsyncServer(const FieldsyncServer&) = delete;
  FieldsyncServer& operator=(const FieldsyncServer&) = delete;
  // Shuts down (cancelling calls still running after a short grace period).
  ~FieldsyncServer();

  int port() const { return port_; }
  std::string address() const;
  void Shutdown();
  void Wait();

  FieldsyncServer(std::unique_ptr<Authenticator> auth, std::string host)
      : auth_(std::move(auth)), host_(std::move(host)) {}

 private:
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<SyncServiceImpl> service_;
  std::unique_ptr<AuthServiceImpl> auth_service_;
  std::unique_ptr<grpc::Server> server_;
  std::string host_;
  int port_ = 0;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_SERVER_RUNNER_H_
