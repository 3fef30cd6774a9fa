// `fieldsync import`: a county's roster from a CSV file (docs/ROSTER.md),
// recorded as entity edits that sync like any other change.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client_core/cli/commands.h"
#include "common/roster_import.h"
#include "common/text_encoding.h"

namespace fieldsync::cli {

int Import(const Cli& cli) {
  if (cli.positional.size() != 2) {
    return UsageError(
        "import needs KIND and FILE.csv (KIND: institutions, classes, "
        "trainees, tasks)");
  }
  RosterImportOptions options;
  options.kind = cli.positional[0];
  options.file_name = cli.positional[1];
  if (auto e = cli.options.find("encoding"); e != cli.options.end()) {
    options.encoding = e->second;
  }
  options.dry_run = cli.flags.count("dry-run") > 0;
  if (auto kind = ParseRosterKind(options.kind); !kind.ok()) {
    return UsageError(std::string(kind.status().message()));
  }
  if (auto enc = ParseTextEncoding(options.encoding); !enc.ok()) {
    return UsageError(std::string(enc.status().message()));
  }
  auto bytes = ReadInput(options.file_name);
  if (!bytes.ok()) return Failure(bytes.status());
  options.bytes = *std::move(bytes);
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto result = (*client)->ImportRoster(options);
  if (!result.ok()) return Failure(result.status());
  for (const std::string& p : result->problems) {
    std::fprintf(stderr, "%s\n", p.c_str());
  }
  if (!result->problems.empty()) {
    std::fprintf(stderr,
                 "fieldsync: nothing imported: %zu problem%s in %llu rows; "
                 "correct the file and import it again\n",
                 result->problems.size(),
                 result->problems.size() == 1 ? "" : "s",
                 static_cast<unsigned long long>(result->rows));
    return 1;
  }
  if (!result->ignored_columns.empty()) {
    std::printf("ignored columns: %s\n",
                absl::StrJoin(result->ignored_columns, ", ").c_str());
  }
  std::printf(
      "%s %llu rows of %s: %llu new, %llu changed (%llu fields), %llu "
      "unchanged\n",
      options.dry_run ? "would import" : "imported",
      static_cast<unsigned long long>(result->rows), options.kind.c_str(),
      static_cast<unsigned long long>(result->created),
      static_cast<unsigned long long>(result->changed),
      static_cast<unsigned long long>(result->fields_written),
      static_cast<unsigned long long>(result->unchanged));
  if (options.dry_run) {
    std::printf("nothing saved (--dry-run)\n");
  } else if (result->changes == 0) {
    std::printf("nothing to save: this device already holds this roster\n");
  } else {
    std::printf(
        "%llu changes saved on this device; `fieldsync sync` sends them\n",
        static_cast<unsigned long long>(result->changes));
  }
  return 0;
}

}  // namespace fieldsync::cli
