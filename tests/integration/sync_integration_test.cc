// End-to-end sync between real client cores and a real server on 127.0.0.1:
// exactly-once upload, confirmations, rejections that do not block, and
// resumption after a lost response or a broken download.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::MakeDevice;
using testing::TempDir;
using testing::TestServer;

std::multiset<std::string> Ids(Client& c) {
  auto views = c.List(std::nullopt);
  EXPECT_TRUE(views.ok()) << views.status();
  std::multiset<std::string> ids;
  for (const auto& v : *views) ids.insert(v.id);
  return ids;
}

// Five records: one of each kind an inspector records, and a second spot
// check.
void RecordFive(Client& c, std::vector<std::string>* ids) {
  std::vector<RecordKind> kinds = testing::InspectorKinds();
  kinds.push_back(RecordKind::kSpotCheck);
  for (RecordKind k : kinds) {
    auto id = c.Record(Example(k));
    ASSERT_TRUE(id.ok()) << id.status();
    ids->push_back(*id);
  }
}

TEST(SyncIntegration, OfflineRecordsReachEveryDeviceExactlyOnce) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  const std::string addr = server.address();
  auto a = MakeDevice(dir.Sub("a"), addr, "张伟");
  auto b = MakeDevice(dir.Sub("b"), addr, "李娜");
  server.Stop();  // inspectors are in the villages: no network

  std::vector<std::string> ids;
  RecordFive(*a, &ids);
  RecordFive(*b, &ids);
  auto offline = a->Sync();
  EXPECT_EQ(offline.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(offline.status().message().find("safe on this device"),
            std::string::npos)
      << offline.status();
  auto st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 5u);

  server.Restart();  // back in town
  auto ra = a->Sync();
  ASSERT_TRUE(ra.ok()) << ra.status();
  EXPECT_EQ(ra->uploaded, 5u);
  EXPECT_EQ(ra->accepted, 5u);
  EXPECT_EQ(ra->confirmations, 5u);
  EXPECT_EQ(ra->new_from_others, 0u);
  auto rb = b->Sync();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->accepted, 5u);
  EXPECT_EQ(rb->new_from_others, 5u);
  auto ra2 = a->Sync();
  ASSERT_TRUE(ra2.ok()) << ra2.status();
  EXPECT_EQ(ra2->new_from_others, 5u);

  const std::multiset<std::string> expected(ids.begin(), ids.end());
  EXPECT_EQ(expected.size(), 10u);
  EXPECT_EQ(Ids(*a), expected);
  EXPECT_EQ(Ids(*b), expected);

  auto sa = a->Summarize(), sb = b->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sa.ok() && sb.ok() && ss.ok());
  EXPECT_EQ(ss->changes, 10u);
  EXPECT_EQ(ss->records, 10u);
  EXPECT_EQ(sa->changes, 10u);
  EXPECT_EQ(sa->digest, ss->digest);
  EXPECT_EQ(sb->digest, ss->digest);

  // Chinese text and every field round-trip byte for byte.
  auto views = b->List(RecordKind::kSpotCheck);
  ASSERT_TRUE(views.ok());
  ASSERT_EQ(views->size(), 4u);  // two from each device
  for (const auto& v : *views) {
    v1::Record expected_record = Example(RecordKind::kSpotCheck);
    v1::Record got = v.current.record;
    EXPECT_EQ(got.spot_check().occupation(), "中式烹调师");
    EXPECT_EQ(got.notes(), expected_record.notes());
    got.clear_id();
    got.clear_author();
    got.clear_device_id();
    EXPECT_EQ(got.SerializeAsString(), expected_record.SerializeAsString());
    EXPECT_EQ(v.current.state, ChangeState::kAccepted);
  }

  // Nothing left to do: a no-op sync is one round trip.
  auto noop = b->Sync();
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(noop->round_trips, 1u);
  EXPECT_EQ(noop->uploaded + noop->downloaded, 0u);
}

// An upload starts with small batches, so the server starts storing early,
// and doubles them up to the batch size: the audit has one row per batch.
TEST(SyncIntegration, UploadBatchesStartSmallAndDouble) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  ClientTuning tuning;
  tuning.first_upload_batch = 2;
  tuning.upload_batch = 8;
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟", nullptr, tuning);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) RecordFive(*a, &ids);  // 30 changes
  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 30u);
  AuditFilter f;
  f.action = "upload";
  auto rows = server.accounts()->ListAudit(f);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> details;
  for (const AuditEntry& e : *rows) details.push_back(e.detail);
  EXPECT_EQ(details, (std::vector<std::string>{
                         "accepted 2 (server_seq 1-2), rejected 0",
                         "accepted 4 (server_seq 3-6), rejected 0",
                         "accepted 8 (server_seq 7-14), rejected 0",
                         "accepted 8 (server_seq 15-22), rejected 0",
                         "accepted 8 (server_seq 23-30), rejected 0"}));
}

