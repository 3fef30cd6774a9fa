#include "server/auth_service.h"

#include "rpc/status_conversion.h"
#include "server/guarded_rpc.h"

namespace fieldsync {

grpc::Status AuthServiceImpl::Login(grpc::ServerContext*,
                                    const v1::LoginRequest* req,
                                    v1::LoginResponse* resp) {
  auto r = auth_->Login(*req);
  if (!r.ok()) return ToGrpcStatus(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status AuthServiceImpl::Logout(grpc::ServerContext* context,
                                     const v1::LogoutRequest*,
                                     v1::LogoutResponse*) {
  return Guarded(*auth_, *context, [&](const Caller& caller) {
    return ToGrpcStatus(auth_->Logout(caller));
  });
}

grpc::Status AuthServiceImpl::WhoAmI(grpc::ServerContext* context,
                                     const v1::WhoAmIRequest*,
                                     v1::Identity* resp) {
  return Guarded(*auth_, *context, [&](const Caller& caller) {
    *resp = auth_->IdentityOf(caller);
    return grpc::Status::OK;
  });
}

}  // namespace fieldsync
