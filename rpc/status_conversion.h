// absl::Status <-> grpc::Status, defined once for the server's handlers and
// the client core. The codes are the same numbers in both (google.rpc.Code);
// the message travels unchanged. Callers that add context (the client's
// "cannot reach the server" explanations) do so around these.
#ifndef FIELDSYNC_RPC_STATUS_CONVERSION_H_
#define FIELDSYNC_RPC_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace fieldsync {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace fieldsync

#endif  // FIELDSYNC_RPC_STATUS_CONVERSION_H_
