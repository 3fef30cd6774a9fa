// A thin RAII layer over SQLite used by both stores: a connection (Db), a
// prepared statement (Stmt) and a transaction guard (Transaction).
//
// Errors come back as absl::Status: SQLITE_BUSY/LOCKED -> UNAVAILABLE (retry),
// SQLITE_CONSTRAINT -> ALREADY_EXISTS, SQLITE_CORRUPT/NOTADB -> DATA_LOSS,
// SQLITE_FULL -> RESOURCE_EXHAUSTED, anything else (a read-only database
// included) INTERNAL, each with SQLite's message; a file Open cannot open at
// all (a directory, no permission) is UNAVAILABLE. tests/common/
// sqlite_db_test.cc reaches each of these for real. (A revision-rule
// refusal is not a status at all: revision_rules.h's RuleVerdict.) A Db is
// used by one thread at a time (callers lock).
#ifndef FIELDSYNC_COMMON_SQLITE_DB_H_
#define FIELDSYNC_COMMON_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

class Stmt;

class Db {
 public:
  // Opens (creating if absent) the database at `path` in WAL mode with
  // synchronous=FULL: a committed transaction survives a process kill and a
  // power loss. Sets a busy timeout so other processes (admin tools) can share
  // the file, a 64 MiB page cache, and checkpoints every 8192 pages (32 MiB
  // of WAL) instead of 1000: bulk syncs checkpoint less often.
  static absl::StatusOr<std::unique_ptr<Db>> Open(const std::string& path);

  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements without results.
  absl::Status Exec(absl::string_view sql);
  absl::StatusOr<Stmt> Prepare(absl::string_view sql);
  // A statement its owner keeps for its lifetime (prepared once, reused).
  absl::StatusOr<std::unique_ptr<Stmt>> PrepareKept(absl::string_view sql);
  // PRAGMA user_version: the schema version the stores keep (0 = new file).
  absl::StatusOr<int64_t> UserVersion();
  int64_t LastInsertRowId() const;
  int Changes() const;
  sqlite3* raw() const { return db_; }

  // Maps an SQLite result code to a Status ("what" says what was being done).
  absl::Status Error(int rc, absl::string_view what) const;

 private:
  struct PrivateTag {};

 public:
  Db(PrivateTag, sqlite3* db) : db_(db) {}

 private:
  sqlite3* db_;
};

class Stmt {
 public:
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQLite.
  Stmt& Bind(int i, int64_t v);
  Stmt& BindText(int i, absl::string_view v);
  Stmt& BindBlob(int i, absl::string_view v);
  Stmt& BindNull(int i);
  // As BindText/BindBlob without copying: `v` must stay valid until the
  // statement is reset (Run() and Reset() do, and so does a failed Step()).
  // For large values on the hot paths (record bodies).
  Stmt& BindTextNoCopy(int i, absl::string_view v);
  Stmt& BindBlobNoCopy(int i, absl::string_view v);

  // Advances: true with a row, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  absl::Status Run();
  // Resets for the next execution and clears bindings.
  void Reset();

  int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  absl::string_view BlobView(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Db;
  Stmt(const Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  const Db* db_;
  sqlite3_stmt* stmt_;
};

// BEGIN IMMEDIATE on construction; Commit() commits; the destructor rolls
// back whatever was not committed.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Db* db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) {
    other.db_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  absl::Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;
};

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_SQLITE_DB_H_
