// sync_bench's command line. Every option has a default, so a bare
// `sync_bench` runs the full benchmark; a value that is not a whole number
// of at least 1 is refused with a message rather than clamped, so what runs
// is always what was asked for.
#ifndef FIELDSYNC_BENCH_BENCH_OPTIONS_H_
#define FIELDSYNC_BENCH_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "fieldsync/client_tuning.h"

namespace fieldsync::bench {

struct Options {
  uint64_t records = 100000;
  std::string dir;  // parent of the scratch folder; "" = $TMPDIR or /tmp
  int noop_runs = 20;
  int rounds = 3;
  ClientTuning tuning;  // the devices' (upload batch sizes)
};

// Prints the usage text to stderr.
void Usage();

// Parses argv[1..argc). --help / -h prints Usage() and exits 0; any other
// unknown argument, a missing value or a bad number is InvalidArgument.
absl::StatusOr<Options> ParseArgs(int argc, char** argv);

}  // namespace fieldsync::bench

#endif  // FIELDSYNC_BENCH_BENCH_OPTIONS_H_