TEST(SyncIntegration, LostUploadResponseAppliesNothingTwice) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  ClientTuning tuning;
  tuning.upload_batch = 3;  // several batches
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟", nullptr, tuning);
  std::vector<std::string> ids;
  RecordFive(*a, &ids);
  RecordFive(*a, &ids);  // 10 changes -> batches of 3,3,3,1

  // The first batch commits on the server, but its response is lost.
  server.faults()->LoseUploadResponses(1);
  auto first = a->Sync();
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable)
      << first.status();
  auto st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 10u);  // the device does not know the outcome yet
  auto mid = server.store()->Summarize();
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->changes, 3u);  // but the server applied the first batch

  auto second = a->Sync();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->uploaded, 10u);  // resent, including the applied three
  EXPECT_EQ(second->accepted, 10u);  // the original outcomes, not duplicates
  auto end = server.store()->Summarize();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->changes, 10u);
  EXPECT_EQ(end->records, 10u);
  st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 0u);
  EXPECT_EQ(st->accepted, 10u);
  auto sa = a->Summarize();
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(sa->digest, end->digest);
}

// An interview note that fits a 300-byte body limit (a spot check does not).
v1::Record SmallRecord() {
  v1::Record small = Example(RecordKind::kInterviewNote);
  small.clear_rubric_links();
  small.mutable_interview_note()->set_notes("短");
  small.mutable_interview_note()->mutable_participants()->DeleteSubrange(1, 1);
  return small;
}

TEST(SyncIntegration, RejectedChangeIsSetAsideAndDoesNotBlockOthers) {
  TempDir dir;
  ServerLimits limits;
  limits.max_change_body_bytes = 300;  // smaller than a full spot check
  TestServer server(dir.Sub("server.db"), nullptr, limits);
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  const v1::Record small = SmallRecord();
  auto id1 = a->Record(small);
  auto id2 = a->Record(Example(RecordKind::kSpotCheck));  // too big: rejected
  auto id3 = a->Record(small);
  ASSERT_TRUE(id1.ok() && id2.ok() && id3.ok());

  auto r = a->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(r->rejected, 1u);
  ASSERT_EQ(r->new_rejections.size(), 1u);
  EXPECT_EQ(r->new_rejections[0].device_seq, 2u);
  EXPECT_EQ(r->new_rejections[0].code,
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(r->new_rejections[0].reason.find("at most 300"), std::string::npos)
      << r->new_rejections[0].reason;

  auto st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, 0u);
  EXPECT_EQ(st->accepted, 2u);
  EXPECT_EQ(st->rejected, 1u);
  ASSERT_EQ(st->rejections.size(), 1u);
  EXPECT_EQ(st->rejections[0].subject, IdToString(*id2));

  // The rejected record is kept on the device (show), not in the shared state.
  auto revs = a->Show(*id2);
  ASSERT_TRUE(revs.ok());
  EXPECT_EQ(revs->at(0).state, ChangeState::kRejected);
  EXPECT_EQ(Ids(*a), (std::multiset<std::string>{*id1, *id3}));

  auto ss = server.store()->Summarize();
  ASSERT_TRUE(ss.ok());
  EXPECT_EQ(ss->changes, 2u);
  EXPECT_EQ(ss->rejected, 1u);
  auto sa = a->Summarize();
  ASSERT_TRUE(sa.ok());
  EXPECT_EQ(sa->digest, ss->digest);
  EXPECT_EQ(sa->records, ss->records);

  // The next sync does not send it again.
  auto again = a->Sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uploaded, 0u);
}

