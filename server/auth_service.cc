#include "server/auth_service.h"

#include "server/sync_service.h"

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
  auto caller = auth_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return ToGrpcStatus(auth_->Logout(*caller));
}

grpc::Status AuthServiceImpl::WhoAmI(grpc::ServerContext* context,
                                     const v1::WhoAmIRequest*,
                                     v1::Identity* resp) {
  auto caller = auth_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  *resp = auth_->IdentityOf(*caller);
  return grpc::Status::OK;
}

}  // namespace fieldsync
