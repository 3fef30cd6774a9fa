// The audit trail's one writer (server/audit_log.h) on a real server
// database: rows come back as written (a missing device id as empty, texts
// byte for byte), ordered by seq, filtered by actor, action, time and
// cursor; the table stays append-only; a database without the table is
// refused when the log is prepared.
#include "server/audit_log.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/record_id.h"
#include "common/sqlite_db.h"
#include "server/server_schema.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;
using testing::TempDir;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenServerDb(dir_.Sub("server.db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto log = AuditLog::Prepare(db_.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  std::vector<AuditEntry> List(const AuditFilter& filter) {
    auto rows = log_->List(filter);
    EXPECT_THAT(rows, IsOk());
    return rows.ok() ? *rows : std::vector<AuditEntry>{};
  }

  TempDir dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, RowsComeBackAsWrittenInSeqOrder) {
  const std::string device = NewDeviceId();
  ASSERT_THAT(log_->Append({0, 1000, "王芳", device, "login", "role x'; --"}),
              IsOk());
  ASSERT_THAT(log_->Append({99, 2000, "admin:root", "", "unlock", "user 王芳"}),
              IsOk());
  const std::vector<AuditEntry> rows = List({});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seq, 1);  // assigned by the table, not by the caller
  EXPECT_EQ(rows[0].at_ms, 1000);
  EXPECT_EQ(rows[0].actor, "王芳");
  EXPECT_EQ(rows[0].device_id, device);
  EXPECT_EQ(rows[0].action, "login");
  EXPECT_EQ(rows[0].detail, "role x'; --");
  EXPECT_EQ(rows[1].seq, 2);
  EXPECT_EQ(rows[1].device_id, "");  // stored as NULL
  EXPECT_EQ(rows[1].detail, "user 王芳");
}

TEST_F(AuditLogTest, ListFiltersByActorActionTimeAndCursor) {
  for (int i = 0; i < 6; ++i) {
    ASSERT_THAT(log_->Append({0, 1000 * (i + 1), i % 2 ? "a" : "b", "",
                              i % 3 ? "login" : "upload", ""}),
                IsOk());
  }
  AuditFilter f;
  f.actor = "a";
  EXPECT_EQ(List(f).size(), 3u);
  f.action = "login";
  EXPECT_EQ(List(f).size(), 2u);  // i = 1, 5
  f = AuditFilter{};
  f.since_ms = 2000;
  f.until_ms = 4000;  // [2000, 4000)
  ASSERT_EQ(List(f).size(), 2u);
  EXPECT_EQ(List(f)[0].at_ms, 2000);
  f = AuditFilter{};
  f.after_seq = 4;
  f.limit = 1;
  const std::vector<AuditEntry> page = List(f);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].seq, 5);
}

TEST_F(AuditLogTest, TheTableStaysAppendOnly) {
  ASSERT_THAT(log_->Append({0, 1000, "a", "", "login", "x"}), IsOk());
  // The triggers abort with a constraint error (ALREADY_EXISTS in
  // common/sqlite_db.h's mapping).
  EXPECT_THAT(db_->Exec("UPDATE audit SET detail = 'y'"),
              StatusIs(absl::StatusCode::kAlreadyExists, "append-only"));
  EXPECT_THAT(db_->Exec("DELETE FROM audit"),
              StatusIs(absl::StatusCode::kAlreadyExists, "append-only"));
  ASSERT_EQ(List({}).size(), 1u);
  EXPECT_EQ(List({})[0].detail, "x");
}

TEST(AuditLog, PrepareRefusesADatabaseWithoutTheTable) {
  TempDir dir;
  auto db = Db::Open(dir.Sub("empty.db"));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_THAT(AuditLog::Prepare(db->get()),
              StatusIs(absl::StatusCode::kInternal, "no such table: audit"));
}

}  // namespace
}  // namespace fieldsync
