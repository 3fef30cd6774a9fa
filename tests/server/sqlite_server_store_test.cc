// The SQLite server store on its own: durability of outcomes and the
// high-water mark across a restart, and refusing files it cannot trust.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>

#include "common/hlc.h"
#include "common/record_id.h"
#include "common/sqlite_db.h"
#include "common/validate.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::TempDir;

constexpr int64_t kNow = 1'780'000'000'000;

// What the service hands the store: bytes and their parse, which the store
// only borrows (the request and its arena own them in the server).
struct Owned {
  std::deque<std::string> bytes;
  std::deque<v1::ChangeBody> bodies;

  PreparedChange Prepare(uint64_t seq, const std::string& device,
                         v1::ChangeBody body) {
    bodies.push_back(std::move(body));
    bytes.push_back(bodies.back().SerializeAsString());
    PreparedChange p;
    p.device_seq = seq;
    p.effective_hlc = PackHlc(kNow, seq);
    p.body = bytes.back();
    auto parsed = ParseChangeBody(p.body, device, 1 << 20);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    p.parsed = &bodies.back();
    return p;
  }
};

// Registers each device with the store, as a handshake does.
void Register(ServerStore& store, std::initializer_list<std::string> devices) {
  for (const std::string& d : devices) {
    DeviceHello h;
    h.device_id = d;
    h.now_ms = kNow;
    auto hw = store.RegisterDevice(h);
    EXPECT_TRUE(hw.ok()) << hw.status();
  }
}

v1::ChangeBody Report(const std::string& device) {
  FakeClock clock(kNow);
  v1::ChangeBody body;
  v1::Record* r = body.mutable_record();
  *r = Example(RecordKind::kMonthlyReport);
  r->set_id(NewRecordId(clock));
  r->set_author("王芳");
  r->set_device_id(device);
  return body;
}

