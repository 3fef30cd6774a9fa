// fieldsync: the inspector's command line, over the client core.
//
// Every command prints a clear message and exits non-zero on failure:
// 1 = the command failed (the message says why), 2 = the command line is wrong.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/secret_input.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/roles.h"
#include "common/time_format.h"
#include "fieldsync/client.h"
#include "google/protobuf/util/json_util.h"

namespace fieldsync {
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
  };
  return help;
}

struct Cli {
  std::string home;
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // --name value
  std::map<std::string, bool> flags;           // --name
};

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "fieldsync: %s\n(see fieldsync --help)\n", msg.c_str());
  return 2;
}

int Failure(const absl::Status& s) {
  std::fprintf(stderr, "fieldsync: %s\n", std::string(s.message()).c_str());
  return 1;
}

std::string DefaultHome() {
  if (const char* h = std::getenv("FIELDSYNC_HOME"); h && *h) return h;
  if (const char* h = std::getenv("HOME"); h && *h)
    return absl::StrCat(h, "/.fieldsync");
  return ".fieldsync";
}

std::string Bytes(uint64_t n) {
  if (n < 1024) return absl::StrCat(n, " B");
  if (n < 1024 * 1024) return absl::StrFormat("%.1f KiB", n / 1024.0);
  return absl::StrFormat("%.1f MiB", n / (1024.0 * 1024.0));
}

std::string Time(int64_t ms) {
  if (ms == 0) return "never";
  return FormatTimeMs(ms);
}

// The first `max_chars` characters of UTF-8 text (never cuts a character).
std::string Prefix(const std::string& text, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < text.size() && chars < max_chars) {
    const auto c = static_cast<unsigned char>(text[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  if (i >= text.size()) return text;
  return text.substr(0, i) + "…";
}

absl::StatusOr<std::unique_ptr<Client>> OpenClient(const Cli& cli) {
  ClientOptions o;
  o.home = cli.home;
  return Client::Open(o);
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    ss << in.rdbuf();
  }
  return ss.str();
}

std::string RecordJson(const v1::Record& r) {
  v1::Record copy = r;
  copy.clear_id();
  copy.clear_device_id();
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(copy, &json, opts);
  return json;
}

int Init(const Cli& cli) {
  auto it = cli.options.find("server");
  if (it == cli.options.end())
    return UsageError("init needs --server HOST:PORT");
  std::string inspector;
  if (auto i = cli.options.find("inspector"); i != cli.options.end()) {
    inspector = i->second;
  } else if (const char* u = std::getenv("USER"); u && *u) {
    inspector = u;
  } else {
    return UsageError("init needs --inspector NAME");
  }
  std::string label;
  if (auto i = cli.options.find("label"); i != cli.options.end())
    label = i->second;
  if (auto s = Client::Init(cli.home, it->second, inspector, label); !s.ok()) {
    return Failure(s);
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  std::printf("device %s set up in %s for inspector %s, server %s\n",
              IdToString((*client)->device_id()).c_str(), cli.home.c_str(),
              inspector.c_str(), it->second.c_str());
  return 0;
}

std::string AreasText(const v1::Identity& id) {
  if (id.all_areas()) return "all counties";
  if (id.areas().empty()) return "no area";
  std::string out;
  for (const std::string& a : id.areas()) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", a);
  }
  return out;
}

int Login(const Cli& cli) {
  auto user = cli.options.find("user");
  if (user == cli.options.end()) return UsageError("login needs --user NAME");
  LoginOptions o;
  o.user = user->second;
  if (auto it = cli.options.find("server"); it != cli.options.end()) {
    o.server = it->second;
  }
  o.insecure_plaintext = cli.flags.count("insecure-plaintext") > 0;
  o.force = cli.flags.count("force") > 0;
  if (auto it = cli.options.find("ca"); it != cli.options.end()) {
    if (o.insecure_plaintext) {
      return UsageError("give --ca FILE or --insecure-plaintext, not both");
    }
    auto pem = ReadInput(it->second);
    if (!pem.ok()) return Failure(pem.status());
    if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Failure(absl::InvalidArgumentError(
          absl::StrCat(it->second, " holds no PEM certificate")));
    }
    o.ca_pem = *pem;
  }
  auto client = OpenClient(cli);
  if (absl::IsFailedPrecondition(client.status())) {
    // No device here yet: set one up for this user.
    if (o.server.empty()) {
      return UsageError("login on a new device needs --server HOST:PORT");
    }
    std::string label;
    if (auto i = cli.options.find("label"); i != cli.options.end()) {
      label = i->second;
    }
    if (auto s = Client::Init(cli.home, o.server, o.user, label); !s.ok()) {
      return Failure(s);
    }
    client = OpenClient(cli);
  }
  if (!client.ok()) return Failure(client.status());
  auto password =
      ReadSecret(absl::StrCat("password for ", o.user), /*confirm=*/false);
  if (!password.ok()) return Failure(password.status());
  o.password = *password;
  auto id = (*client)->Login(o);
  if (!id.ok()) return Failure(id.status());
  std::printf(
      "logged in as %s (%s; areas: %s) on device %s; token valid "
      "until %s\n",
      id->user().c_str(), RoleName(id->role()), AreasText(*id).c_str(),
      IdToString((*client)->device_id()).c_str(),
      Time(id->token_expires_ms()).c_str());
  return 0;
}

