// roster_bench: a county's trainees imported from one CSV file and synced.
//
//   1. A CSV of N trainees (default 100,000; valid ID and phone numbers,
//      ten townships, 200 classes) is written as Excel would (UTF-8, CRLF).
//   2. On a county officer's device: `import trainees` (parse, check, mask,
//      plan against the device's roster, record N changes in one
//      transaction), then the same file again (plans, records nothing).
//   3. The officer syncs (push N changes); an inspector of the county syncs
//      (pull N changes).
//   4. The same file imported on the server (`roster import`) into a fresh
//      store.
// Reports seconds and rows per second of each step and the peak RSS.
//
//   ./build/bench/roster_bench [--trainees N] [--dir PATH]
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "fieldsync/client.h"
#include "server/password.h"
#include "server/roster_console.h"
#include "server/server_runner.h"
#include "server/sqlite_account_store.h"
#include "server/sqlite_server_store.h"

namespace fieldsync::bench {
namespace {

constexpr char kPassword[] = "bench-password";
constexpr int kClasses = 200;

// A valid resident ID number for trainee `i` (GB 11643 check digit).
std::string IdNumber(int i) {
  const std::string base =
      absl::StrFormat("640522%04d%02d%02d%03d", 1970 + i % 40, 1 + i % 12,
                      1 + i % 28, i % 1000);
  static constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                       3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (int k = 0; k < 17; ++k) sum += (base[k] - '0') * kWeights[k];
  return base + "10X98765432"[sum % 11];
}

absl::Status WriteFiles(const ScratchDir& dir, int trainees) {
  std::ofstream inst(dir.Sub("institutions.csv"), std::ios::binary);
  inst << "id,name,county_code,designated\r\nI-1,海原县职业技术学校,640522,是"
          "\r\n";
  std::ofstream cls(dir.Sub("classes.csv"), std::ios::binary);
  cls << "id,institution_id,occupation,county_code,township_code,start_date,"
         "end_date\r\n";
  for (int c = 0; c < kClasses; ++c) {
    cls << absl::StrFormat(
        "C-%03d,I-1,中式烹调师,640522,6405221%02d,2026-03-01,"
        "2026-04-10\r\n",
        c, c % 10);
  }
  std::ofstream t(dir.Sub("trainees.csv"), std::ios::binary);
  t << "学员编号,姓名,类别,班级编号,县区代码,乡镇代码,联系电话,身份证号\r\n";
  static const char* kCategories[] = {"建档立卡", "十二五移民", "两后生",
                                      "其他"};
  for (int i = 0; i < trainees; ++i) {
    const int c = i % kClasses;
    t << absl::StrFormat(
        "T-%06d,学员%d,%s,C-%03d,640522,6405221%02d,138%08d,%s\r\n", i, i,
        kCategories[i % 4], c, c % 10, i, IdNumber(i));
  }
  if (!inst || !cls || !t) return absl::InternalError("cannot write the CSVs");
  return absl::OkStatus();
}

absl::StatusOr<std::string> Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A device logged in as `user` (not synced).
absl::StatusOr<std::unique_ptr<Client>> Device(const std::string& home,
                                               const std::string& server,
                                               const std::string& user) {
  FS_RETURN_IF_ERROR(Client::Init(home, server, user, user));
  ClientOptions o;
  o.home = home;
  FS_ASSIGN_OR_RETURN(auto c, Client::Open(o));
  LoginOptions login;
  login.user = user;
  login.password = kPassword;
  FS_RETURN_IF_ERROR(c->Login(login).status());
  return c;
}

absl::StatusOr<RosterImportResult> Import(Client& c, const ScratchDir& dir,
                                          const std::string& kind) {
  RosterImportOptions o;
  o.kind = kind;
  o.file_name = dir.Sub(kind + ".csv");
  FS_ASSIGN_OR_RETURN(o.bytes, Read(o.file_name));
  FS_ASSIGN_OR_RETURN(RosterImportResult r, c.ImportRoster(o));
  if (!r.problems.empty()) return absl::InternalError(r.problems[0]);
  return r;
}

void Line(const char* what, uint64_t n, double seconds) {
  std::printf("  %-44s %8.2f s  %12s rows/s  (peak RSS so far %lld MiB)\n",
              what, seconds, Rate(n, seconds).c_str(),
              static_cast<long long>(MaxRssMb()));
}

absl::Status Run(int trainees, const std::string& parent) {
  FS_ASSIGN_OR_RETURN(auto dir, ScratchDir::Make(parent));
  FS_RETURN_IF_ERROR(WriteFiles(*dir, trainees));
  const std::string db = dir->Sub("server.db");
  FS_ASSIGN_OR_RETURN(auto store, SqliteServerStore::Open(db));
  FS_ASSIGN_OR_RETURN(auto accounts, SqliteAccountStore::Open(db));
  FS_ASSIGN_OR_RETURN(std::string hash,
                      HashPassword(kPassword, PasswordCost::kInteractive));
  FS_RETURN_IF_ERROR(accounts
                         ->CreateUser("officer", v1::ROLE_COUNTY_OFFICER, hash,
                                      {"640522"}, "bench", 0)
                         .status());
  FS_RETURN_IF_ERROR(accounts
                         ->CreateUser("inspector", v1::ROLE_INSPECTOR, hash,
                                      {"640522"}, "bench", 0)
                         .status());
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  FS_ASSIGN_OR_RETURN(auto server, FieldsyncServer::Start(
                                       store.get(), accounts.get(), options));
  FS_ASSIGN_OR_RETURN(
      auto officer, Device(dir->Sub("officer"), server->address(), "officer"));
  FS_RETURN_IF_ERROR(officer->Sync().status());  // learns its areas
  FS_RETURN_IF_ERROR(Import(*officer, *dir, "institutions").status());
  FS_RETURN_IF_ERROR(Import(*officer, *dir, "classes").status());

  std::printf("roster_bench: %d trainees in one CSV (%s)\n", trainees,
              Grouped(static_cast<double>(
                          std::ifstream(dir->Sub("trainees.csv"),
                                        std::ios::binary | std::ios::ate)
                              .tellg()) /
                      1024)
                  .append(" KiB")
                  .c_str());
  Stopwatch first;
  FS_ASSIGN_OR_RETURN(RosterImportResult r, Import(*officer, *dir, "trainees"));
  Line("import on the officer's device", r.rows, first.Seconds());
  Stopwatch again;
  FS_ASSIGN_OR_RETURN(r, Import(*officer, *dir, "trainees"));
  Line("the same file again (records nothing)", r.rows, again.Seconds());
  if (r.changes != 0) return absl::InternalError("a re-import recorded");
  Stopwatch push;
  FS_ASSIGN_OR_RETURN(SyncReport up, officer->Sync());
  Line("officer's sync (push)", up.accepted, push.Seconds());
  FS_ASSIGN_OR_RETURN(auto inspector, Device(dir->Sub("inspector"),
                                             server->address(), "inspector"));
  Stopwatch pull;
  FS_ASSIGN_OR_RETURN(SyncReport down, inspector->Sync());
  Line("inspector's first sync (pull)", down.new_from_others, pull.Seconds());
  server.reset();

  FS_ASSIGN_OR_RETURN(auto fresh, SqliteServerStore::Open(dir->Sub("s2.db")));
  for (const char* kind : {"institutions", "classes"}) {
    ImportInput in;
    in.kind = *ParseRosterKind(kind);
    in.file_name = kind;
    FS_ASSIGN_OR_RETURN(std::string bytes,
                        Read(dir->Sub(absl::StrCat(kind, ".csv"))));
    in.bytes = bytes;
    FS_RETURN_IF_ERROR(
        ImportRosterOnServer(*fresh, in, "bench", 1, false).status());
  }
  ImportInput in;
  in.kind = RosterKind::kTrainees;
  in.file_name = "trainees.csv";
  FS_ASSIGN_OR_RETURN(std::string bytes, Read(dir->Sub("trainees.csv")));
  in.bytes = bytes;
  Stopwatch server_import;
  FS_ASSIGN_OR_RETURN(ImportPlan plan,
                      ImportRosterOnServer(*fresh, in, "bench", 2, false));
  Line("import on the server (roster import)", plan.rows,
       server_import.Seconds());
  std::printf("  peak RSS %lld MiB\n", static_cast<long long>(MaxRssMb()));
  return absl::OkStatus();
}

}  // namespace
}  // namespace fieldsync::bench

int main(int argc, char** argv) {
  int trainees = 100'000;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--trainees") == 0 && i + 1 < argc &&
        absl::SimpleAtoi(argv[i + 1], &trainees) && trainees > 0) {
      ++i;
    } else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: roster_bench [--trainees N] [--dir PATH]\n");
      return 2;
    }
  }
  const absl::Status s = fieldsync::bench::Run(trainees, dir);
  if (!s.ok()) {
    std::fprintf(stderr, "roster_bench: %s\n",
                 std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
