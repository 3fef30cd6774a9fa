#include "common/sqlite_db.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace fieldsync {
namespace {

// Process-wide settings, made once before SQLite initializes itself (after
// that sqlite3_config refuses, harmlessly). Memory statistics cost a global
// mutex on every allocation and nothing here reads them. Statement journals
// (what undoes a multi-row statement that fails half-way, e.g.
// DerivedState::InsertNewRecords) hold a few pages: kept in memory instead
// of spilling to a temporary file past 64 KiB.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
    return true;
  }();
  (void)configured;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return absl::UnavailableError(
        absl::StrCat("cannot open database ", path, ": ", msg));
  }
  auto db = std::make_unique<Db>(PrivateTag{}, raw);
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  FS_RETURN_IF_ERROR(
      db->Exec("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
               "PRAGMA synchronous=FULL; "
               "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; "
               "PRAGMA wal_autocheckpoint=8192;"));
  // A quick check that the file is a database at all (not some other file).
  FS_RETURN_IF_ERROR(db->Exec("SELECT count(*) FROM sqlite_master;"));
  return db;
}

Db::~Db() { sqlite3_close_v2(db_); }

absl::Status Db::Error(int rc, absl::string_view what) const {
  const std::string msg = absl::StrCat(what, ": ", sqlite3_errmsg(db_));
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(msg);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::Status Db::Exec(absl::string_view sql) {
  const std::string s(sql);
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "database");
  return absl::OkStatus();
}

absl::StatusOr<Stmt> Db::Prepare(absl::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                         SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return Error(rc, absl::StrCat("preparing \"", sql.substr(0, 60), "\""));
  }
  return Stmt(this, stmt);
}

absl::StatusOr<std::unique_ptr<Stmt>> Db::PrepareKept(absl::string_view sql) {
  FS_ASSIGN_OR_RETURN(Stmt s, Prepare(sql));
  return std::make_unique<Stmt>(std::move(s));
}

absl::StatusOr<int64_t> Db::UserVersion() {
  FS_ASSIGN_OR_RETURN(Stmt v, Prepare("PRAGMA user_version"));
  FS_ASSIGN_OR_RETURN(bool row, v.Step());
  return row ? v.Int(0) : 0;
}

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::BindText(int i, absl::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, absl::string_view v) {
  // Zero-length blobs bind as empty, not NULL.
  sqlite3_bind_blob(stmt_, i, v.empty() ? "" : v.data(),
                    static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindTextNoCopy(int i, absl::string_view v) {
  sqlite3_bind_text(stmt_, i, v.empty() ? "" : v.data(),
                    static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindBlobNoCopy(int i, absl::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.empty() ? "" : v.data(),
                    static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

absl::StatusOr<bool> Stmt::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const absl::Status s = db_->Error(
      rc,
      absl::StrCat("running \"",
                   absl::string_view(sqlite3_sql(stmt_)).substr(0, 60), "\""));
  Reset();  // no binding outlives a failed step
  return s;
}

absl::Status Stmt::Run() {
  FS_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  Reset();
  return absl::OkStatus();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Stmt::Blob(int col) const { return std::string(BlobView(col)); }

absl::string_view Stmt::BlobView(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? absl::string_view(static_cast<const char*>(p), n)
           : absl::string_view();
}

bool Stmt::IsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

absl::StatusOr<Transaction> Transaction::Begin(Db* db) {
  FS_RETURN_IF_ERROR(db->Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->Exec("ROLLBACK");
}

absl::Status Transaction::Commit() {
  Db* db = db_;
  db_ = nullptr;
  absl::Status s = db->Exec("COMMIT");
  if (!s.ok()) (void)db->Exec("ROLLBACK");
  return s;
}

}  // namespace fieldsync
