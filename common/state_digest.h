// A digest of a replica's accepted changes, to show that replicas converged:
// two replicas that hold the same set of changes (same ids, sequences,
// effective HLCs and bytes) have the same digest, and all derived state
// (current revisions, entity fields, conflicts) is a function of that set.
//
// Feed changes sorted by (device id, device sequence). Not thread-safe.
#ifndef FIELDSYNC_COMMON_STATE_DIGEST_H_
#define FIELDSYNC_COMMON_STATE_DIGEST_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/hash.h"

namespace fieldsync {

class StateDigest {
 public:
  void Add(absl::string_view device_id, uint64_t device_seq, uint64_t hlc,
           absl::string_view body);
  uint64_t count() const { return count_; }
  // Hex of the first 16 bytes of BLAKE2b-256 over everything added. Ends
  // the digest: call once.
  std::string Finish();

 private:
  Blake2b256Hasher hasher_;
  uint64_t count_ = 0;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_STATE_DIGEST_H_