// What a sync's first progress report says is to send (the device's running
// totals) and what the status counts in the outbox.
struct Totals {
  uint64_t count = 0, bytes = 0;
  bool operator==(const Totals&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Totals& t) {
  return os << t.count << " change(s), " << t.bytes << " bytes";
}
Totals Counted(Client& c) {
  auto st = c.Status();
  EXPECT_TRUE(st.ok()) << st.status();
  return st.ok() ? Totals{st->pending, st->pending_bytes} : Totals{};
}
absl::StatusOr<SyncReport> SyncFrom(Client& c, Totals* announced) {
  bool first = true;
  return c.Sync([&](const SyncProgress& p) {
    if (first) *announced = Totals{p.to_send, p.bytes_to_send};
    first = false;
  });
}

// The pending totals a sync announces are kept as running totals (no scan of
// the outbox); they match a count of the outbox after answered and
// unanswered batches, rejections, new records, and in a home from before the
// totals.
TEST(SyncIntegration, PendingTotalsMatchTheOutboxThroughOutcomesAndUpgrades) {
  TempDir dir;
  ServerLimits limits;
  limits.max_change_body_bytes = 300;  // spot checks are rejected
  TestServer server(dir.Sub("server.db"), nullptr, limits);
  ClientTuning tuning;
  tuning.first_upload_batch = 2;
  tuning.upload_batch = 2;
  tuning.upload_window = 1;
  const std::string home = dir.Sub("a");
  auto a = MakeDevice(home, server.address(), "张伟", nullptr, tuning);
  const v1::Record small = SmallRecord();
  const v1::Record big = Example(RecordKind::kSpotCheck);
  for (const v1::Record* r : {&small, &big, &small, &small, &big}) {
    ASSERT_TRUE(a->Record(*r).ok());
  }
  const Totals at_start = Counted(*a);
  EXPECT_EQ(at_start.count, 5u);

  // Batch [1, 2] is answered (one accepted, one rejected); the answer to
  // [3, 4] is lost after the server committed it.
  server.faults()->AfterNextBatch([&server] {
    server.faults()->AfterNextBatch(
        [&server] { server.faults()->LoseUploadResponses(1); });
  });
  Totals announced;
  EXPECT_EQ(SyncFrom(*a, &announced).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(announced, at_start);
  const Totals after_loss = Counted(*a);
  EXPECT_EQ(after_loss.count, 3u);
  EXPECT_GT(after_loss.bytes, 0u);
  EXPECT_LT(after_loss.bytes, at_start.bytes);

  auto r = SyncFrom(*a, &announced);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(announced, after_loss);
  EXPECT_EQ(r->rejected, 1u);  // the second spot check
  EXPECT_EQ(Counted(*a), Totals{});

  // One more record, then the home loses its totals, as one from before
  // them: they are counted again when it is opened.
  ASSERT_TRUE(a->Record(small).ok());
  const Totals one_more = Counted(*a);
  EXPECT_EQ(one_more.count, 1u);
  a.reset();
  {
    auto db = Db::Open(absl::StrCat(home, "/fieldsync.db"));
    ASSERT_TRUE(db.ok());
    FS_ASSERT_OK((*db)->Exec(
        "DELETE FROM meta WHERE key IN ('own_bytes', 'answered_bytes')"));
  }
  ClientOptions o;
  o.home = home;
  o.tuning = tuning;
  auto reopened = Client::Open(o);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  r = SyncFrom(**reopened, &announced);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(announced, one_more);
  r = SyncFrom(**reopened, &announced);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(announced, Totals{});
}

// Two processes on one home: the one that loaded before the other synced
// sends again, gets the original outcomes, and neither applies nor counts
// them twice.
TEST(SyncIntegration, OutcomesAnsweredInAnotherProcessAreNotCountedTwice) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  const std::string home = dir.Sub("a");
  auto first = MakeDevice(home, server.address(), "张伟");
  std::vector<std::string> ids;
  RecordFive(*first, &ids);
  ClientOptions o;
  o.home = home;
  auto second = Client::Open(o);  // loads before the first one syncs
  ASSERT_TRUE(second.ok()) << second.status();
  auto r = first->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 5u);
  ASSERT_TRUE(first->Record(SmallRecord()).ok());
  r = (*second)->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->uploaded, 6u);  // it did not know five were answered
  EXPECT_EQ(r->accepted, 6u);  // the original outcomes and one new
  ASSERT_TRUE(first->Record(SmallRecord()).ok());
  // As a new process sees the outbox (this one's memory is behind).
  auto fresh = Client::Open(o);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  const Totals one_more = Counted(**fresh);
  EXPECT_EQ(one_more.count, 1u);
  fresh->reset();
  Totals announced;
  r = SyncFrom(*first, &announced);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(announced, one_more);
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(ss.ok());
  EXPECT_EQ(ss->changes, 7u);
}

TEST(SyncIntegration, BrokenDownloadResumesFromTheLastWholePage) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) RecordFive(*a, &ids);  // 50 records
  ASSERT_TRUE(a->Sync().ok());

  ClientTuning tuning;
  tuning.download_page = 10;
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜", nullptr, tuning);
  server.faults()->FailFeedRead(3);  // pages 1 and 2 arrive, then it breaks
  auto broken = b->Sync();
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kUnavailable)
      << broken.status();
  auto st = b->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cursor, 20u);
  EXPECT_EQ(st->received, 20u);

  auto resumed = b->Sync();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->downloaded, 30u);  // only what it lacked
  EXPECT_EQ(resumed->new_from_others, 30u);
  const std::multiset<std::string> expected(ids.begin(), ids.end());
  EXPECT_EQ(Ids(*b), expected);
  auto sb = b->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sb.ok() && ss.ok());
  EXPECT_EQ(sb->digest, ss->digest);
}

