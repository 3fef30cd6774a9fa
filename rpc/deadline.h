// Deadlines of the client's calls, set one way everywhere: a call that has
// not finished `ms` milliseconds from now fails with DEADLINE_EXCEEDED. The
// values themselves are tuning (fieldsync/client_tuning.h).
#ifndef FIELDSYNC_RPC_DEADLINE_H_
#define FIELDSYNC_RPC_DEADLINE_H_

#include <grpcpp/client_context.h>

#include <chrono>
#include <cstdint>

namespace fieldsync {

inline void SetDeadline(grpc::ClientContext* context, int64_t ms) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(ms));
}

}  // namespace fieldsync

#endif  // FIELDSYNC_RPC_DEADLINE_H_
