// fieldsync-server: the sync server on its embedded SQLite store.
//
//   fieldsync-server serve --db PATH --listen HOST:PORT [TLS options]
//   fieldsync-server state --db PATH     counts and state digest of a store
//   fieldsync-server admin --db PATH ... users, tokens, audit (admin_cli.h)
//   fieldsync-server roster import KIND FILE.csv --db PATH
//                                        the roster (roster_console.h)
//   fieldsync-server report overdue --db PATH [--county C]
//                                        overdue visits (overdue_report.h)
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "server/admin_cli.h"
#include "server/overdue_report.h"
#include "server/roster_console.h"
#include "server/server_runner.h"
#include "server/sqlite_account_store.h"
#include "server/sqlite_server_store.h"

namespace {

constexpr char kUsage[] =
    "usage: fieldsync-server COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  serve --db PATH [--listen HOST:PORT]\n"
    "        serve the sync protocol from the SQLite store at PATH (created "
    "if\n"
    "        absent). Default listen address 127.0.0.1:7443. Stops on SIGINT\n"
    "        or SIGTERM.\n"
    "  state --db PATH\n"
    "        print what the store holds: changes, records, entities,\n"
    "        conflicts, rejections, devices, and the state digest that every\n"
    "        converged replica shares.\n"
    "  admin --db PATH COMMAND\n"
    "        users, roles, areas, tokens and the audit trail; works while\n"
    "        the server runs. `fieldsync-server admin --help` lists them.\n"
    "  roster import KIND FILE.csv --db PATH [--encoding E] [--dry-run]\n"
    "        import institutions, classes, trainees or tasks of any county\n"
    "        from a CSV file (docs/ROSTER.md); devices get them at their\n"
    "        next sync. Works while the server runs.\n"
    "  report overdue --db PATH [--county CODE] [--today YYYY-MM-DD]\n"
    "        the follow-up visits overdue per county and inspector, by the\n"
    "        rules of `fieldsync todo`. Works while the server runs.\n";

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Fail(const std::string& msg) {
  std::fprintf(stderr, "fieldsync-server: %s\n", msg.c_str());
  return 1;
}

struct Args {
  std::string db;
  std::string listen = "127.0.0.1:7443";
  std::string tls_cert, tls_key;
  bool insecure = false;
  int64_t token_ttl_hours = 168;
  bool help = false;
  std::string error;
};

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

Args Parse(int argc, char** argv, int start) {
  Args a;
  for (int i = start; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        a.error = absl::StrCat(arg, " needs a value");
        return;
      }
      *out = argv[++i];
    };
    if (arg == "--db") {
      value(&a.db);
    } else if (arg == "--listen") {
      value(&a.listen);
    } else if (arg == "--tls-cert") {
      value(&a.tls_cert);
    } else if (arg == "--tls-key") {
      value(&a.tls_key);
    } else if (arg == "--insecure-plaintext") {
      a.insecure = true;
    } else if (arg == "--token-ttl-hours") {
      std::string v;
      value(&v);
      if (a.error.empty() &&
          (!absl::SimpleAtoi(v, &a.token_ttl_hours) || a.token_ttl_hours <= 0 ||
           a.token_ttl_hours > 24 * 366)) {
        a.error = "--token-ttl-hours needs a number of hours (1 to 8784)";
      }
    } else if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else {
      a.error = absl::StrCat("unknown option \"", arg, "\"");
    }
    if (!a.error.empty()) break;
  }
  return a;
}

int Serve(const Args& a) {
  if (a.db.empty()) return Fail("serve needs --db PATH (see --help)");
  auto store = fieldsync::SqliteServerStore::Open(a.db);
  if (!store.ok()) return Fail(std::string(store.status().message()));
  auto accounts = fieldsync::SqliteAccountStore::Open(a.db);
  if (!accounts.ok()) return Fail(std::string(accounts.status().message()));
  fieldsync::ServerOptions options;
  options.listen = a.listen;
  options.insecure_plaintext = a.insecure;
  options.auth.token_ttl_ms = a.token_ttl_hours * 3600 * 1000;
  if (!a.tls_cert.empty() && !ReadFile(a.tls_cert, &options.tls_cert_pem)) {
    return Fail(absl::StrCat("cannot read --tls-cert ", a.tls_cert));
  }
  if (!a.tls_key.empty() && !ReadFile(a.tls_key, &options.tls_key_pem)) {
    return Fail(absl::StrCat("cannot read --tls-key ", a.tls_key));
  }
  auto server =
      fieldsync::FieldsyncServer::Start(store->get(), accounts->get(), options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("fieldsync-server: serving %s on %s over %s (server id %s)\n",
              a.db.c_str(), (*server)->address().c_str(),
              options.tls_cert_pem.empty() ? "plaintext" : "TLS",
              fieldsync::IdToString((*store)->server_id()).c_str());
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::printf("fieldsync-server: stopping\n");
  (*server)->Shutdown();
  return 0;
}

int State(const Args& a) {
  if (a.db.empty()) return Fail("state needs --db PATH (see --help)");
  auto store = fieldsync::SqliteServerStore::Open(a.db);
  if (!store.ok()) return Fail(std::string(store.status().message()));
  auto s = (*store)->Summarize();
  if (!s.ok()) return Fail(std::string(s.status().message()));
  std::printf(
      "server store %s\n  changes   %llu (feed head %llu)\n  records   %llu\n"
      "  entities  %llu (conflicting writes flagged: %llu)\n"
      "  rejected  %llu\n  devices   %llu\n  digest    %s\n",
      a.db.c_str(), static_cast<unsigned long long>(s->changes),
      static_cast<unsigned long long>(s->feed_head),
      static_cast<unsigned long long>(s->records),
      static_cast<unsigned long long>(s->entities),
      static_cast<unsigned long long>(s->conflicts),
      static_cast<unsigned long long>(s->rejected),
      static_cast<unsigned long long>(s->devices), s->digest.c_str());
  return 0;
}

// A subcommand that works on the database file (`admin`, `roster`): takes
// --db PATH anywhere among its arguments, prints `usage` for --help, and
// hands the rest to `run`.
int DbSubcommand(int argc, char** argv, const char* usage,
                 int (*run)(const std::string&,
                            const std::vector<std::string>&)) {
  std::vector<std::string> rest;
  std::string db;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (arg == "--db") {
      if (i + 1 >= argc) return Fail("--db needs a value (see --help)");
      db = argv[++i];
    } else {
      rest.push_back(arg);
    }
  }
  return run(db, rest);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  if (cmd == "roster") {
    return DbSubcommand(argc, argv, fieldsync::kRosterUsage,
                        fieldsync::RunRoster);
  }
  if (cmd == "report") {
    return DbSubcommand(argc, argv, fieldsync::kReportUsage,
                        fieldsync::RunReport);
  }
  if (cmd == "admin") {
    return DbSubcommand(argc, argv, fieldsync::kAdminUsage,
                        fieldsync::RunAdmin);
  }
  Args a = Parse(argc, argv, 2);
  if (a.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!a.error.empty()) return Fail(a.error + " (see --help)");
  if (cmd == "serve") return Serve(a);
  if (cmd == "state") return State(a);
  return Fail(absl::StrCat("unknown command \"", cmd, "\" (see --help)"));
}
