// Hashing, in one place, so that no header outside this one's .cc includes
// <sodium.h>: BLAKE2b (libsodium's crypto_generichash), one-shot and
// streaming. BLAKE2b-256 is what fieldsync stores for secrets it must
// recognise but never keep (token and device-key hashes, the bodies of
// changes refused for lack of rights) and what the state digest is made of.
#ifndef FIELDSYNC_COMMON_HASH_H_
#define FIELDSYNC_COMMON_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace fieldsync {

inline constexpr size_t kBlake2b256Bytes = 32;

// BLAKE2b-256 of `bytes`: 32 raw bytes.
std::string Blake2b256(absl::string_view bytes);

// Streaming BLAKE2b-256: Update() any number of times, then Finish() once.
// Not thread-safe; cheap to make (no allocation).
class Blake2b256Hasher {
 public:
  Blake2b256Hasher();
  Blake2b256Hasher(const Blake2b256Hasher&) = delete;
  Blake2b256Hasher& operator=(const Blake2b256Hasher&) = delete;

  void Update(absl::string_view bytes);
  // `v` as 8 bytes, big-endian (a length or a number, unambiguously framed).
  void UpdateU64(uint64_t v);
  // The 32 raw bytes of the hash. Ends the hasher.
  std::string Finish();

 private:
  // libsodium's crypto_generichash_state (384 bytes, 64-aligned), kept
  // opaque here; hash.cc checks the size and alignment at compile time.
  alignas(64) unsigned char state_[384];
};

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_HASH_H_
