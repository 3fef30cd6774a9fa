// fieldsync-server: the sync server on its embedded SQLite store.
//
//   fieldsync-server serve --db PATH --listen HOST:PORT
//   fieldsync-server state --db PATH     counts and state digest of a store
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "server/server_runner.h"
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
    "        converged replica shares.\n";

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Fail(const std::string& msg) {
  std::fprintf(stderr, "fieldsync-server: %s\n", msg.c_str());
  return 1;
}

struct Args {
  std::string db;
  std::string listen = "127.0.0.1:7443";
  bool help = false;
  std::string error;
};

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
  fieldsync::ServerOptions options;
  options.listen = a.listen;
  auto server = fieldsync::FieldsyncServer::Start(store->get(), options);
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("fieldsync-server: serving %s on %s (server id %s)\n",
              a.db.c_str(), (*server)->address().c_str(),
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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
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
