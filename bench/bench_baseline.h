// The floor sync_bench compares push and pull with: how fast bare SQLite
// inserts the same number of rows on this machine, measured in the same run.
//
// Invariant: every variant inserts the same rows (time-ordered 16-byte
// UUIDv7 keys from a fake clock, kBaselineBodyBytes-byte bodies from a fixed
// seed) into a fresh file opened with Db::Open's pragmas (WAL,
// synchronous=FULL), in ONE transaction, and only BEGIN..COMMIT is timed.
//
// The three variants are measured once per round; a round also times one
// push and one pull, so that the floor and what is compared with it see the
// same machine: this 2-core machine's speed drifts by a third between
// minutes. The best round of each counts (a floor: noise only ever slows
// things down).
#ifndef FIELDSYNC_BENCH_BENCH_BASELINE_H_
#define FIELDSYNC_BENCH_BENCH_BASELINE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/bench_util.h"

namespace fieldsync::bench {

// Bytes of each baseline row's body.
inline constexpr size_t kBaselineBodyBytes = 400;

struct BaselineResult {
  double seconds = 0;
  double rows_per_s = 0;
};

struct Baselines {
  BaselineResult without_rowid;  // the floor
  BaselineResult rowid_unique;   // for reference: the shape our stores use
  BaselineResult default_pages;  // for reference: SQLite's 4 KiB pages
};

// The rows the baseline inserts: time-ordered keys as a device makes them
// over time (UUIDv7 with the millisecond advancing per record: no two keys
// share a millisecond, so the keys ascend, as record ids made in the field
// do), and random bodies (row i's body is bodies[i * kBaselineBodyBytes,
// +kBaselineBodyBytes)).
struct BaselineRows {
  std::vector<std::string> keys;
  std::string bodies;
};

// `n` rows, the same every run.
BaselineRows MakeBaselineRows(uint64_t n);

// One round (`round` from 0) of the three variants, each on a fresh file in
// `dir`; keeps in `best` each variant's faster result (round 0 sets it).
absl::Status RunBaselineRound(const ScratchDir& dir, const BaselineRows& rows,
                              int round, Baselines* best);

}  // namespace fieldsync::bench

#endif  // FIELDSYNC_BENCH_BENCH_BASELINE_H_
