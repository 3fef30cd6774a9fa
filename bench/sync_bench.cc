// sync_bench: how fast fieldsync moves records on loopback, against the floor
// of what SQLite itself can store on this machine, measured in the same run.
//
//   0. Device A records N SpotCheck records (~400-byte serialized
//      ChangeBody) offline; the record rate is timed apart.
//   Then 3 rounds, each measuring 1-3 once; the best round of each counts,
//   so the floor and what is compared with it see the same machine:
//   1. Baseline: N rows (16-byte UUIDv7 key, 400-byte blob) inserted into a
//      bare table in ONE transaction, WAL + synchronous=FULL (Db::Open).
//   2. Push: a timed Client::Sync() of a copy of A's store as recorded to a
//      fresh in-process server on 127.0.0.1:0. The sync includes whatever
//      download follows the upload (the upload's outcomes confirm A's own
//      changes, so none come back); the split between upload and download
//      phases comes from the progress callback.
//   3. Pull: a fresh device B syncs the N records from that server.
//   4. No-op sync: B, now current, syncs again K times: median ms and round
//      trips.
//   5. Bytes on the wire per record against the serialized record size.
//   6. Ratios against the baseline, each with its target and PASS/MISS.
//
// Exit status: 0 when every step ran and the replicas converged (whatever the
// ratios: it is a benchmark, not a test); 1 when a step failed; 2 on bad
// arguments. Deterministic in what it does: record contents come from a fixed
// seed (ids and device ids are random by design: UUIDv7 / UUIDv4).
//
// The parts: bench_options (the command line), bench_util (scratch folder,
// timing, number formats), bench_records (the records A records),
// bench_baseline (the floor). This file holds the devices, the server, the
// rounds, the report's sections and main().
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_baseline.h"
#include "bench/bench_options.h"
#include "bench/bench_records.h"
#include "bench/bench_util.h"
#include "common/status_macros.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/records.pb.h"
#include "server/password.h"
#include "server/server_runner.h"
#include "server/sqlite_account_store.h"
#include "server/sqlite_server_store.h"

namespace fieldsync::bench {
namespace {

using Steady = std::chrono::steady_clock;

// Targets of section 6 (fractions of the baseline rate; round trips).
constexpr double kPushTarget = 0.5;
constexpr double kPullTarget = 0.67;
constexpr uint32_t kNoopRoundTripsTarget = 1;

// --- sync helpers
// -------------------------------------------------------------

constexpr char kPassword[] = "bench-password";

// Logs a device in as the bench inspector (not timed).
absl::Status LogIn(Client& c) {
  LoginOptions login;
  login.user = kAuthor;
  login.password = kPassword;
  return c.Login(login).status();
}

absl::StatusOr<std::unique_ptr<Client>> MakeDevice(const std::string& home,
                                                   const std::string& server,
                                                   const std::string& label,
                                                   const ClientTuning& tuning) {
  FS_RETURN_IF_ERROR(Client::Init(home, server, kAuthor, label));
  ClientOptions o;
  o.home = home;
  o.tuning = tuning;
  FS_ASSIGN_OR_RETURN(auto c, Client::Open(o));
  FS_RETURN_IF_ERROR(LogIn(*c));
  return c;
}

// When each phase was reported during one Sync().
struct TimedSync {
  SyncReport report;
  double seconds = 0;
  double upload_seconds = 0;    // start .. last upload report (+handshake)
  double download_seconds = 0;  // last upload report (or start) .. done
  double first_page_seconds = 0;
  int upload_reports = 0;
  int download_reports = 0;
};

absl::StatusOr<TimedSync> RunSync(Client& client) {
  TimedSync t;
  const Steady::time_point start = Steady::now();
  Steady::time_point last_upload = start;
  Steady::time_point first_download{};
  Steady::time_point done{};
  auto progress = [&](const SyncProgress& p) {
    const Steady::time_point now = Steady::now();
    switch (p.phase) {
      case SyncProgress::Phase::kHandshake:
        break;
      case SyncProgress::Phase::kUpload:
        last_upload = now;
        ++t.upload_reports;
        break;
      case SyncProgress::Phase::kDownload:
        if (t.download_reports++ == 0) first_download = now;
        break;
      case SyncProgress::Phase::kDone:
        done = now;
        break;
    }
  };
  FS_ASSIGN_OR_RETURN(t.report, client.Sync(progress));
  const Steady::time_point end = Steady::now();
  if (done == Steady::time_point{}) done = end;
  t.seconds = Between(start, end);
  t.upload_seconds = Between(start, last_upload);
  t.download_seconds = Between(last_upload, done);
  if (t.download_reports > 0) {
    t.first_page_seconds = Between(last_upload, first_download);
  }
  return t;
}

absl::Status Expect(bool ok, const std::string& what) {
  if (ok) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("unexpected result: ", what));
}

const char* Verdict(bool pass) { return pass ? "PASS" : "MISS"; }

// --- the server
// ----------------------------------------------------------------

// The server the devices sync with: a fresh store for every push round, on
// one address (the devices remember it), so every round pushes into an empty
// server. The first server listens on 127.0.0.1:0; the ones after it on the
// address it got.
class BenchServer {
 public:
  explicit BenchServer(const ScratchDir& dir) : dir_(dir) {
    options_.listen = "127.0.0.1:0";
  }
  BenchServer(const BenchServer&) = delete;
  BenchServer& operator=(const BenchServer&) = delete;

