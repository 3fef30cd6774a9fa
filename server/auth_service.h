// The AuthService gRPC handlers (auth.proto): thin adapters over the
// Authenticator. Login needs no token; Logout and WhoAmI check it first
// (guarded_rpc.h). Thread-safe.
#ifndef FIELDSYNC_SERVER_AUTH_SERVICE_H_
#define FIELDSYNC_SERVER_AUTH_SERVICE_H_

#include "fieldsync/v1/auth.grpc.pb.h"
#include "server/auth.h"

namespace fieldsync {

class AuthServiceImpl final : public v1::AuthService::Service {
 public:
  explicit AuthServiceImpl(Authenticator* auth) : auth_(auth) {}

  grpc::Status Login(grpc::ServerContext* context,
                     const v1::LoginRequest* request,
                     v1::LoginResponse* response) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const v1::LogoutRequest* request,
                      v1::LogoutResponse* response) override;
  grpc::Status WhoAmI(grpc::ServerContext* context,
                      const v1::WhoAmIRequest* request,
                      v1::Identity* response) override;

 private:
  Authenticator* const auth_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_AUTH_SERVICE_H_
