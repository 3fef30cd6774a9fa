#include "bench/bench_options.h"

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace fieldsync::bench {

void Usage() {
  std::fprintf(stderr,
               "usage: sync_bench [--records N] [--dir PATH] [--noop-runs K]\n"
               "  --records N    records to push and pull (default 100000)\n"
               "  --dir PATH     where to make the scratch folder (default "
               "$TMPDIR or /tmp);\n"
               "                 a fresh sub-folder is made there and removed "
               "at exit\n"
               "  --noop-runs K  no-op syncs to take the median of (default "
               "20)\n"
               "  --rounds R     rounds of baseline, push and pull; the best "
               "of each counts (default 3)\n"
               "  --upload-batch N, --first-upload-batch N, --upload-window N\n"
               "                 the devices' upload batch sizes and batches "
               "in flight (default ClientTuning's)\n");
}

absl::StatusOr<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      }
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      Usage();
      std::exit(0);
    } else if (arg == "--records") {
      FS_ASSIGN_OR_RETURN(std::string v, value());
      if (!absl::SimpleAtoi(v, &o.records) || o.records == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--records \"", v, "\" must be a whole number of at least 1"));
      }
    } else if (arg == "--dir") {
      FS_ASSIGN_OR_RETURN(o.dir, value());
    } else if (arg == "--noop-runs") {
      FS_ASSIGN_OR_RETURN(std::string v, value());
      if (!absl::SimpleAtoi(v, &o.noop_runs) || o.noop_runs < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--noop-runs \"", v, "\" must be a whole number of at least 1"));
      }
    } else if (arg == "--rounds" || arg == "--upload-batch" ||
               arg == "--first-upload-batch" || arg == "--upload-window") {
      FS_ASSIGN_OR_RETURN(std::string v, value());
      uint32_t x = 0;
      if (!absl::SimpleAtoi(v, &x) || x < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            arg, " \"", v, "\" must be a whole number of at least 1"));
      }
      if (arg == "--rounds") o.rounds = static_cast<int>(x);
      if (arg == "--upload-batch") o.tuning.upload_batch = x;
      if (arg == "--first-upload-batch") o.tuning.first_upload_batch = x;
      if (arg == "--upload-window") o.tuning.upload_window = x;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown argument \"", arg, "\""));
    }
  }
  return o;
}

}  // namespace fieldsync::bench