// An upload's outcomes confirm the device's own changes when nothing came
// between them and its cursor: the cursor moves over them and they are not
// downloaded again. When others' changes came first, those are downloaded
// and the own ones come back as confirmations, as before.
TEST(SyncIntegration, OutcomesConfirmOwnChangesWithoutSkippingOthers) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜");
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(a->Record(Example(RecordKind::kSpotCheck)).ok());
  }
  auto ra = a->Sync();
  ASSERT_TRUE(ra.ok()) << ra.status();
  EXPECT_EQ(ra->accepted, 40u);
  EXPECT_EQ(ra->confirmations, 40u);
  EXPECT_EQ(ra->downloaded, 0u);  // confirmed by the outcomes alone
  auto st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cursor, 40u);

  // Device b's three land after a's forty, before a's next two.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(b->Record(Example(RecordKind::kInterviewNote)).ok());
  }
  auto rb = b->Sync();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->new_from_others, 40u);
  EXPECT_EQ(rb->confirmations, 3u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(a->Record(Example(RecordKind::kDocumentReview)).ok());
  }
  auto ra2 = a->Sync();
  ASSERT_TRUE(ra2.ok()) << ra2.status();
  EXPECT_EQ(ra2->accepted, 2u);
  EXPECT_EQ(ra2->new_from_others, 3u);  // not skipped
  EXPECT_EQ(ra2->confirmations, 2u);
  EXPECT_EQ(ra2->downloaded, 5u);
  ASSERT_TRUE(b->Sync().ok());

  auto sa = a->Summarize(), sb = b->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sa.ok() && sb.ok() && ss.ok());
  EXPECT_EQ(ss->changes, 45u);
  EXPECT_EQ(sa->digest, ss->digest);
  EXPECT_EQ(sb->digest, ss->digest);
  EXPECT_EQ(Ids(*a), Ids(*b));
  st = a->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->cursor, 45u);
  auto noop = a->Sync();
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(noop->round_trips, 1u);
}

// Many records with revisions among them, so that groups of new records
// (which both the server and a receiving device store in bulk) contain a
// revision of a record already held: every device ends with the same
// records, heads and revision counts.
TEST(SyncIntegration, RevisionsAmongManyNewRecordsAreAppliedInOrder) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜");
  std::vector<std::string> ids;
  v1::Record r = Example(RecordKind::kFollowUpVisit);
  for (int i = 0; i < 100; ++i) {
    if (i == 40 || i == 75) {  // revise the 5th, then the 50th
      v1::Record revised = r;
      revised.set_notes(absl::StrCat("更正 ", i));
      FS_ASSERT_OK(a->Revise(ids[i == 40 ? 4 : 49], revised));
    }
    auto id = a->Record(r);
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  ASSERT_TRUE(a->Sync().ok());
  auto rb = b->Sync();
  ASSERT_TRUE(rb.ok()) << rb.status();
  EXPECT_EQ(rb->new_from_others, 102u);
  for (Client* c : {a.get(), b.get()}) {
    auto views = c->List(RecordKind::kFollowUpVisit);
    ASSERT_TRUE(views.ok()) << views.status();
    ASSERT_EQ(views->size(), 100u);
    for (const auto& v : *views) {
      const bool revised = v.id == ids[4] || v.id == ids[49];
      EXPECT_EQ(v.revisions, revised ? 2 : 1) << v.id;
      if (v.id == ids[4]) {
        EXPECT_EQ(v.current.record.notes(), "更正 40");
      }
      if (v.id == ids[49]) {
        EXPECT_EQ(v.current.record.notes(), "更正 75");
      }
    }
  }
  auto sa = a->Summarize(), sb = b->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sa.ok() && sb.ok() && ss.ok());
  EXPECT_EQ(ss->records, 100u);
  EXPECT_EQ(sb->records, 100u);
  EXPECT_EQ(sa->digest, ss->digest);
  EXPECT_EQ(sb->digest, ss->digest);
}

