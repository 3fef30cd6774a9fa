#include "common/state_digest.h"

namespace fieldsync {
namespace {

void PutU64(crypto_generichash_state* st, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  crypto_generichash_update(st, b, sizeof(b));
}

}  // namespace

StateDigest::StateDigest() { crypto_generichash_init(&state_, nullptr, 0, 32); }

void StateDigest::Add(absl::string_view device_id, uint64_t device_seq,
                      uint64_t hlc, absl::string_view body) {
  PutU64(&state_, device_id.size());
  crypto_generichash_update(
      &state_, reinterpret_cast<const unsigned char*>(device_id.data()),
      device_id.size());
  PutU64(&state_, device_seq);
  PutU64(&state_, hlc);
  PutU64(&state_, body.size());
  crypto_generichash_update(&state_,
                            reinterpret_cast<const unsigned char*>(body.data()),
                            body.size());
  ++count_;
}

std::string StateDigest::Finish() {
  unsigned char out[32];
  crypto_generichash_final(&state_, out, sizeof(out));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xF]);
  }
  return hex;
}

std::string Blake2b256(absl::string_view bytes) {
  uint8_t out[32];
  crypto_generichash(out, sizeof out,
                     reinterpret_cast<const uint8_t*>(bytes.data()),
                     bytes.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

}  // namespace fieldsync
