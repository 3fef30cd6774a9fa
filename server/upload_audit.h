// The detail text of an upload's audit row (one per batch that decided
// anything; ServerStore::ApplyBatch): what the admin tool's `audit` command
// shows and tests read, so its shape is fixed:
//
//   accepted N[ (server_seq A[-B])], rejected M[ (K permission denied)]
//
// "(server_seq A)" when one change was accepted, "(server_seq A-B)" for more
// (a batch's accepted changes are consecutive in server_seq), nothing when
// none was; "(K permission denied)" only when K > 0. Pure: no I/O, no state.
#ifndef FIELDSYNC_SERVER_UPLOAD_AUDIT_H_
#define FIELDSYNC_SERVER_UPLOAD_AUDIT_H_

#include <cstdint>
#include <string>

namespace fieldsync {

// What one batch decided, counting only the changes new to the server.
struct UploadTally {
  uint64_t accepted = 0;
  uint64_t first_seq = 0;  // server_seq of the first accepted (if any)
  uint64_t rejected = 0;
  uint64_t denied = 0;  // of the rejected: outside the sender's rights
};

std::string UploadAuditDetail(const UploadTally& tally);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_UPLOAD_AUDIT_H_