TEST(SyncIntegration, RevisionsAreKeptAndTheLatestIsCurrentEverywhere) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜");
  v1::Record r = Example(RecordKind::kFollowUpVisit);
  auto id = a->Record(r);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(a->Sync().ok());
  r.mutable_follow_up_visit()->set_employed(v1::ANSWER_NO);
  r.mutable_follow_up_visit()->clear_employer();
  r.set_notes("更正：学员已离职");
  FS_ASSERT_OK(a->Revise(*id, r));
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());

  for (Client* c : {a.get(), b.get()}) {
    auto revs = c->Show(*id);
    ASSERT_TRUE(revs.ok()) << revs.status();
    ASSERT_EQ(revs->size(), 2u);  // both revisions kept
    EXPECT_EQ(revs->at(0).record.follow_up_visit().employed(), v1::ANSWER_YES);
    EXPECT_EQ(revs->at(1).record.follow_up_visit().employed(), v1::ANSWER_NO);
    auto views = c->List(RecordKind::kFollowUpVisit);
    ASSERT_TRUE(views.ok());
    ASSERT_EQ(views->size(), 1u);
    EXPECT_EQ(views->at(0).revisions, 2);
    EXPECT_EQ(views->at(0).current.record.notes(), "更正：学员已离职");
  }
  // Another inspector may not revise it: refused on the device already.
  EXPECT_EQ(b->Revise(*id, r).code(), absl::StatusCode::kPermissionDenied);
}

TEST(SyncIntegration, ADeviceHomeRestoredFromAnOlderCopyRefusesToSync) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  std::vector<std::string> ids;
  {
    auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
    RecordFive(*a, &ids);
  }
  // A backup of the home, taken before two more records and a sync.
  std::filesystem::copy(dir.Sub("a"), dir.Sub("a-backup"),
                        std::filesystem::copy_options::recursive);
  {
    ClientOptions o;
    o.home = dir.Sub("a");
    auto a = Client::Open(o);
    ASSERT_TRUE(a.ok());
    FS_ASSERT_OK((*a)->Record(Example(RecordKind::kDocumentReview)).status());
    FS_ASSERT_OK((*a)->Record(Example(RecordKind::kDocumentReview)).status());
    ASSERT_TRUE((*a)->Sync().ok());
  }
  ClientOptions o;
  o.home = dir.Sub("a-backup");
  auto restored = Client::Open(o);
  ASSERT_TRUE(restored.ok());
  // Its next record reuses sequence 6 for other content: refused, clearly.
  FS_ASSERT_OK((*restored)->Record(Example(RecordKind::kSpotCheck)).status());
  auto r = (*restored)->Sync();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("restored from an older copy"),
            std::string::npos)
      << r.status();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(ss.ok());
  EXPECT_EQ(ss->changes, 7u);  // nothing of the restored copy got in
}

v1::EntityEdit TraineeEdit(const std::string& county,
                           const std::string& phone) {
  return testing::TraineeEdit("TRN-640522-00421", county, "name", phone);
}

// Regression: a received change that a pending own change held back (here an
// own edit that put the entity in another county) must join the device's
// state once the server rejects the own change, or the device would differ
// from the server for good.
TEST(SyncIntegration,
     ReceivedChangeHeldBackByAPendingOwnChangeIsFoldedInLater) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟");
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜");
  FS_ASSERT_OK(a->EditEntity(TraineeEdit("640522", "13900000001")));
  ASSERT_TRUE(a->Sync().ok());

  // B starts a sync with nothing to send; as it starts, its inspector saves
  // an edit naming another county. The download then brings A's edit, which
  // B's pending edit holds back.
  bool edited = false;
  auto first = b->Sync([&](const SyncProgress& p) {
    if (p.phase == SyncProgress::Phase::kHandshake && !edited) {
      edited = true;
      EXPECT_TRUE(b->EditEntity(TraineeEdit("640521", "13700000002")).ok());
    }
  });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->new_from_others, 1u);

  // The next sync sends B's edit; the server refuses it (the trainee belongs
  // to 640522) and B folds in A's edit.
  auto second = b->Sync();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->new_rejections.size(), 1u);
  EXPECT_EQ(second->new_rejections[0].code,
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(second->new_rejections[0].reason.find("belongs to county 640522"),
            std::string::npos)
      << second->new_rejections[0].reason;
  auto fields = b->GetEntity(v1::ENTITY_TYPE_TRAINEE, "TRN-640522-00421");
  ASSERT_TRUE(fields.ok()) << fields.status();
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ(fields->at(0).value, "13900000001");
  auto sb = b->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sb.ok() && ss.ok());
  EXPECT_EQ(sb->digest, ss->digest);
  EXPECT_EQ(sb->entities, ss->entities);
}

}  // namespace
}  // namespace fieldsync
