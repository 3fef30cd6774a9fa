#include "bench/bench_baseline.h"

#include <sqlite3.h>

#include <memory>
#include <random>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "common/sqlite_db.h"
#include "common/status_macros.h"

namespace fieldsync::bench {
namespace {

// The bodies' seed: the same rows every run.
constexpr uint64_t kBaselineSeed = 7;
// 2026-05-12T00:00:00Z: where the keys' fake clock starts.
constexpr int64_t kFakeEpochMs = 1778544000000;

// Inserts keys[i] -> bodies[i*body_bytes...] into a fresh database at `path`
// created with `create_sql`, in one transaction, timing BEGIN..COMMIT.
// With `page_size` > 0 the file is made with that page size first (Db::Open
// sets ours only on a new, empty file).
absl::StatusOr<BaselineResult> BareInserts(
    const std::string& path, const char* create_sql, const char* insert_sql,
    const std::vector<std::string>& keys, const std::string& bodies,
    size_t body_bytes, int page_size = 0) {
  if (page_size > 0) {
    sqlite3* raw = nullptr;
    sqlite3_open(path.c_str(), &raw);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> owned(raw, &sqlite3_close);
    const std::string sql =
        absl::StrCat("PRAGMA page_size=", page_size, "; CREATE TABLE made(x);");
    if (sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      return absl::InternalError(absl::StrCat("cannot make ", path));
    }
  }
  FS_ASSIGN_OR_RETURN(auto db, Db::Open(path));
  FS_RETURN_IF_ERROR(db->Exec(create_sql));
  FS_ASSIGN_OR_RETURN(Stmt ins, db->Prepare(insert_sql));
  Stopwatch sw;
  FS_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db.get()));
  for (size_t i = 0; i < keys.size(); ++i) {
    ins.BindBlob(1, keys[i])
        .BindBlob(2,
                  absl::string_view(bodies).substr(i * body_bytes, body_bytes));
    FS_RETURN_IF_ERROR(ins.Run());
  }
  FS_RETURN_IF_ERROR(tx.Commit());
  BaselineResult r;
  r.seconds = sw.Seconds();
  r.rows_per_s = static_cast<double>(keys.size()) / r.seconds;
  return r;
}

}  // namespace

BaselineRows MakeBaselineRows(uint64_t n) {
  BaselineRows rows;
  FakeClock clock(kFakeEpochMs);
  rows.keys.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    rows.keys.push_back(NewRecordId(clock));
    clock.Advance(1);
  }
  std::mt19937_64 rng(kBaselineSeed);
  rows.bodies.assign(n * kBaselineBodyBytes, '\0');
  for (char& c : rows.bodies) c = static_cast<char>(rng() & 0xFF);
  return rows;
}

absl::Status RunBaselineRound(const ScratchDir& dir, const BaselineRows& rows,
                              int round, Baselines* best) {
  constexpr char kWithoutRowid[] =
      "CREATE TABLE t(id BLOB PRIMARY KEY, body BLOB) WITHOUT ROWID";
  struct Variant {
    const char* file;
    const char* create_sql;
    int page_size;  // 0: Db::Open's
    BaselineResult* best;
  };
  const Variant variants[] = {
      {"baseline", kWithoutRowid, 0, &best->without_rowid},
      {"baseline-rowid",
       "CREATE TABLE t(rid INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, "
       "body BLOB)",
       0, &best->rowid_unique},
      {"baseline-4k", kWithoutRowid, 4096, &best->default_pages},
  };
  for (const Variant& v : variants) {
    FS_ASSIGN_OR_RETURN(
        BaselineResult r,
        BareInserts(dir.Sub(absl::StrCat(v.file, "-", round, ".db")),
                    v.create_sql, "INSERT INTO t(id, body) VALUES(?, ?)",
                    rows.keys, rows.bodies, kBaselineBodyBytes, v.page_size));
    if (round == 0 || r.rows_per_s > v.best->rows_per_s) *v.best = r;
  }
  return absl::OkStatus();
}

}  // namespace fieldsync::bench
