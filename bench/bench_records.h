// The records device A records: SpotCheck records made from
// examples/spot-check.json, every one's ChangeBody, once the device has
// filled id, author (kAuthor) and device_id, serializing to
// kTargetChangeBodyBytes (+-1), so that the bench moves the same number of
// bytes per record every run.
//
// Invariant: deterministic. Record i of a run is the same in every run (a
// fixed seed drives its counts and notes); only the ids and device ids the
// device gives it differ (UUIDv7 / UUIDv4 by design).
#ifndef FIELDSYNC_BENCH_BENCH_RECORDS_H_
#define FIELDSYNC_BENCH_BENCH_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "fieldsync/v1/records.pb.h"

namespace fieldsync::bench {

// The user every device logs in as, and so the author of every record.
inline constexpr char kAuthor[] = "bench-inspector";

// The serialized ChangeBody size RecordMaker aims at.
inline constexpr size_t kTargetChangeBodyBytes = 400;

// The record in the JSON file at `path`.
absl::StatusOr<v1::Record> LoadExample(const std::string& path);

// Makes SpotCheck records from the example with varied notes (and counts and
// times), each padded to kTargetChangeBodyBytes. The example alone is larger
// than that, so its notes are replaced by varied text and, if still needed,
// its last rubric links are dropped.
class RecordMaker {
 public:
  // Varied notes get at least this many bytes.
  static constexpr size_t kMinNotesBytes = 48;

  explicit RecordMaker(v1::Record example);

  // How many of the example's rubric links every record keeps.
  int rubric_links() const { return template_.rubric_links_size(); }

  // Record `i` of the run: observed i minutes after the example.
  v1::Record Next(uint64_t i);

 private:
  // The ChangeBody size of `r` with the fields the device fills at their
  // real sizes.
  static size_t BodySize(const v1::Record& r);

  v1::Record template_;
  std::mt19937_64 rng_;
};

}  // namespace fieldsync::bench

#endif  // FIELDSYNC_BENCH_BENCH_RECORDS_H_
