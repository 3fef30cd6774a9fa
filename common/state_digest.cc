#include "common/state_digest.h"

namespace fieldsync {

void StateDigest::Add(absl::string_view device_id, uint64_t device_seq,
                      uint64_t hlc, absl::string_view body) {
  hasher_.UpdateU64(device_id.size());
  hasher_.Update(device_id);
  hasher_.UpdateU64(device_seq);
  hasher_.UpdateU64(hlc);
  hasher_.UpdateU64(body.size());
  hasher_.Update(body);
  ++count_;
}

std::string StateDigest::Finish() {
  const std::string out = hasher_.Finish();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    const auto b = static_cast<unsigned char>(out[i]);
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xF]);
  }
  return hex;
}

}  // namespace fieldsync