TEST(SqliteServerStore, OutcomesAndHighWaterSurviveARestart) {
  TempDir dir;
  Owned owned;
  const std::string device = NewDeviceId();
  std::string digest;
  std::vector<v1::ChangeOutcome> original;
  {
    auto store = SqliteServerStore::Open(dir.Sub("s.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    DeviceHello hello;
    hello.device_id = device;
    hello.now_ms = kNow;
    ASSERT_TRUE((*store)->RegisterDevice(hello).ok());
    std::vector<PreparedChange> batch = {
        owned.Prepare(1, device, Report(device)),
        owned.Prepare(2, device, Report(device))};
    auto out = (*store)->ApplyBatch({device, "test", kNow}, batch, nullptr);
    ASSERT_TRUE(out.ok()) << out.status();
    original = *out;
    digest = (*store)->Summarize()->digest;
  }
  auto store = SqliteServerStore::Open(dir.Sub("s.db"));
  ASSERT_TRUE(store.ok());
  DeviceHello hello;
  hello.device_id = device;
  hello.now_ms = kNow + 1;
  auto hw = (*store)->RegisterDevice(hello);
  ASSERT_TRUE(hw.ok());
  EXPECT_EQ(*hw, 2u);
  // A retry after the restart: the same outcomes, nothing applied again.
  std::vector<PreparedChange> batch = {
      owned.Prepare(1, device, Report(device)),
      owned.Prepare(2, device, Report(device))};
  // Same bytes as before are needed for a retry; rebuild from the feed.
  v1::DownloadPage page;
  ASSERT_TRUE((*store)
                  ->ReadFeed(0, 10, 10, 1 << 20, "", AreaSet{true, {}}, &page)
                  .ok());
  ASSERT_EQ(page.entries_size(), 2);
  for (int i = 0; i < 2; ++i) {
    batch[i].body = page.entries(i).body();
  }
  // A page also ends at its byte budget, after at least one entry, and then
  // resumes after that entry.
  v1::DownloadPage small;
  ASSERT_TRUE(
      (*store)->ReadFeed(0, 10, 10, 1, "", AreaSet{true, {}}, &small).ok());
  ASSERT_EQ(small.entries_size(), 1);
  EXPECT_EQ(small.last_seq(), small.entries(0).server_seq());
  v1::DownloadPage rest;
  ASSERT_TRUE((*store)
                  ->ReadFeed(small.last_seq(), 10, 10, 1 << 20, "",
                             AreaSet{true, {}}, &rest)
                  .ok());
  ASSERT_EQ(rest.entries_size(), 1);
  EXPECT_EQ(rest.last_seq(), 10u);  // a short page: everything up to 10 seen
  auto again = (*store)->ApplyBatch({device, "test", kNow + 2}, batch, nullptr);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ((*again)[i].SerializeAsString(), original[i].SerializeAsString());
  }
  EXPECT_EQ((*store)->Summarize()->changes, 2u);
  EXPECT_EQ((*store)->Summarize()->digest, digest);
}

TEST(SqliteServerStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  {
    std::ofstream f(dir.Sub("junk.db"));
    f << std::string(8192, 'j');
  }
  auto store = SqliteServerStore::Open(dir.Sub("junk.db"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss)
      << store.status();
}

TEST(SqliteServerStore, RefusesANewerSchema) {
  TempDir dir;
  {
    auto db = Db::Open(dir.Sub("new.db"));
    ASSERT_TRUE(db.ok());
    FS_ASSERT_OK((*db)->Exec("PRAGMA user_version = 99"));
  }
  auto store = SqliteServerStore::Open(dir.Sub("new.db"));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"),
            std::string::npos);
}

TEST(SqliteServerStore, RevisionByAnotherAuthorIsRejected) {
  TempDir dir;
  auto store = SqliteServerStore::Open(dir.Sub("s.db"));
  ASSERT_TRUE(store.ok());
  const std::string d1 = NewDeviceId(), d2 = NewDeviceId();
  Register(**store, {d1, d2});
  Owned owned;
  std::vector<PreparedChange> b1 = {owned.Prepare(1, d1, Report(d1))};
  ASSERT_TRUE((*store)->ApplyBatch({d1, "test", kNow}, b1, nullptr).ok());
  // Device 2, another author, sends a "revision" of device 1's record.
  v1::ChangeBody body = Report(d2);
  body.mutable_record()->set_id(b1[0].parsed->record().id());
  body.mutable_record()->set_author("冒名者");
  PreparedChange forged = owned.Prepare(1, d2, body);
  std::vector<PreparedChange> b2 = {forged};
  auto out = (*store)->ApplyBatch({d2, "test", kNow}, b2, nullptr);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->at(0).status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(out->at(0).code(),
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_NE(out->at(0).reason().find("only the author (王芳)"),
            std::string::npos);
  EXPECT_EQ((*store)->Summarize()->changes, 1u);
}

// A store of schema version 2 kept each record's county, author and head
// stamp in its records row; version 3 reads them from the change row. The
// upgrade keeps every record, and the revision rules still hold.
TEST(SqliteServerStore, AVersion2StoreIsUpgradedAndItsRulesStillHold) {
  TempDir dir;
  const std::string path = dir.Sub("s.db");
  const std::string d1 = NewDeviceId();
  Owned owned;
  std::vector<PreparedChange> first = {owned.Prepare(1, d1, Report(d1)),
                                       owned.Prepare(2, d1, Report(d1))};
  {
    auto store = SqliteServerStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    Register(**store, {d1});
    ASSERT_TRUE((*store)->ApplyBatch({d1, "test", kNow}, first, nullptr).ok());
  }
  {  // Back to the version-2 shape of the records table.
    auto db = Db::Open(path);
    ASSERT_TRUE(db.ok());
    FS_ASSERT_OK((*db)->Exec(testing::RecordsTableOfVersion2Sql("王芳")));
  }
  auto store = SqliteServerStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  {
    auto db = Db::Open(path);
    ASSERT_TRUE(db.ok());
    EXPECT_EQ(*(*db)->UserVersion(), 3);
    auto q = (*db)->Prepare(
        "SELECT group_concat(name) FROM "
        "pragma_table_info('records')");
    ASSERT_TRUE(q.ok());
    ASSERT_TRUE(*q->Step());
    EXPECT_EQ(q->Text(0), "record_id,kind,head_locator,revisions");
  }
  EXPECT_EQ((*store)->Summarize()->records, 2u);
  // A revision by the author is accepted; one by another name is not.
  v1::ChangeBody revision = Report(d1);
  revision.mutable_record()->set_id(first[0].parsed->record().id());
  v1::ChangeBody forged = revision;
  forged.mutable_record()->set_author("冒名者");
  std::vector<PreparedChange> next = {owned.Prepare(3, d1, revision),
                                      owned.Prepare(4, d1, forged)};
  auto out = (*store)->ApplyBatch({d1, "test", kNow}, next, nullptr);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->at(0).status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(out->at(1).code(),
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_NE(out->at(1).reason().find("only the author (王芳)"),
            std::string::npos)
      << out->at(1).reason();
  EXPECT_EQ((*store)->Summarize()->records, 2u);
}

// The same changes, sent in large batches (where runs of new records take
// the bulk path) and one per batch (where none can), get the same outcomes
// and leave the same state: revisions inside a batch, a revision by another
// author, a change the service refused and a retry of a whole batch included.
TEST(SqliteServerStore, BulkPathDecidesAsOneByOne) {
  TempDir dir;
  const std::string d1 = NewDeviceId(), d2 = NewDeviceId();
  Owned owned;
  // Device 2's record, which device 1 will try to revise under another name.
  const v1::ChangeBody other = Report(d2);
  std::vector<PreparedChange> changes;
  for (uint64_t seq = 1; seq <= 150; ++seq) {
    v1::ChangeBody body = Report(d1);
    if (seq == 40 || seq == 41) {  // revisions of the 10th and of the 40th
      body.mutable_record()->set_id(changes[9].parsed->record().id());
    } else if (seq == 90) {  // inside a group of new records: not the author
      body.mutable_record()->set_id(other.record().id());
      body.mutable_record()->set_author("冒名者");
    } else if (seq == 140) {  // revises a record of an earlier batch
      body.mutable_record()->set_id(changes[99].parsed->record().id());
    }
    changes.push_back(owned.Prepare(seq, d1, body));
    if (seq == 70) {  // refused by the service's checks
      changes.back().verdict = absl::InvalidArgumentError("refused");
      changes.back().parsed = nullptr;
    }
  }
  struct Result {
    std::vector<std::string> outcomes;
    StoreSummary summary;
  };
  auto run = [&](const std::string& name, size_t batch_size) -> Result {
    auto store = SqliteServerStore::Open(dir.Sub(name));
    EXPECT_TRUE(store.ok()) << store.status();
    Result r;
    if (!store.ok()) return r;
    Register(**store, {d1, d2});
    Owned mine;
    std::vector<PreparedChange> first = {mine.Prepare(1, d2, other)};
    EXPECT_TRUE((*store)->ApplyBatch({d2, "test", kNow}, first, nullptr).ok());
    for (size_t i = 0; i < changes.size(); i += batch_size) {
      std::vector<PreparedChange> batch(
          changes.begin() + i,
          changes.begin() + std::min(changes.size(), i + batch_size));
      auto out = (*store)->ApplyBatch({d1, "test", kNow}, batch, nullptr);
      EXPECT_TRUE(out.ok()) << out.status();
      if (!out.ok()) return r;
      for (const auto& o : *out) r.outcomes.push_back(o.SerializeAsString());
    }
    // A retry of everything answers the same, applying nothing.
    std::vector<PreparedChange> all = changes;
    auto again = (*store)->ApplyBatch({d1, "test", kNow}, all, nullptr);
    EXPECT_TRUE(again.ok()) << again.status();
    if (again.ok()) {
      for (size_t i = 0; i < again->size(); ++i) {
        EXPECT_EQ((*again)[i].SerializeAsString(), r.outcomes[i]) << i;
      }
    }
    r.summary = *(*store)->Summarize();
    return r;
  };
  const Result bulk = run("bulk.db", 100);
  const Result single = run("single.db", 1);
  ASSERT_EQ(bulk.outcomes.size(), 150u);
  EXPECT_EQ(bulk.outcomes, single.outcomes);
  EXPECT_EQ(bulk.summary.digest, single.summary.digest);
  // 150 sent, 2 rejected (the 70th and the 90th); 3 revisions, so 145 of
  // device 1's records and device 2's one.
  EXPECT_EQ(bulk.summary.changes, 149u);
  EXPECT_EQ(bulk.summary.records, 146u);
  EXPECT_EQ(single.summary.records, 146u);
  EXPECT_EQ(bulk.summary.rejected, 2u);
  v1::ChangeOutcome o;
  ASSERT_TRUE(o.ParseFromString(bulk.outcomes[89]));
  EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_REJECTED);
  EXPECT_EQ(o.code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  ASSERT_TRUE(o.ParseFromString(bulk.outcomes[69]));
  EXPECT_EQ(o.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(o.ParseFromString(bulk.outcomes[149]));
  EXPECT_EQ(o.status(), v1::OUTCOME_STATUS_ACCEPTED);
  EXPECT_EQ(o.server_seq(), 149u);  // after device 2's and 147 of its own
}

}  // namespace
}  // namespace fieldsync
