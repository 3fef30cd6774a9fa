// Deterministic merge rules, shared by the server store and the client store
// so that every replica computes the same state from the same set of changes.
//
// Order. Every change has a Stamp (effective HLC, device id, device sequence);
// stamps are totally ordered by that tuple. The HLC decides; the device id
// breaks ties between devices; the device sequence orders one device's own
// changes that share an HLC (possible after the server clamps a skewed clock).
//
// Observations. A record's revisions are all kept; its current revision is
// the one with the greatest stamp.
//
// Entity fields. Each field is a last-writer-wins register over the set of
// writes to it: the winner is the write with the greatest stamp. A losing
// write is a conflict, kept and flagged for review, when its value differs
// from the winner's and the winner's writer had not seen it (the winner's
// base_hlc is below the loser's HLC): the two were concurrent. A write that
// knowingly replaced an older value is history, not a conflict.
//
// Invariant: both results are functions of the set of writes only, never of
// the order in which they arrived, which is what makes replicas converge.
#ifndef FIELDSYNC_COMMON_MERGE_H_
#define FIELDSYNC_COMMON_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace fieldsync {

struct Stamp {
  uint64_t hlc = 0;
  std::string device_id;  // 16 bytes
  uint64_t device_seq = 0;

  friend bool operator<(const Stamp& a, const Stamp& b) {
    return std::tie(a.hlc, a.device_id, a.device_seq) <
           std::tie(b.hlc, b.device_id, b.device_seq);
  }
  friend bool operator==(const Stamp& a, const Stamp& b) {
    return a.hlc == b.hlc && a.device_id == b.device_id &&
           a.device_seq == b.device_seq;
  }
};

struct FieldWriteState {
  Stamp stamp;
  std::string value;
  uint64_t base_hlc = 0;
};

struct FieldResolution {
  size_t winner = 0;              // index into the writes
  std::vector<size_t> conflicts;  // indices of flagged losing writes
};

// Resolves one field from all writes to it. `writes` must not be empty.
FieldResolution ResolveField(const std::vector<FieldWriteState>& writes);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_MERGE_H_
