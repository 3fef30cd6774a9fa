// The change row: the SQL names every column once and has one placeholder
// per column per row, and a change bound to row k of a multi-row INSERT
// lands in the columns it belongs to.
#include "server/change_row.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/record_kind.h"
#include "fieldsync/v1/sync.pb.h"
#include "server/server_schema.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::TempDir;

TEST(ChangeRow, OneRowSql) {
  EXPECT_EQ(InsertChangeRowsSql("INSERT", 1),
            "INSERT INTO changes(seq, device_id, device_seq, kind, county, "
            "hlc, flags, received_ms, body, township) "
            "VALUES(?,?,?,?,?,?,?,?,?,?)");
}

TEST(ChangeRow, EveryRowHasAPlaceholderPerColumn) {
  const std::string sql = InsertChangeRowsSql("INSERT OR IGNORE", 3);
  EXPECT_EQ(sql.rfind("INSERT OR IGNORE INTO changes(", 0), 0u) << sql;
  EXPECT_EQ(std::count(sql.begin(), sql.end(), '?'), 3 * kChangeRowColumns);
  EXPECT_EQ(std::count(sql.begin(), sql.end(), '('), 1 + 3);
}

TEST(ChangeRow, ParametersFollowRowByRow) {
  EXPECT_EQ(ChangeRowParam(0, ChangeColumn::kSeq), 1);
  EXPECT_EQ(ChangeRowParam(0, ChangeColumn::kTownship), kChangeRowColumns);
  EXPECT_EQ(ChangeRowParam(1, ChangeColumn::kSeq), kChangeRowColumns + 1);
  EXPECT_EQ(ChangeRowParam(2, ChangeColumn::kBody), 2 * kChangeRowColumns + 9);
}

v1::ChangeBody Body(const std::string& county, const std::string& township) {
  v1::ChangeBody body;
  *body.mutable_record() = testing::Example(RecordKind::kMonthlyReport);
  body.mutable_record()->mutable_area()->set_county_code(county);
  body.mutable_record()->mutable_area()->set_township_code(township);
  return body;
}

TEST(ChangeRow, BoundRowsLandInTheirColumns) {
  TempDir dir;
  auto db = OpenServerDb(dir.Sub("s.db"));
  ASSERT_THAT(db, IsOk());
  const v1::ChangeBody bodies[] = {Body("110101", ""),
                                   Body("120102", "120102004")};
  const std::string bytes[] = {bodies[0].SerializeAsString(),
                               bodies[1].SerializeAsString()};
  PreparedChange changes[2];
  for (int k = 0; k < 2; ++k) {
    changes[k].device_seq = 7 + k;
    changes[k].effective_hlc = 1000 + k;
    changes[k].flags = v1::CHANGE_FLAG_CLOCK_CLAMPED * k;
    changes[k].body = bytes[k];
    changes[k].parsed = &bodies[k];
  }
  const std::string device(16, 'd');
  auto ins = (*db)->Prepare(InsertChangeRowsSql("INSERT", 2));
  ASSERT_THAT(ins, IsOk());
  for (size_t k = 0; k < 2; ++k) {
    BindChangeRow(*ins, k, device, changes[k], 40 + k, 5555);
  }
  ASSERT_THAT(ins->Run(), IsOk());

  auto q = (*db)->Prepare(
      "SELECT seq, device_id, device_seq, kind, county, hlc, flags, "
      "received_ms, body, township FROM changes ORDER BY seq");
  ASSERT_THAT(q, IsOk());
  for (int k = 0; k < 2; ++k) {
    auto row = q->Step();
    ASSERT_THAT(row, IsOk());
    ASSERT_TRUE(*row);
    EXPECT_EQ(q->Int(0), 40 + k);
    EXPECT_EQ(q->Blob(1), device);
    EXPECT_EQ(q->Int(2), 7 + k);
    EXPECT_EQ(q->Int(3), static_cast<int>(RecordKind::kMonthlyReport));
    EXPECT_EQ(q->Text(4), k == 0 ? "110101" : "120102");
    EXPECT_EQ(q->Int(5), 1000 + k);
    EXPECT_EQ(q->Int(6), k == 0 ? 0 : v1::CHANGE_FLAG_CLOCK_CLAMPED);
    EXPECT_EQ(q->Int(7), 5555);
    EXPECT_EQ(q->Blob(8), bytes[k]);
    EXPECT_EQ(q->Text(9), k == 0 ? "" : "120102004");
  }
  auto end = q->Step();
  ASSERT_THAT(end, IsOk());
  EXPECT_FALSE(*end);
}

}  // namespace
}  // namespace fieldsync
