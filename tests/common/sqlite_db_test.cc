// The mapping of SQLite failures to status codes that common/sqlite_db.h
// promises, each reached for real: a locked database, a full one, a file
// that is not a database, a corrupted page, a constraint, a read-only
// connection.
#include "common/sqlite_db.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;
using testing::TempDir;

std::unique_ptr<Db> OpenOrDie(const std::string& path) {
  auto db = Db::Open(path);
  EXPECT_THAT(db, IsOk());
  return db.ok() ? std::move(*db) : nullptr;
}

TEST(SqliteDbTest, BusyIsUnavailable) {
  TempDir dir;
  auto a = OpenOrDie(dir.Sub("x.db"));
  auto b = OpenOrDie(dir.Sub("x.db"));
  ASSERT_TRUE(a && b);
  auto held = Transaction::Begin(a.get());
  ASSERT_THAT(held, IsOk());
  // No waiting: the writer lock is held, so the answer is at once.
  sqlite3_busy_timeout(b->raw(), 0);
  EXPECT_THAT(Transaction::Begin(b.get()),
              StatusIs(absl::StatusCode::kUnavailable, "locked"));
}

TEST(SqliteDbTest, ConstraintIsAlreadyExists) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("x.db"));
  ASSERT_TRUE(db);
  ASSERT_THAT(db->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY)"), IsOk());
  ASSERT_THAT(db->Exec("INSERT INTO t VALUES(1)"), IsOk());
  EXPECT_THAT(db->Exec("INSERT INTO t VALUES(1)"),
              StatusIs(absl::StatusCode::kAlreadyExists, "UNIQUE"));
  auto ins = db->Prepare("INSERT INTO t VALUES(?)");
  ASSERT_THAT(ins, IsOk());
  ins->Bind(1, 1);
  EXPECT_THAT(ins->Run(), StatusIs(absl::StatusCode::kAlreadyExists,
                                   "running \"INSERT INTO t VALUES(?)\""));
}

TEST(SqliteDbTest, FullIsResourceExhausted) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("x.db"));
  ASSERT_TRUE(db);
  ASSERT_THAT(db->Exec("CREATE TABLE t(b BLOB)"), IsOk());
  // The file may not grow past its current pages: the disk is "full".
  ASSERT_THAT(db->Exec("PRAGMA max_page_count = 3"), IsOk());
  auto ins = db->Prepare("INSERT INTO t VALUES(zeroblob(100000))");
  ASSERT_THAT(ins, IsOk());
  EXPECT_THAT(ins->Run(),
              StatusIs(absl::StatusCode::kResourceExhausted, "full"));
}

TEST(SqliteDbTest, AFileThatIsNotADatabaseIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Sub("notes.db");
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(64 * 1024, 'x');  // somebody's notes, not a database
  }
  EXPECT_THAT(Db::Open(path),
              StatusIs(absl::StatusCode::kDataLoss, "not a database"));
}

TEST(SqliteDbTest, ACorruptedPageIsDataLoss) {
  TempDir dir;
  const std::string path = dir.Sub("x.db");
  {
    auto db = OpenOrDie(path);
    ASSERT_TRUE(db);
    ASSERT_THAT(db->Exec("CREATE TABLE t(b BLOB);"
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                         "SELECT i + 1 FROM n WHERE i < 200) "
                         "INSERT INTO t SELECT randomblob(1000) FROM n;"),
                IsOk());
  }  // closed: the WAL is checkpointed into the file
  {
    // Overwrite the third page (a leaf of t) with garbage.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekp(2 * 16384);
    const std::string garbage(16384, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto db = OpenOrDie(path);  // the schema page is intact
  ASSERT_TRUE(db);
  auto q = db->Prepare("SELECT sum(length(b)) FROM t");
  ASSERT_THAT(q, IsOk());
  EXPECT_THAT(q->Step(), StatusIs(absl::StatusCode::kDataLoss, "malformed"));
}

TEST(SqliteDbTest, ReadOnlyIsInternal) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("x.db"));
  ASSERT_TRUE(db);
  ASSERT_THAT(db->Exec("CREATE TABLE t(k)"), IsOk());
  ASSERT_THAT(db->Exec("PRAGMA query_only = 1"), IsOk());
  EXPECT_THAT(db->Exec("INSERT INTO t VALUES(1)"),
              StatusIs(absl::StatusCode::kInternal, "readonly"));
}

TEST(SqliteDbTest, AFileThatCannotBeOpenedIsUnavailable) {
  TempDir dir;
  // A directory where the file should be.
  EXPECT_THAT(Db::Open(dir.path()),
              StatusIs(absl::StatusCode::kUnavailable, "cannot open database"));
}

TEST(SqliteDbTest, ATransactionNotCommittedIsRolledBack) {
  TempDir dir;
  auto db = OpenOrDie(dir.Sub("x.db"));
  ASSERT_TRUE(db);
  ASSERT_THAT(db->Exec("CREATE TABLE t(k)"), IsOk());
  {
    auto tx = Transaction::Begin(db.get());
    ASSERT_THAT(tx, IsOk());
    ASSERT_THAT(db->Exec("INSERT INTO t VALUES(1)"), IsOk());
  }
  auto q = db->Prepare("SELECT count(*) FROM t");
  ASSERT_THAT(q, IsOk());
  ASSERT_THAT(q->Step(), IsOk());
  EXPECT_EQ(q->Int(0), 0);
}

}  // namespace
}  // namespace fieldsync
