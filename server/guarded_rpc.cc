#include "server/guarded_rpc.h"

#include "rpc/status_conversion.h"

namespace fieldsync {

grpc::Status Guarded(Authenticator& auth, const grpc::ServerContext& context,
                     absl::FunctionRef<grpc::Status(const Caller&)> handler) {
  absl::StatusOr<Caller> caller = auth.Authenticate(context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  return handler(*caller);
}

}  // namespace fieldsync
