#include "server/roster_console.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/hash.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/status_macros.h"
#include "common/text_encoding.h"
#include "server/sqlite_server_store.h"

namespace fieldsync {
namespace {

class StoreRosterView : public RosterView {
 public:
  explicit StoreRosterView(ServerStore& store) : store_(store) {}
  absl::StatusOr<RosterEntity> Lookup(v1::EntityType type,
                                      const std::string& id) override {
    return store_.LookupEntity(type, id);
  }

 private:
  ServerStore& store_;
};

int Usage(const std::string& msg) {
  std::fprintf(stderr, "fieldsync-server roster: %s\n%s", msg.c_str(),
               kRosterUsage);
  return 2;
}

int Failed(absl::string_view msg) {
  std::fprintf(stderr, "fieldsync-server roster: %.*s\n",
               static_cast<int>(msg.size()), msg.data());
  return 1;
}

}  // namespace

const char kRosterUsage[] =
    "usage: fieldsync-server roster import KIND FILE.csv --db PATH "
    "[--encoding auto|utf-8|gb18030] [--dry-run] [--as NAME]\n"
    "KIND: institutions, classes, trainees, tasks (docs/ROSTER.md). Every "
    "county; all rows or none; only changed fields are written; devices "
    "receive the roster at their next sync. --as NAME: who the audit trail "
    "names (default: roster-console).\n";

std::string RosterConsoleDeviceId(const std::string& server_id) {
  std::string id =
      Blake2b256(absl::StrCat("fieldsync roster console ", server_id))
          .substr(0, kIdBytes);
  id[6] = static_cast<char>((id[6] & 0x0F) | 0x40);  // UUID version 4
  id[8] = static_cast<char>((id[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return id;
}

absl::StatusOr<ImportPlan> ImportRosterOnServer(ServerStore& store,
                                                const ImportInput& input,
                                                const std::string& actor,
                                                int64_t now_ms, bool dry_run) {
  StoreRosterView view(store);
  ImportInput all = input;
  all.importer_areas = AreaSet{true, {}};
  FS_ASSIGN_OR_RETURN(ImportPlan plan, PlanRosterImport(all, view));
  if (dry_run || !plan.problems.empty() || plan.edits.empty()) return plan;

  const std::string device = RosterConsoleDeviceId(store.server_id());
  DeviceHello hello;
  hello.device_id = device;
  hello.label = "server roster console";
  hello.author = actor;
  hello.now_ms = now_ms;
  FS_ASSIGN_OR_RETURN(const uint64_t high_water, store.RegisterDevice(hello));
  std::vector<v1::ChangeBody> bodies(plan.edits.size());
  std::vector<std::string> bytes(plan.edits.size());
  std::vector<PreparedChange> changes(plan.edits.size());
  // Each write must win over the value it replaces (the plan's base_hlc),
  // whatever the server's clock says: a device's clock may run ahead within
  // the allowed skew, or this clock may have stepped back.
  uint64_t first_hlc = PackHlc(static_cast<uint64_t>(now_ms), 0);
  for (const v1::EntityEdit& e : plan.edits) {
    for (const v1::FieldWrite& w : e.writes()) {
      first_hlc = std::max(first_hlc, w.base_hlc() + 1);
    }
  }
  for (size_t i = 0; i < plan.edits.size(); ++i) {
    bodies[i].mutable_entity_edit()->Swap(&plan.edits[i]);
    bytes[i] = bodies[i].SerializeAsString();
    changes[i].device_seq = high_water + 1 + i;
    changes[i].effective_hlc = first_hlc + i;
    changes[i].body = bytes[i];
    changes[i].parsed = &bodies[i];
  }
  const BatchContext context{device, actor, now_ms};
  FS_ASSIGN_OR_RETURN(std::vector<v1::ChangeOutcome> outcomes,
                      store.ApplyBatch(context, changes, nullptr));
  size_t refused = 0;
  std::string first;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].status() == v1::OUTCOME_STATUS_ACCEPTED) continue;
    if (refused++ == 0) {
      first = absl::StrCat(bodies[i].entity_edit().entity_id(), ": ",
                           outcomes[i].reason());
    }
  }
  if (refused > 0) {
    return absl::InternalError(absl::StrCat(
        "the store refused ", refused, " of ", outcomes.size(),
        " edits (the others were saved), the first ", first,
        "; import the file again: only what is missing is written"));
  }
  plan.edits.clear();  // moved into the store
  return plan;
}

int RunRoster(const std::string& db, const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  std::string encoding = "auto", actor = "roster-console";
  bool dry_run = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--encoding" || args[i] == "--as") {
      if (i + 1 >= args.size()) return Usage(args[i] + " needs a value");
      (args[i] == "--as" ? actor : encoding) = args[i + 1];
      ++i;
    } else if (args[i].rfind("--", 0) == 0) {
      return Usage(absl::StrCat("unknown option ", args[i]));
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.size() != 3 || positional[0] != "import") {
    return Usage("expected: roster import KIND FILE.csv");
  }
  if (db.empty()) return Usage("roster needs --db PATH");
  ImportInput input;
  auto kind = ParseRosterKind(positional[1]);
  if (!kind.ok()) return Usage(std::string(kind.status().message()));
  auto enc = ParseTextEncoding(encoding);
  if (!enc.ok()) return Usage(std::string(enc.status().message()));
  input.kind = *kind;
  input.encoding = *enc;
  input.file_name = positional[2];
  std::ifstream in(input.file_name, std::ios::binary);
  if (!in) return Failed(absl::StrCat("cannot read ", input.file_name));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  input.bytes = bytes;
  auto store = SqliteServerStore::Open(db);
  if (!store.ok()) return Failed(store.status().message());
  auto plan = ImportRosterOnServer(**store, input, actor,
                                   absl::ToUnixMillis(absl::Now()), dry_run);
  if (!plan.ok()) return Failed(plan.status().message());
  for (const std::string& p : plan->problems) {
    std::fprintf(stderr, "%s\n", p.c_str());
  }
  if (!plan->problems.empty()) {
    return Failed(absl::StrCat("nothing imported: ", plan->problems.size(),
                               " problem(s) in ", plan->rows,
                               " rows; correct the file and import it again"));
  }
  if (!plan->ignored_columns.empty()) {
    std::printf("ignored columns: %s\n",
                absl::StrJoin(plan->ignored_columns, ", ").c_str());
  }
  std::printf(
      "%s %zu rows of %s: %zu new, %zu changed (%zu fields), %zu "
      "unchanged\n",
      dry_run ? "would import" : "imported", plan->rows, positional[1].c_str(),
      plan->created, plan->changed, plan->fields_written, plan->unchanged);
  return 0;
}

}  // namespace fieldsync