  // Hashes the bench inspector's password (once) and starts the server of
  // round 0.
  absl::Status Start() {
    FS_ASSIGN_OR_RETURN(pw_hash_,
                        HashPassword(kPassword, PasswordCost::kInteractive));
    return Fresh(0);
  }

  // Replaces the server with a fresh one on a new database (server-<run>.db)
  // holding only the bench inspector, on the same address.
  absl::Status Fresh(int run) {
    server_.reset();
    store_.reset();
    accounts_.reset();
    const std::string db = dir_.Sub(absl::StrCat("server-", run, ".db"));
    FS_ASSIGN_OR_RETURN(store_, SqliteServerStore::Open(db));
    FS_ASSIGN_OR_RETURN(accounts_, SqliteAccountStore::Open(db));
    FS_RETURN_IF_ERROR(accounts_
                           ->CreateUser(kAuthor, v1::ROLE_INSPECTOR, pw_hash_,
                                        {"640522"}, "bench", 0)
                           .status());
    FS_ASSIGN_OR_RETURN(server_, FieldsyncServer::Start(
                                     store_.get(), accounts_.get(), options_));
    options_.listen = server_->address();
    return absl::OkStatus();
  }

  std::string address() const { return server_->address(); }
  SqliteServerStore& store() { return *store_; }

