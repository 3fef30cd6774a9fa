#include "common/hash.h"

#include <sodium.h>

namespace fieldsync {

static_assert(sizeof(crypto_generichash_state) <= sizeof(unsigned char[384]),
              "Blake2b256Hasher::state_ is too small for this libsodium");
static_assert(alignof(crypto_generichash_state) <= 64,
              "Blake2b256Hasher::state_ is not aligned for this libsodium");

namespace {
crypto_generichash_state* State(unsigned char* storage) {
  return reinterpret_cast<crypto_generichash_state*>(storage);
}
}  // namespace

std::string Blake2b256(absl::string_view bytes) {
  uint8_t out[kBlake2b256Bytes];
  crypto_generichash(out, sizeof out,
                     reinterpret_cast<const uint8_t*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

Blake2b256Hasher::Blake2b256Hasher() {
  crypto_generichash_init(State(state_), nullptr, 0, kBlake2b256Bytes);
}

void Blake2b256Hasher::Update(absl::string_view bytes) {
  crypto_generichash_update(State(state_),
                            reinterpret_cast<const uint8_t*>(bytes.data()),
                            bytes.size());
}

void Blake2b256Hasher::UpdateU64(uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  }
  crypto_generichash_update(State(state_), b, sizeof b);
}

std::string Blake2b256Hasher::Finish() {
  uint8_t out[kBlake2b256Bytes];
  crypto_generichash_final(State(state_), out, sizeof out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

}  // namespace fieldsync
