// The device's connection to the server: a gRPC channel over TLS (verified
// against the CA the user gave at login) or, only for a loopback address or
// by explicit choice, plaintext; and the token file that authenticates its
// calls.
//
// The token lives in HOME/token, mode 0600, written atomically (temporary
// file, fsync, rename). A token file readable by others is refused, as ssh
// refuses such keys.
#ifndef FIELDSYNC_CLIENT_CORE_CHANNEL_H_
#define FIELDSYNC_CLIENT_CORE_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client_core/local_store.h"

namespace fieldsync {

// FAILED_PRECONDITION for plaintext to a non-loopback server without
// insecure_plaintext, or a malformed address.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ConnectionSettings& settings);

inline constexpr char kTokenFile[] = "token";

absl::Status WriteToken(const std::string& home, const std::string& token);
// UNAUTHENTICATED when there is no token (not logged in);
// FAILED_PRECONDITION when the file is readable by group or others.
absl::StatusOr<std::string> ReadToken(const std::string& home);
// OK if there was none.
absl::Status RemoveToken(const std::string& home);

// Adds `authorization: Bearer <token>` to a call.
void Authorize(grpc::ClientContext* context, const std::string& token);

// A clearer message for connection failures: TLS verification, plaintext
// against TLS, unreachable.
std::string ExplainConnectFailure(const grpc::Status& status,
                                  const ConnectionSettings& settings);

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_CHANNEL_H_
