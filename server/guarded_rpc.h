// Authentication first, for every guarded RPC (all of SyncService, and
// AuthService's Logout and WhoAmI; only Login is open): a handler's body runs
// only for a caller whose token is good, and the token is checked before
// anything of the request is looked at. So a caller without a valid token
// learns nothing about the request's format or the store: whatever it sends
// (an empty request, a malformed one), the answer is the token's:
// UNAUTHENTICATED (no token, malformed, unknown, expired or revoked), or
// FAILED_PRECONDITION for a disabled account (auth.h).
//
// Every guarded handler is written as
//   return Guarded(*auth_, *context, [&](const Caller& caller) { ... });
// so its body cannot be reached without a Caller. (gRPC 1.51 has no clean
// way to reject a call from an interceptor, and the generated services share
// no hook, so the guard is this one call; tests/server/auth_first_test.cc
// holds every RPC of both services to it.)
#ifndef FIELDSYNC_SERVER_GUARDED_RPC_H_
#define FIELDSYNC_SERVER_GUARDED_RPC_H_

#include <grpcpp/grpcpp.h>

#include "absl/functional/function_ref.h"
#include "server/auth.h"

namespace fieldsync {

// Runs `handler` with the caller of `context` if its token is good;
// otherwise answers the token's error without running it.
grpc::Status Guarded(Authenticator& auth, const grpc::ServerContext& context,
                     absl::FunctionRef<grpc::Status(const Caller&)> handler);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_GUARDED_RPC_H_