int Logout(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  if (auto s = (*client)->Logout(); !s.ok()) return Failure(s);
  std::printf("logged out; the token is revoked and removed from %s\n",
              cli.home.c_str());
  return 0;
}

int WhoAmI(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto id = (*client)->WhoAmI();
  if (!id.ok()) return Failure(id.status());
  std::printf("%s (%s); areas: %s; token valid until %s\n", id->user().c_str(),
              RoleName(id->role()), AreasText(*id).c_str(),
              Time(id->token_expires_ms()).c_str());
  return 0;
}

int Record(const Cli& cli) {
  if (cli.positional.size() != 1) {
    return UsageError(
        "record needs KIND (spot-check, follow-up-visit, "
        "interview-note, document-review, monthly-report)");
  }
  const auto kind = RecordKindFromName(cli.positional[0]);
  if (!kind) {
    return UsageError(
        absl::StrCat("unknown KIND \"", cli.positional[0],
                     "\": use spot-check, follow-up-visit, interview-note, "
                     "document-review or monthly-report"));
  }
  auto json_path = cli.options.find("json");
  if (json_path == cli.options.end())
    return UsageError("record needs --json FILE (or - for stdin)");
  auto text = ReadInput(json_path->second);
  if (!text.ok()) return Failure(text.status());
  v1::Record record;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(*text, &record, opts);
  if (!parsed.ok()) {
    return Failure(absl::InvalidArgumentError(absl::StrCat(
        json_path->second, " is not a valid fieldsync.v1.Record in JSON: ",
        parsed.message().as_string())));
  }
  if (KindOf(record) != *kind) {
    return Failure(absl::InvalidArgumentError(absl::StrCat(
        json_path->second, " holds ",
        KindOf(record) == RecordKind::kUnknown
            ? std::string("no record body")
            : absl::StrCat("a ", RecordKindName(KindOf(record)), " record"),
        " but KIND is ", RecordKindName(*kind))));
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  if (auto rev = cli.options.find("revise"); rev != cli.options.end()) {
    auto id = IdFromString(rev->second);
    if (!id.ok()) return Failure(id.status());
    if (auto s = (*client)->Revise(*id, record); !s.ok()) return Failure(s);
    std::printf("%s\n", IdToString(*id).c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "saved a new revision of %s %s (pending sync)\n",
                 RecordKindName(*kind).data(), IdToString(*id).c_str());
    return 0;
  }
  if (!record.id().empty()) {
    return Failure(absl::InvalidArgumentError(
        "id is filled by the device; to revise a record use --revise ID"));
  }
  auto id = (*client)->Record(record);
  if (!id.ok()) return Failure(id.status());
  std::printf("%s\n", IdToString(*id).c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "saved %s %s (pending sync)\n",
               RecordKindName(*kind).data(), IdToString(*id).c_str());
  return 0;
}

std::string ViewJson(const RecordView& v) {
  return absl::StrFormat(
      "{\"id\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",\"revisions\":%d,"
      "\"deviceId\":\"%s\",\"record\":%s}",
      IdToString(v.id), RecordKindName(v.kind),
      ChangeStateName(v.current.state), v.revisions,
      IdToString(v.current.device_id), RecordJson(v.current.record));
}

int List(const Cli& cli) {
  std::optional<RecordKind> kind;
  if (auto k = cli.options.find("kind"); k != cli.options.end()) {
    kind = RecordKindFromName(k->second);
    if (!kind)
      return UsageError(absl::StrCat("unknown --kind \"", k->second, "\""));
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto views = (*client)->List(kind);
  if (!views.ok()) return Failure(views.status());
  const bool json = cli.flags.count("json") > 0;
  for (const RecordView& v : *views) {
    if (json) {
      std::printf("%s\n", ViewJson(v).c_str());
      continue;
    }
    const v1::Record& r = v.current.record;
    std::printf(
        "%s  %-16s %-8s county %s  %s  by %s  rev %lld  %s\n",
        IdToString(v.id).c_str(), RecordKindName(v.kind).data(),
        ChangeStateName(v.current.state), r.area().county_code().c_str(),
        Time(r.observed_at().seconds() * 1000).c_str(), r.author().c_str(),
        static_cast<long long>(v.revisions), Prefix(r.notes(), 20).c_str());
  }
  if (!json) std::printf("%zu record(s)\n", views->size());
  return 0;
}

int Show(const Cli& cli) {
  if (cli.positional.size() != 1) return UsageError("show needs a record ID");
  auto id = IdFromString(cli.positional[0]);
  if (!id.ok()) return Failure(id.status());
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto revs = (*client)->Show(*id);
  if (!revs.ok()) return Failure(revs.status());
  const bool json = cli.flags.count("json") > 0;
  int n = 0;
  for (const Revision& r : *revs) {
    ++n;
    if (json) {
      std::printf(
          "{\"id\":\"%s\",\"revision\":%d,\"state\":\"%s\",\"deviceId\":\"%s\","
          "\"deviceSeq\":%llu,\"serverSeq\":%llu,\"reason\":\"%s\",\"record\":%"
          "s}\n",
          IdToString(*id).c_str(), n, ChangeStateName(r.state),
          IdToString(r.device_id).c_str(),
          static_cast<unsigned long long>(r.device_seq),
          static_cast<unsigned long long>(r.server_seq), r.reason.c_str(),
          RecordJson(r.record).c_str());
      continue;
    }
    std::printf("revision %d  %s  device %s seq %llu%s\n", n,
                ChangeStateName(r.state), IdToString(r.device_id).c_str(),
                static_cast<unsigned long long>(r.device_seq),
                r.server_seq
                    ? absl::StrCat("  server seq ", r.server_seq).c_str()
                    : "");
    if (r.state == ChangeState::kRejected)
      std::printf("  rejected: %s\n", r.reason.c_str());
    std::printf("  %s\n", RecordJson(r.record).c_str());
  }
  return 0;
}

int Sync(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  bool announced_up = false, announced_down = false;
  auto progress = [&](const SyncProgress& p) {
    using P = SyncProgress::Phase;
    if (p.phase == P::kHandshake) {
      std::printf("sync: %llu change(s) to send (%s)\n",
                  static_cast<unsigned long long>(p.to_send),
                  Bytes(p.bytes_to_send).c_str());
    } else if (p.phase == P::kUpload) {
      if (!announced_up) announced_up = true;
      std::printf("  sent %llu/%llu (%s)\n",
                  static_cast<unsigned long long>(p.sent),
                  static_cast<unsigned long long>(p.to_send),
                  Bytes(p.bytes_sent).c_str());
    } else if (p.phase == P::kDownload) {
      if (!announced_down) {
        announced_down = true;
        std::printf("  %llu change(s) in the feed to look through\n",
                    static_cast<unsigned long long>(p.to_receive));
      }
      std::printf("  looked through %llu/%llu (%s)\n",
                  static_cast<unsigned long long>(p.received),
                  static_cast<unsigned long long>(p.to_receive),
                  Bytes(p.bytes_received).c_str());
    }
    std::fflush(stdout);
  };
  auto report = (*client)->Sync(progress);
  if (!report.ok()) {
    std::fprintf(stderr, "fieldsync: sync did not finish: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  const SyncReport& r = *report;
  for (const std::string& a : r.areas_added) {
    std::printf("  area %s added to your account\n", a.c_str());
  }
  if (r.backfilled > 0) {
    std::printf("  back-filled %llu earlier change(s) of the new area(s)\n",
                static_cast<unsigned long long>(r.backfilled));
  }
  for (const std::string& a : r.areas_removed) {
    std::printf("  area %s was taken off your account\n", a.c_str());
  }
  if (!r.areas_removed.empty()) {
    std::printf(
        "  removed %llu change(s) received from others in it; your own "
        "records stay\n",
        static_cast<unsigned long long>(r.purged));
  }
  std::printf(
      "sync done: sent %llu (accepted %llu, rejected %llu), received %llu new "
      "from "
      "other devices, %llu confirmation(s); %s up, %s down, %u round trip(s)\n",
      static_cast<unsigned long long>(r.uploaded),
      static_cast<unsigned long long>(r.accepted),
      static_cast<unsigned long long>(r.rejected),
      static_cast<unsigned long long>(r.new_from_others),
      static_cast<unsigned long long>(r.confirmations),
      Bytes(r.bytes_sent).c_str(), Bytes(r.bytes_received).c_str(),
      r.round_trips);
  for (const Rejection& j : r.new_rejections) {
    std::printf("  REJECTED change %llu (%s %s): %s\n",
                static_cast<unsigned long long>(j.device_seq),
                RecordKindName(j.kind).data(), j.subject.c_str(),
                j.reason.c_str());
  }
  if (!r.new_rejections.empty()) {
    std::printf(
        "  rejected changes are kept on this device and do not block others; "
        "see `fieldsync status`\n");
  }
  if (r.clock_flagged) {
    std::printf(
        "  WARNING: this device's clock is %s by %s; fieldsync corrects for "
        "it, but please set the device's clock\n",
        r.clock_offset_ms > 0 ? "ahead" : "behind",
        absl::FormatDuration(absl::Milliseconds(std::llabs(r.clock_offset_ms)))
            .c_str());
  }
  return 0;
}

int Status(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto s = (*client)->Status();
  if (!s.ok()) return Failure(s.status());
  std::printf(
      "device    %s (inspector %s)\nserver    %s (%s, %s)\n"
      "areas     %s\nlast sync %s\n",
      IdToString(s->device_id).c_str(), s->author.c_str(), s->server.c_str(),
      s->tls ? "TLS" : "plaintext",
      s->logged_in ? "logged in" : "NOT logged in: fieldsync login",
      s->areas.c_str(), Time(s->last_sync_ms).c_str());
  std::printf(
      "pending   %llu (%s to send)\naccepted  %llu\nrejected  %llu\n"
      "received  %llu from other devices (feed cursor %llu)\n"
      "records   %llu; entity conflicts flagged %llu\n",
      static_cast<unsigned long long>(s->pending),
      Bytes(s->pending_bytes).c_str(),
      static_cast<unsigned long long>(s->accepted),
      static_cast<unsigned long long>(s->rejected),
      static_cast<unsigned long long>(s->received),
      static_cast<unsigned long long>(s->cursor),
      static_cast<unsigned long long>(s->records),
      static_cast<unsigned long long>(s->conflicts));
  if (s->held_back > 0) {
    std::printf(
        "held back %llu from other devices, until the server decides your "
        "pending changes that contradict them\n",
        static_cast<unsigned long long>(s->held_back));
  }
  if (!s->unreadable_held_back.empty()) {
    std::printf(
        "  WARNING: %zu held-back change(s) cannot be read (feed position "
        "%s): the device store is damaged there. They are kept, not applied; "
        "copy the device home and tell your administrator\n",
        s->unreadable_held_back.size(),
        absl::StrJoin(s->unreadable_held_back, ", ").c_str());
  }
  if (s->clock_flagged) {
    std::printf(
        "clock     FLAGGED: %s by %s at the last sync\n",
        s->clock_offset_ms > 0 ? "ahead" : "behind",
        absl::FormatDuration(absl::Milliseconds(std::llabs(s->clock_offset_ms)))
            .c_str());
  }
  for (const Rejection& j : s->rejections) {
    std::printf("  rejected change %llu (%s %s): %s\n",
                static_cast<unsigned long long>(j.device_seq),
                RecordKindName(j.kind).data(), j.subject.c_str(),
                j.reason.c_str());
  }
  return 0;
}

int State(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto s = (*client)->Summarize();
  if (!s.ok()) return Failure(s.status());
  std::printf(
      "device %s\n  changes   %llu\n  records   %llu\n  entities  %llu "
      "(conflicting writes flagged: %llu)\n  digest    %s\n",
      IdToString((*client)->device_id()).c_str(),
      static_cast<unsigned long long>(s->changes),
      static_cast<unsigned long long>(s->records),
      static_cast<unsigned long long>(s->entities),
      static_cast<unsigned long long>(s->conflicts), s->digest.c_str());
  return 0;
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
      {"force", false}};
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
  return UsageError(absl::StrCat("unknown command \"", cli.command, "\""));
}

}  // namespace
}  // namespace fieldsync

int main(int argc, char** argv) { return fieldsync::Main(argc, argv); }
