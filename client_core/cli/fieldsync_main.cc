// fieldsync: the inspector's command line, over the client core. This file
// reads the command line and hands it to the command (commands.h).
//
// Every command prints a clear message and exits non-zero on failure:
// 1 = the command failed (the message says why), 2 = the command line is wrong.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "client_core/cli/commands.h"

namespace fieldsync::cli {
namespace {

constexpr char kUsage[] = R"(usage: fieldsync [--home DIR] COMMAND [options]

The inspector's tool: record evidence offline, sync when back online.
--home DIR   the device's data folder (default: $FIELDSYNC_HOME, else ~/.fieldsync)

commands:
  init --server HOST:PORT [--inspector NAME] [--label TEXT]
        set up this device: its store, id, server and inspector name
        (default inspector: $USER)
  login --server HOST:PORT --user NAME [--ca FILE | --insecure-plaintext]
        log this device in (sets it up first if --home holds none); the
        password is read from standard input, or asked for on a terminal.
        --ca FILE: the CA certificate to verify the server's TLS certificate
        (needed unless the server is on this machine). The token is kept in
        the device home, readable only by you.
  logout
        revoke this device's token at the server and remove it
  whoami
        who the server says is logged in here, with role and areas
  record KIND --json FILE|- [--revise ID]
        save a record, given in protobuf's JSON mapping of fieldsync.v1.Record;
        the device fills id, author, device and clock, and prints the new id.
        KIND: spot-check, follow-up-visit, interview-note, document-review,
        monthly-report. --revise ID saves a new revision of your record ID.
  list [--kind KIND] [--json]
        the records on this device (current revision of each); --json prints
        one JSON object per line
  show ID [--json]
        every revision of one record, oldest first
  sync  send what is pending, receive what others recorded; shows progress;
        exits 0 only when everything was sent and received
  status
        counts of pending, accepted and rejected changes, each rejection with
        its reason, the last sync and the clock check
  state the state digest: equal on every device and the server once all
        have synced
  todo [--json]
        what waits for you: reviews of your records to answer (or answers
        to your questions), then the follow-up visits due and overdue in
        your areas (1, 3 and 6 months after each trainee's class ended),
        soonest first; works offline, from what the device holds
  review ID --accept | --question TEXT | --reject TEXT | --answer TEXT
        a reviewer accepts the current revision of record ID (it is then
        locked), questions it or rejects it; its author answers a question
        or rejection with --answer. Saved offline, sent at the next sync.
  history ID [--json]
        every revision and review of record ID: who, which device, when
        made, when the server received it
  import KIND FILE.csv [--encoding auto|utf-8|gb18030] [--dry-run]
        import the roster of your areas from a CSV file saved by Excel:
        KIND institutions, classes, trainees or tasks (docs/ROSTER.md); all
        rows or none, only changed fields are written, ID and phone numbers
        are kept masked. --dry-run says what it would do.

Run `fieldsync COMMAND --help` for one command.
)";

const std::map<std::string, std::string>& CommandHelp() {
  static const std::map<std::string, std::string> help = {
      {"init",
       "usage: fieldsync [--home DIR] init --server HOST:PORT [--inspector "
       "NAME] [--label TEXT]\n"},
      {"record",
       "usage: fieldsync [--home DIR] record KIND --json FILE|- [--revise ID]\n"
       "KIND: spot-check, follow-up-visit, interview-note, document-review, "
       "monthly-report\n"
       "The JSON is a fieldsync.v1.Record (see examples/KIND.json).\n"},
      {"list", "usage: fieldsync [--home DIR] list [--kind KIND] [--json]\n"},
      {"show", "usage: fieldsync [--home DIR] show ID [--json]\n"},
      {"sync", "usage: fieldsync [--home DIR] sync\n"},
      {"login",
       "usage: fieldsync [--home DIR] login --server HOST:PORT --user NAME "
       "[--ca FILE | --insecure-plaintext] [--force]\n"
       "The password is read from standard input (one line) or a prompt.\n"
       "--force: log in although another user's records are pending here.\n"},
      {"logout", "usage: fieldsync [--home DIR] logout\n"},
      {"whoami", "usage: fieldsync [--home DIR] whoami\n"},
      {"status", "usage: fieldsync [--home DIR] status\n"},
      {"state", "usage: fieldsync [--home DIR] state\n"},
      {"todo",
       "usage: fieldsync [--home DIR] todo [--json]\n"
       "Follow-up visits due (within 15 days) and overdue in your areas, "
       "from what this device holds; dates are Asia/Shanghai days.\n"},
      {"review",
       "usage: fieldsync [--home DIR] review ID --accept | --question TEXT | "
       "--reject TEXT | --answer TEXT\n"
       "Reviewers accept, question or reject the current revision of a "
       "record; an accepted record is locked until a reviewer questions it. "
       "The record's author answers a question or rejection with --answer "
       "(or revises the record).\n"},
      {"history", "usage: fieldsync [--home DIR] history ID [--json]\n"},
      {"import",
       "usage: fieldsync [--home DIR] import KIND FILE.csv [--encoding "
       "auto|utf-8|gb18030] [--dry-run]\n"
       "KIND: institutions, classes, trainees, tasks. Columns, their Chinese "
       "names and values: docs/ROSTER.md.\n"
       "The file may be UTF-8 (with or without BOM) or GB18030 (Excel on a "
       "Chinese Windows); every problem is listed as FILE:LINE: column: "
       "reason, and then nothing is imported.\n"},
  };
  return help;
}

std::string DefaultHome() {
  if (const char* h = std::getenv("FIELDSYNC_HOME"); h && *h) return h;
  if (const char* h = std::getenv("HOME"); h && *h)
    return absl::StrCat(h, "/.fieldsync");
  return ".fieldsync";
}

int Main(int argc, char** argv) {
  Cli cli;
  cli.home = DefaultHome();
  bool help = false;
  static const std::map<std::string, bool> kTakesValue = {
      {"home", true},
      {"server", true},
      {"inspector", true},
      {"label", true},
      {"json", false},
      {"kind", true},
      {"revise", true},
      {"help", false},
      {"user", true},
      {"ca", true},
      {"insecure-plaintext", false},
      {"force", false},
      {"encoding", true},
      {"dry-run", false},
      {"accept", false},
      {"question", true},
      {"reject", true},
      {"answer", true}};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      std::string name = arg.substr(2), value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      auto known = kTakesValue.find(name);
      if (known == kTakesValue.end())
        return UsageError(absl::StrCat("unknown option --", name));
      // --json takes a value for `record` (the file) and none elsewhere.
      const bool takes =
          known->second || (name == "json" && cli.command == "record");
      if (takes && !has_value) {
        if (i + 1 >= argc)
          return UsageError(absl::StrCat("--", name, " needs a value"));
        value = argv[++i];
      }
      if (name == "help") {
        help = true;
      } else if (name == "home") {
        cli.home = value;
      } else if (takes) {
        cli.options[name] = value;
      } else {
        cli.flags[name] = true;
      }
    } else if (cli.command.empty()) {
      cli.command = arg;
    } else {
      cli.positional.push_back(arg);
    }
  }
  if (cli.command.empty()) {
    std::fputs(kUsage, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  if (help) {
    auto h = CommandHelp().find(cli.command);
    if (h == CommandHelp().end()) {
      return UsageError(absl::StrCat("unknown command \"", cli.command, "\""));
    }
    std::fputs(h->second.c_str(), stdout);
    return 0;
  }
  if (cli.command == "init") return Init(cli);
  if (cli.command == "record") return Record(cli);
  if (cli.command == "login") return Login(cli);
  if (cli.command == "logout") return Logout(cli);
  if (cli.command == "whoami") return WhoAmI(cli);
  if (cli.command == "list") return List(cli);
  if (cli.command == "show") return Show(cli);
  if (cli.command == "sync") return Sync(cli);
  if (cli.command == "status") return Status(cli);
  if (cli.command == "state") return State(cli);
  if (cli.command == "import") return Import(cli);
  if (cli.command == "todo") return Todo(cli);
  if (cli.command == "review") return Review(cli);
  if (cli.command == "history") return History(cli);
  return UsageError(absl::StrCat("unknown command \"", cli.command, "\""));
}

}  // namespace
}  // namespace fieldsync::cli

int main(int argc, char** argv) { return fieldsync::cli::Main(argc, argv); }
