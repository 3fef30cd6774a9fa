#include "common/change_header.h"

#include <cstdint>

#include "absl/status/status.h"

namespace fieldsync {
namespace {

// A minimal protobuf wire reader over a byte range.
class Wire {
 public:
  explicit Wire(absl::string_view b)
      : p_(b.data()), end_(b.data() + b.size()) {}
  bool done() const { return p_ == end_; }

  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const auto byte = static_cast<uint8_t>(*p_++);
      *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool Bytes(absl::string_view* out) {
    uint64_t n;
    if (!Varint(&n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    *out = absl::string_view(p_, n);
    p_ += n;
    return true;
  }

  // Skips a field of `wire_type`; false on malformed input or groups.
  bool Skip(int wire_type) {
    uint64_t v;
    absl::string_view s;
    switch (wire_type) {
      case 0:
        return Varint(&v);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(&s);
      case 5:
        return Advance(4);
      default:
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  const char* p_;
  const char* end_;
};

absl::Status Malformed() {
  return absl::InvalidArgumentError(
      "change body is not a valid fieldsync.v1.ChangeBody");
}

}  // namespace

absl::StatusOr<ChangeHeader> ReadChangeHeader(absl::string_view bytes) {
  ChangeHeader h;
  Wire body(bytes);
  while (!body.done()) {
    uint64_t tag;
    if (!body.Varint(&tag)) return Malformed();
    const int field = static_cast<int>(tag >> 3),
              type = static_cast<int>(tag & 7);
    if ((field == 2 || field == 3) && type == 2) {  // entity_edit, review
      absl::string_view ignored;
      if (!body.Bytes(&ignored)) return Malformed();
      h = ChangeHeader{};
      h.kind = field == 2 ? RecordKind::kEntityEdit : RecordKind::kReview;
      continue;
    }
    if (field != 1 || type != 2) {  // not the record: skip
      if (!body.Skip(type)) return Malformed();
      continue;
    }
    absl::string_view record_bytes;
    if (!body.Bytes(&record_bytes)) return Malformed();
    // A record split over several fields merges in a protobuf parse; this
    // reader does not merge: the caller parses such a body whole.
    if (h.kind != RecordKind::kUnknown || !h.record_id.empty()) {
      return absl::InvalidArgumentError(
          "change body repeats its record: parse it whole");
    }
    Wire record(record_bytes);
    while (!record.done()) {
      if (!record.Varint(&tag)) return Malformed();
      const int f = static_cast<int>(tag >> 3), t = static_cast<int>(tag & 7);
      if (t == 2 && (f == 1 || f == 3)) {
        if (!record.Bytes(f == 1 ? &h.record_id : &h.author))
          return Malformed();
      } else if (t == 2 && f == 2) {  // area: county_code is its field 1
        absl::string_view area_bytes;
        if (!record.Bytes(&area_bytes)) return Malformed();
        Wire area(area_bytes);
        while (!area.done()) {
          if (!area.Varint(&tag)) return Malformed();
          if ((tag >> 3) == 1 && (tag & 7) == 2) {
            if (!area.Bytes(&h.county)) return Malformed();
          } else if ((tag >> 3) == 2 && (tag & 7) == 2) {
            if (!area.Bytes(&h.township)) return Malformed();
          } else if (!area.Skip(static_cast<int>(tag & 7))) {
            return Malformed();
          }
        }
      } else if (t == 2 && f >= static_cast<int>(RecordKind::kSpotCheck) &&
                 f <= static_cast<int>(RecordKind::kMonthlyReport)) {
        h.kind = static_cast<RecordKind>(f);
        if (!record.Skip(t)) return Malformed();
      } else if (!record.Skip(t)) {
        return Malformed();
      }
    }
  }
  return h;
}

}  // namespace fieldsync
