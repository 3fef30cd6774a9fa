// The feed query for each kind of area set: its SQL text and the order of
// its codes, and (against a real store file) that the codes bound in that
// order select exactly the changes the areas cover.
#include "server/feed_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sqlite_db.h"
#include "server/server_schema.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::IsOk;
using testing::TempDir;

constexpr char kSelect[] =
    "SELECT seq, device_id, device_seq, hlc, flags, body, received_ms "
    "FROM changes WHERE seq > ?1 AND seq <= ?2";
constexpr char kOrder[] = " ORDER BY seq LIMIT ?3";

std::string Filtered(const std::string& where) {
  return std::string(kSelect) + " AND (" + where + ")" + kOrder;
}

TEST(BuildFeedQuery, AllReadsTheFeedStraight) {
  const FeedQuery q = BuildFeedQuery(AreaSet{true, {"110101"}});
  EXPECT_EQ(q.sql, std::string(kSelect) + kOrder);
  EXPECT_THAT(q.codes, IsEmpty());
}

TEST(BuildFeedQuery, CountiesOnlyTestTheCounty) {
  const FeedQuery q = BuildFeedQuery(AreaSet{false, {"110101", "120102"}});
  EXPECT_EQ(q.sql, Filtered("county IN (?4,?5)"));
  EXPECT_THAT(q.codes, ElementsAre("110101", "120102"));
}

TEST(BuildFeedQuery, TownshipsOnlyTestTheTownship) {
  const FeedQuery q = BuildFeedQuery(AreaSet{false, {"110101001"}});
  EXPECT_EQ(q.sql, Filtered("township IN (?4)"));
  EXPECT_THAT(q.codes, ElementsAre("110101001"));
}

TEST(BuildFeedQuery, BothBindTheCountiesFirstInTheirOrder) {
  const FeedQuery q = BuildFeedQuery(
      AreaSet{false, {"110101001", "130000", "110102003", "120102"}});
  EXPECT_EQ(q.sql, Filtered("county IN (?4,?5) OR township IN (?6,?7)"));
  EXPECT_THAT(q.codes,
              ElementsAre("130000", "120102", "110101001", "110102003"));
}

TEST(BuildFeedQuery, NoAreaSelectsNothing) {
  const FeedQuery q = BuildFeedQuery(AreaSet{false, {}});
  EXPECT_EQ(q.sql, Filtered("0"));
  EXPECT_THAT(q.codes, IsEmpty());
}

// Runs the query for `areas` over a store holding changes 1-4 (see below)
// and returns the sequences it selects.
std::vector<int64_t> Select(Db& db, const AreaSet& areas) {
  const FeedQuery query = BuildFeedQuery(areas);
  auto q = db.Prepare(query.sql);
  EXPECT_THAT(q, IsOk());
  std::vector<int64_t> seqs;
  if (!q.ok()) return seqs;
  q->Bind(1, 0).Bind(2, 100).Bind(3, 100);
  int i = kFeedFirstCodeParam;
  for (const std::string& code : query.codes) q->BindText(i++, code);
  while (true) {
    auto row = q->Step();
    EXPECT_THAT(row, IsOk());
    if (!row.ok() || !*row) break;
    seqs.push_back(q->Int(0));
  }
  return seqs;
}

TEST(BuildFeedQuery, SelectsWhatTheAreasCover) {
  TempDir dir;
  auto db = OpenServerDb(dir.Sub("s.db"));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(
      (*db)->Exec(
          "INSERT INTO changes(seq, device_id, device_seq, kind, county, hlc, "
          "flags, received_ms, body, township) VALUES "
          "(1, x'01', 1, 1, '110101', 1, 0, 0, x'', ''),"
          "(2, x'01', 2, 1, '110101', 2, 0, 0, x'', '110101001'),"
          "(3, x'01', 3, 1, '120102', 3, 0, 0, x'', '120102004'),"
          "(4, x'01', 4, 1, '130000', 4, 0, 0, x'', '')"),
      IsOk());
  Db& d = **db;
  EXPECT_THAT(Select(d, AreaSet{true, {}}), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(Select(d, AreaSet{false, {"110101"}}), ElementsAre(1, 2));
  EXPECT_THAT(Select(d, AreaSet{false, {"110101001"}}), ElementsAre(2));
  EXPECT_THAT(Select(d, AreaSet{false, {"120102004", "130000"}}),
              ElementsAre(3, 4));
  EXPECT_THAT(Select(d, AreaSet{false, {}}), IsEmpty());
}

}  // namespace
}  // namespace fieldsync