 private:
  const ScratchDir& dir_;
  std::string pw_hash_;
  ServerOptions options_;
  // Destroyed in reverse order: the server stops before its stores close.
  std::unique_ptr<SqliteServerStore> store_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<FieldsyncServer> server_;
};

// --- the run
// -------------------------------------------------------------------

// Records per second of a sync of `n` records.
double RecordsPerSecond(uint64_t n, const TimedSync& s) {
  return static_cast<double>(n) / s.seconds;
}

// What step 0 measured.
struct Recording {
  double record_seconds = 0;  // the Record() calls alone
  double avg_body = 0;        // average serialized ChangeBody, bytes
};

// 0. Device A (in dir/device-a) records the N records offline, timing the
// Record() calls apart (the record rate), and prints section [0]. A's store
// is closed on return (checkpointed into one file), ready to be copied.
absl::StatusOr<Recording> RecordOnDeviceA(const Options& opt,
                                          const ScratchDir& dir,
                                          const std::string& address) {
  const uint64_t n = opt.records;
  std::printf("[0] Device A records N records, offline\n");
  std::fflush(stdout);
  FS_ASSIGN_OR_RETURN(
      auto a, MakeDevice(dir.Sub("device-a"), address, "bench A", opt.tuning));
  FS_ASSIGN_OR_RETURN(v1::Record example,
                      LoadExample(absl::StrCat(FIELDSYNC_SOURCE_DIR,
                                               "/examples/spot-check.json")));
  RecordMaker maker(std::move(example));
  Recording rec;
  for (uint64_t i = 0; i < n; ++i) {
    v1::Record r = maker.Next(i);
    Stopwatch sw;
    auto id = a->Record(std::move(r));
    rec.record_seconds += sw.Seconds();
    if (!id.ok()) {
      return absl::Status(
          id.status().code(),
          absl::StrCat("recording record ", i, ": ", id.status().message()));
    }
    if (n >= 10 && (i + 1) % (n / 10) == 0) {
      std::fprintf(stderr, "    ... recorded %s of %s (%.0f s)\n",
                   Grouped(static_cast<double>(i + 1)).c_str(),
                   Grouped(static_cast<double>(n)).c_str(), rec.record_seconds);
    }
  }
  FS_ASSIGN_OR_RETURN(DeviceStatus before, a->Status());
  FS_RETURN_IF_ERROR(Expect(before.pending == n,
                            absl::StrCat(before.pending, " pending, not ", n)));
  rec.avg_body = static_cast<double>(before.pending_bytes) /
                 static_cast<double>(before.pending);
  std::printf(
      "    record (local save) rate   %.3f s  ->  %s records/s  (one "
      "transaction per Record(); not part of the push figure)\n"
      "    avg serialized ChangeBody  %.1f bytes (SpotCheck from examples/"
      "spot-check.json: notes replaced by varied ASCII text, %d of its "
      "rubric links kept)\n",
      rec.record_seconds, Rate(n, rec.record_seconds).c_str(), rec.avg_body,
      maker.rubric_links());
  std::fflush(stdout);

  std::printf("\n");
  return rec;
}

// The best of the rounds, and the devices of the last round.
struct Rounds {
  Baselines base;
  TimedSync push;
  TimedSync pull;
  std::unique_ptr<Client> a;  // the last round's copy of A, pushed
  std::unique_ptr<Client> b;  // the last round's B, pulled
};

// opt.rounds rounds, each: the baseline variants, a push of a copy of A's
// store as recorded into a fresh server, and a pull of it into a fresh
// device B. The best of each counts. `server` serves round 0 as it is.
absl::StatusOr<Rounds> RunRounds(const Options& opt, const ScratchDir& dir,
                                 const BaselineRows& rows,
                                 const std::string& address,
                                 BenchServer& server) {
  Rounds best;
  for (int round = 0; round < opt.rounds; ++round) {
    std::fprintf(stderr, "    ... round %d of %d\n", round + 1, opt.rounds);
    FS_RETURN_IF_ERROR(RunBaselineRound(dir, rows, round, &best.base));

    const std::string home = dir.Sub(absl::StrCat("device-a-", round));
    std::error_code ec;
    std::filesystem::copy(dir.Sub("device-a"), home,
                          std::filesystem::copy_options::recursive, ec);
    if (ec) return absl::InternalError(absl::StrCat("copy: ", ec.message()));
    if (round > 0) FS_RETURN_IF_ERROR(server.Fresh(round));
    ClientOptions o;
    o.home = home;
    o.tuning = opt.tuning;
    FS_ASSIGN_OR_RETURN(best.a, Client::Open(o));
    FS_RETURN_IF_ERROR(LogIn(*best.a));
    FS_ASSIGN_OR_RETURN(TimedSync tp, RunSync(*best.a));
    if (round == 0 || tp.seconds < best.push.seconds) best.push = tp;

    FS_ASSIGN_OR_RETURN(
        best.b, MakeDevice(dir.Sub(absl::StrCat("device-b-", round)), address,
                           "bench B", opt.tuning));
    FS_ASSIGN_OR_RETURN(TimedSync tl, RunSync(*best.b));
    if (round == 0 || tl.seconds < best.pull.seconds) best.pull = tl;
  }
  return best;
}

// 1. Prints the baseline (the floor) and the two reference variants.
void ReportBaseline(const Options& opt, const Baselines& base) {
  std::printf(
      "[1] Baseline (the floor): bare SQLite, one transaction (best of %d "
      "rounds)\n"
      "    table      CREATE TABLE t(id BLOB PRIMARY KEY, body BLOB) "
      "WITHOUT ROWID\n"
      "    rows       %s x (16-byte UUIDv7 key, ascending, %zu-byte random "
      "blob), Db::Open pragmas (WAL, synchronous=FULL, 16 KiB pages)\n"
      "    insert     %.3f s  ->  %s rows/s   <- baseline\n"
      "    (reference: rowid table + UNIQUE(id), the shape of our stores' "
      "change tables: %.3f s -> %s rows/s)\n"
      "    (reference: the same bare table with SQLite's default 4 KiB pages "
      "instead of our 16 KiB: %.3f s -> %s rows/s)\n\n",
      opt.rounds, Grouped(static_cast<double>(opt.records)).c_str(),
      kBaselineBodyBytes, base.without_rowid.seconds,
      Grouped(base.without_rowid.rows_per_s).c_str(), base.rowid_unique.seconds,
      Grouped(base.rowid_unique.rows_per_s).c_str(), base.default_pages.seconds,
      Grouped(base.default_pages.rows_per_s).c_str());
}

// 2. Checks that the best push moved and confirmed all N records and prints
// it, with its upload and download phases.
absl::Status ReportPush(const Options& opt, const std::string& address,
                        const TimedSync& push) {
  const uint64_t n = opt.records;
  std::printf(
      "[2] Push: Sync() of device A (a copy as recorded) to a fresh server at "
      "%s (best of %d rounds)\n",
      address.c_str(), opt.rounds);
  const SyncReport& pr = push.report;
  FS_RETURN_IF_ERROR(
      Expect(pr.uploaded == n && pr.accepted == n,
             absl::StrCat("push uploaded ", pr.uploaded, ", accepted ",
                          pr.accepted, " of ", n)));
  FS_RETURN_IF_ERROR(Expect(
      pr.confirmations == n,
      absl::StrCat("push got ", pr.confirmations, " confirmations for ", n)));
  const double push_rate = RecordsPerSecond(n, push);
  std::printf(
      "    Sync() total               %.3f s  ->  %s records/s   <- push\n"
      "      upload phase             %.3f s  (handshake + one UploadStream, "
      "%d batches answered and committed)  ->  %s records/s\n"
      "      download phase           %.3f s  (%d pages: what the outcomes did "
      "not confirm; "
      "first page after %.3f s)  ->  %s records/s\n"
      "      report: uploaded %llu, accepted %llu, rejected %llu, "
      "downloaded %llu, confirmations %llu, round trips %u\n\n",
      push.seconds, Grouped(push_rate).c_str(), push.upload_seconds,
      push.upload_reports, Rate(n, push.upload_seconds).c_str(),
      push.download_seconds, push.download_reports, push.first_page_seconds,
      Rate(n, push.download_seconds).c_str(),
      static_cast<unsigned long long>(pr.uploaded),
      static_cast<unsigned long long>(pr.accepted),
      static_cast<unsigned long long>(pr.rejected),
      static_cast<unsigned long long>(pr.downloaded),
      static_cast<unsigned long long>(pr.confirmations), pr.round_trips);
  return absl::OkStatus();
}

// 3. Checks that the best pull brought all N records as new and prints it.
absl::Status ReportPull(const Options& opt, const TimedSync& pull) {
  const uint64_t n = opt.records;
  std::printf(
      "[3] Pull: a fresh device B syncs the N records (best of %d rounds)\n",
      opt.rounds);
  const SyncReport& lr = pull.report;
  FS_RETURN_IF_ERROR(
      Expect(lr.downloaded == n && lr.new_from_others == n,
             absl::StrCat("pull downloaded ", lr.downloaded, ", new ",
                          lr.new_from_others, " of ", n)));
  const double pull_rate = RecordsPerSecond(n, pull);
  std::printf(
      "    Sync() total               %.3f s  ->  %s records/s   <- pull\n"
      "      download phase           %.3f s  (%d pages; first page after "
      "%.3f s)\n"
      "      report: downloaded %llu, new from others %llu, round trips %u\n\n",
      pull.seconds, Grouped(pull_rate).c_str(), pull.download_seconds,
      pull.download_reports, pull.first_page_seconds,
      static_cast<unsigned long long>(lr.downloaded),
      static_cast<unsigned long long>(lr.new_from_others), lr.round_trips);
  return absl::OkStatus();
}

// 4. Device B, current, syncs opt.noop_runs times; each must move nothing.
// Prints the median time, round trips and bytes; returns the most round
// trips any of them took.
absl::StatusOr<uint32_t> RunNoopSyncs(const Options& opt, Client& b) {
  std::printf("[4] No-op sync: device B, current, syncs %d times\n",
              opt.noop_runs);
  std::fflush(stdout);
  std::vector<double> noop_ms;
  uint32_t noop_trips_max = 0;
  uint64_t noop_bytes = 0;
  for (int i = 0; i < opt.noop_runs; ++i) {
    FS_ASSIGN_OR_RETURN(TimedSync s, RunSync(b));
    FS_RETURN_IF_ERROR(
        Expect(s.report.uploaded == 0 && s.report.downloaded == 0,
               absl::StrCat("no-op sync moved ", s.report.uploaded, " up, ",
                            s.report.downloaded, " down")));
    noop_ms.push_back(s.seconds * 1000);
    noop_trips_max = std::max(noop_trips_max, s.report.round_trips);
    noop_bytes = s.report.bytes_sent + s.report.bytes_received;
  }
  std::sort(noop_ms.begin(), noop_ms.end());
  const double noop_median = noop_ms[noop_ms.size() / 2];
  std::printf(
      "    median %.2f ms  (min %.2f, max %.2f)   round trips %u   bytes "
      "%llu (both ways)\n\n",
      noop_median, noop_ms.front(), noop_ms.back(), noop_trips_max,
      static_cast<unsigned long long>(noop_bytes));
  return noop_trips_max;
}

// 5. Prints the bytes on the wire per record of the push and the pull,
// against the average serialized record (`avg_body`).
void ReportWireBytes(uint64_t n, double avg_body, const TimedSync& push,
                     const TimedSync& pull) {
  const SyncReport& pr = push.report;
  const SyncReport& lr = pull.report;
  const double push_wire = static_cast<double>(pr.bytes_sent) / n;
  const double push_back = static_cast<double>(pr.bytes_received) / n;
  const double pull_wire = static_cast<double>(lr.bytes_received) / n;
  std::printf(
      "[5] Bytes on the wire per record (serialized messages, before gRPC "
      "framing)\n"
      "    record (ChangeBody)        %.1f bytes\n"
      "    push, sent                 %.1f bytes/record  (%.3fx)  "
      "[total %llu]\n"
      "    push, received             %.1f bytes/record  (outcomes + "
      "confirmations) [total %llu]\n"
      "    pull, received             %.1f bytes/record  (%.3fx)  "
      "[total %llu]\n\n",
      avg_body, push_wire, push_wire / avg_body,
      static_cast<unsigned long long>(pr.bytes_sent), push_back,
      static_cast<unsigned long long>(pr.bytes_received), pull_wire,
      pull_wire / avg_body, static_cast<unsigned long long>(lr.bytes_received));
}

// Convergence: the same digest, and N changes, on both devices and the
// server.
absl::Status CheckConvergence(uint64_t n, Client& a, Client& b,
                              SqliteServerStore& store) {
  FS_ASSIGN_OR_RETURN(StateSummary sa, a.Summarize());
  FS_ASSIGN_OR_RETURN(StateSummary sb, b.Summarize());
  FS_ASSIGN_OR_RETURN(StoreSummary ss, store.Summarize());
  return Expect(sa.digest == ss.digest && sb.digest == ss.digest &&
                    sa.changes == n && sb.changes == n && ss.changes == n,
                "device A, device B and the server do not hold the same state");
}

// 6. Prints push and pull against the baseline (and the two references) and
// the no-op round trips, each against its target, then the converged line.
void ReportRatios(const Options& opt, const Rounds& r,
                  uint32_t noop_trips_max) {
  const uint64_t n = opt.records;
  const Baselines& base = r.base;
  const double baseline = base.without_rowid.rows_per_s;
  const double push_rate = RecordsPerSecond(n, r.push);
  const double pull_rate = RecordsPerSecond(n, r.pull);
  const double push_ratio = push_rate / baseline;
  const double pull_ratio = pull_rate / baseline;
  std::printf(
      "[6] Against the baseline (%s rows/s, same run)\n"
      "    push / baseline            %.3f   (target >= %.2f)  %s\n"
      "    pull / baseline            %.3f   (target >= %.2f)  %s\n"
      "    no-op round trips          %u       (target %u)      %s\n"
      "    (against the rowid reference, %s rows/s: push %.3f, pull %.3f)\n"
      "    (against the 4 KiB-page reference, %s rows/s: push %.3f, pull "
      "%.3f)\n\n"
      "converged: A, B and the server hold the same %s changes (digest "
      "match); peak RSS %lld MiB\n",
      Grouped(baseline).c_str(), push_ratio, kPushTarget,
      Verdict(push_ratio >= kPushTarget), pull_ratio, kPullTarget,
      Verdict(pull_ratio >= kPullTarget), noop_trips_max, kNoopRoundTripsTarget,
      Verdict(noop_trips_max <= kNoopRoundTripsTarget),
      Grouped(base.rowid_unique.rows_per_s).c_str(),
      push_rate / base.rowid_unique.rows_per_s,
      pull_rate / base.rowid_unique.rows_per_s,
      Grouped(base.default_pages.rows_per_s).c_str(),
      push_rate / base.default_pages.rows_per_s,
      pull_rate / base.default_pages.rows_per_s,
      Grouped(static_cast<double>(n)).c_str(),
      static_cast<long long>(MaxRssMb()));
}

absl::Status Run(const Options& opt) {
  const uint64_t n = opt.records;
  FS_ASSIGN_OR_RETURN(auto dir, ScratchDir::Make(opt.dir));
  std::printf("fieldsync sync_bench: N = %s records, scratch folder %s\n",
              Grouped(static_cast<double>(n)).c_str(), dir->path().c_str());
  std::printf(
      "  loopback 127.0.0.1, server in-process, SQLite %s, WAL + "
      "synchronous=FULL on every database\n\n",
      sqlite3_libversion());

  // Declared before the devices, so that they close before it stops.
  BenchServer server(*dir);
  FS_RETURN_IF_ERROR(server.Start());
  const std::string address = server.address();

  FS_ASSIGN_OR_RETURN(const Recording rec, RecordOnDeviceA(opt, *dir, address));
  const BaselineRows rows = MakeBaselineRows(n);
  FS_ASSIGN_OR_RETURN(Rounds rounds,
                      RunRounds(opt, *dir, rows, address, server));

  ReportBaseline(opt, rounds.base);
  FS_RETURN_IF_ERROR(ReportPush(opt, address, rounds.push));
  FS_RETURN_IF_ERROR(ReportPull(opt, rounds.pull));
  FS_ASSIGN_OR_RETURN(const uint32_t noop_trips_max,
                      RunNoopSyncs(opt, *rounds.b));
  ReportWireBytes(n, rec.avg_body, rounds.push, rounds.pull);
  FS_RETURN_IF_ERROR(CheckConvergence(n, *rounds.a, *rounds.b, server.store()));
  ReportRatios(opt, rounds, noop_trips_max);
  return absl::OkStatus();
}

}  // namespace
}  // namespace fieldsync::bench

int main(int argc, char** argv) {
  auto opt = fieldsync::bench::ParseArgs(argc, argv);
  if (!opt.ok()) {
    std::fprintf(stderr, "sync_bench: %s\n",
                 std::string(opt.status().message()).c_str());
    fieldsync::bench::Usage();
    return 2;
  }
  const absl::Status s = fieldsync::bench::Run(*opt);
  if (!s.ok()) {
    std::fflush(stdout);
    std::fprintf(stderr, "sync_bench: failed: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
