// Areas in sync, end to end: a device receives only its user's areas; an
// area added to the user is back-filled at the next sync without
// downloading again what the device holds (and resumes if broken); an area
// taken away stops flowing and what the device received of it is purged,
// while the inspector's own records stay; an upload outside the user's areas
// is rejected, set aside, and stores nothing.
#include <gtest/gtest.h>

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

constexpr char kHaiyuan[] = "640522";  // the examples' county
constexpr char kOther[] = "640521";

// A spot check in `county` (the example, moved there).
v1::Record SpotCheckIn(const std::string& county, const std::string& notes) {
  v1::Record r = Example(RecordKind::kSpotCheck);
  r.mutable_area()->set_county_code(county);
  r.mutable_area()->set_township_code(county + "100");
  r.mutable_area()->set_village_code(county + "100201");
  r.set_notes(notes);
  return r;
}

std::set<std::string> Counties(Client& c) {
  std::set<std::string> out;
  auto views = c.List(std::nullopt);
  EXPECT_TRUE(views.ok()) << views.status();
  if (!views.ok()) return out;
  for (const RecordView& v : *views) {
    out.insert(v.current.record.area().county_code());
  }
  return out;
}

size_t Count(Client& c) {
  auto views = c.List(std::nullopt);
  return views.ok() ? views->size() : 0;
}

class AreasTest : public ::testing::Test {
 protected:
  AreasTest() : server_(dir_.Sub("server.db")) {
    server_.AddUser("张伟", v1::ROLE_INSPECTOR, {kHaiyuan});
    server_.AddUser("李娜", v1::ROLE_INSPECTOR, {kOther});
    zhang_ = MakeDevice(dir_.Sub("zhang"), server_.address(), "张伟");
    li_ = MakeDevice(dir_.Sub("li"), server_.address(), "李娜");
  }

  void Record(Client& c, const std::string& county, int n) {
    for (int i = 0; i < n; ++i) {
      FS_ASSERT_OK(c.Record(SpotCheckIn(county, absl::StrCat("第", i, "条"))));
    }
  }

  void SetAreas(const std::string& user, std::vector<std::string> areas) {
    FS_ASSERT_OK(
        server_.accounts()->SetAreas(user, std::move(areas), "admin:test", 1));
  }

  TempDir dir_;
  TestServer server_;
  std::unique_ptr<Client> zhang_, li_;
};

TEST_F(AreasTest, ADeviceReceivesOnlyItsUsersAreas) {
  Record(*zhang_, kHaiyuan, 3);
  Record(*li_, kOther, 2);
  ASSERT_TRUE(zhang_->Sync().ok());
  ASSERT_TRUE(li_->Sync().ok());
  auto z = zhang_->Sync();
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->new_from_others, 0u);
  EXPECT_EQ(Counties(*zhang_), std::set<std::string>{kHaiyuan});
  EXPECT_EQ(Count(*zhang_), 3u);
  EXPECT_EQ(Counties(*li_), std::set<std::string>{kOther});
  // The cursor passed the other county's changes: the next sync is a no-op.
  auto again = zhang_->Sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->round_trips, 1u);
  EXPECT_EQ(again->downloaded, 0u);
}

TEST_F(AreasTest, AWidenedAreaIsBackFilledWithoutDownloadingAgain) {
  Record(*zhang_, kHaiyuan, 3);
  Record(*li_, kOther, 4);
  ASSERT_TRUE(li_->Sync().ok());
  ASSERT_TRUE(zhang_->Sync().ok());
  ASSERT_EQ(Count(*zhang_), 3u);

  SetAreas("张伟", {kHaiyuan, kOther});
  auto r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->areas_added, std::vector<std::string>{kOther});
  EXPECT_EQ(r->backfilled, 4u);
  // Only the new county's four changes crossed the wire: nothing held
  // already was sent again.
  EXPECT_EQ(r->downloaded, 4u);
  EXPECT_EQ(Count(*zhang_), 7u);
  auto server = server_.store()->Summarize();
  auto device = zhang_->Summarize();
  ASSERT_TRUE(server.ok() && device.ok());
  EXPECT_EQ(device->digest, server->digest);  // it now holds everything

  // New changes of the added county flow normally from then on.
  Record(*li_, kOther, 1);
  ASSERT_TRUE(li_->Sync().ok());
  r = zhang_->Sync();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->new_from_others, 1u);
  EXPECT_EQ(r->backfilled, 0u);
  EXPECT_EQ(Count(*zhang_), 8u);
}

TEST_F(AreasTest, ABrokenBackFillResumesWhereItStopped) {
  Record(*li_, kOther, 3);
  ASSERT_TRUE(li_->Sync().ok());
  ClientTuning tuning;
  tuning.download_page = 1;
  auto z = MakeDevice(dir_.Sub("zhang2"), server_.address(), "张伟", nullptr,
                      tuning);
  Record(*z, kHaiyuan, 1);
  ASSERT_TRUE(z->Sync().ok());  // cursor now past the other county's three
  SetAreas("张伟", {kHaiyuan, kOther});
  server_.faults()->FailFeedRead(2);  // the back-fill breaks after one page
  auto broken = z->Sync();
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(Count(*z), 2u);  // its own record and the first page
  auto st = z->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->areas.find("640521 (back-filling)"), std::string::npos)
      << st->areas;
  auto resumed = z->Sync();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->backfilled, 2u);  // the two pages still missing
  EXPECT_EQ(resumed->downloaded, 2u);
  EXPECT_EQ(Count(*z), 4u);
  st = z->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->areas, "640521, 640522");
}

TEST_F(AreasTest, ANarrowedAreaStopsFlowingAndIsPurgedButOwnRecordsStay) {
  SetAreas("张伟", {kHaiyuan, kOther});
  Record(*li_, kOther, 3);
  ASSERT_TRUE(li_->Sync().ok());
  Record(*zhang_, kHaiyuan, 2);
  Record(*zhang_, kOther, 1);  // his own record in the other county
  ASSERT_TRUE(zhang_->Sync().ok());
  ASSERT_EQ(Count(*zhang_), 6u);

  SetAreas("张伟", {kHaiyuan});
  auto r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->areas_removed, std::vector<std::string>{kOther});
  EXPECT_EQ(r->purged, 3u);       // 李娜's three
  EXPECT_EQ(Count(*zhang_), 3u);  // his two in 640522 and his own in 640521
  auto views = zhang_->List(std::nullopt);
  ASSERT_TRUE(views.ok());
  for (const RecordView& v : *views) {
    EXPECT_EQ(v.current.record.author(), "张伟");
  }
  auto st = zhang_->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->areas, "640522");

  // The county no longer flows to him...
  Record(*li_, kOther, 1);
  ASSERT_TRUE(li_->Sync().ok());
  r = zhang_->Sync();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->new_from_others, 0u);
  // ...and what he records there now is refused, set aside with the reason,
  // stores nothing, and does not block his record behind it.
  auto before = server_.store()->Summarize();
  ASSERT_TRUE(before.ok());
  Record(*zhang_, kOther, 1);
  Record(*zhang_, kHaiyuan, 1);
  r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->accepted, 1u);
  ASSERT_EQ(r->new_rejections.size(), 1u);
  EXPECT_EQ(r->new_rejections[0].code,
            static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_NE(r->new_rejections[0].reason.find("outside the areas of user 张伟"),
            std::string::npos)
      << r->new_rejections[0].reason;
  auto after = server_.store()->Summarize();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->changes, before->changes + 1);
  st = zhang_->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->rejected, 1u);
  EXPECT_EQ(st->pending, 0u);

  // Given the county back, he gets 李娜's records again.
  SetAreas("张伟", {kHaiyuan, kOther});
  r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->backfilled, 4u);
  auto server = server_.store()->Summarize();
  auto device = zhang_->Summarize();
  ASSERT_TRUE(server.ok() && device.ok());
  EXPECT_EQ(device->digest, server->digest);
}

TEST_F(AreasTest, AReviewerMadeInspectorKeepsOnlyTheNewAreasAndTracksThem) {
  Record(*zhang_, kHaiyuan, 2);
  Record(*li_, kOther, 3);
  ASSERT_TRUE(zhang_->Sync().ok());
  ASSERT_TRUE(li_->Sync().ok());
  server_.AddUser("审核员", v1::ROLE_REVIEWER, {});
  auto rev = MakeDevice(dir_.Sub("rev"), server_.address(), "审核员");
  ASSERT_TRUE(rev->Sync().ok());
  ASSERT_EQ(Count(*rev), 5u);
  // The reviewer becomes an inspector of both counties, then of one.
  FS_ASSERT_OK(server_.accounts()->SetRole("审核员", v1::ROLE_INSPECTOR,
                                           "admin:test", 1));
  SetAreas("审核员", {kHaiyuan, kOther});
  auto r = rev->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->purged, 0u);
  EXPECT_EQ(r->backfilled, 0u);  // it held both already
  auto st = rev->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->areas, "640521, 640522");  // tracked, not lost
  SetAreas("审核员", {kHaiyuan});
  r = rev->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->purged, 3u);
  EXPECT_EQ(Counties(*rev), std::set<std::string>{kHaiyuan});
}

TEST_F(AreasTest, ACountyNarrowedToOneOfItsTownships) {
  // 张伟's records: one in township 640522100 (the example's), one in
  // another township of the same county, received by a second device.
  v1::Record in_township = SpotCheckIn(kHaiyuan, "本乡");
  v1::Record elsewhere = SpotCheckIn(kHaiyuan, "别的乡");
  elsewhere.mutable_area()->set_township_code("640522101");
  elsewhere.mutable_area()->set_village_code("640522101201");
  FS_ASSERT_OK(zhang_->Record(in_township));
  FS_ASSERT_OK(zhang_->Record(elsewhere));
  ASSERT_TRUE(zhang_->Sync().ok());
  server_.AddUser("王芳", v1::ROLE_INSPECTOR, {kHaiyuan});
  auto wang = MakeDevice(dir_.Sub("wang"), server_.address(), "王芳");
  ASSERT_TRUE(wang->Sync().ok());
  ASSERT_EQ(Count(*wang), 2u);
  SetAreas("王芳", {"640522100"});
  auto r = wang->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->purged, 1u);
  EXPECT_EQ(r->backfilled, 0u);  // the township was held as part of the county
  auto views = wang->List(std::nullopt);
  ASSERT_TRUE(views.ok());
  ASSERT_EQ(views->size(), 1u);
  EXPECT_EQ((*views)[0].current.record.area().township_code(), "640522100");
  auto st = wang->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->areas, "640522100");
}

TEST_F(AreasTest, LoggingInAgainEndsTheDevicesEarlierToken) {
  LoginOptions login;
  login.user = "张伟";
  login.password = testing::kTestPassword;
  FS_ASSERT_OK(zhang_->Login(login));
  auto tokens = server_.accounts()->ListTokens("张伟");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  int live = 0;
  for (const TokenRecord& t : *tokens) live += t.revoked_ms == 0 ? 1 : 0;
  EXPECT_EQ(live, 1);
  EXPECT_TRUE(zhang_->Sync().ok());
}

TEST_F(AreasTest, AreasChangedDuringASyncAreReconciledBeforeReadingOn) {
  SetAreas("张伟", {kHaiyuan, kOther});
  ASSERT_TRUE(zhang_->Sync().ok());
  Record(*li_, kOther, 3);
  ASSERT_TRUE(li_->Sync().ok());
  // Between this sync's handshake and its download, 640521 is taken away;
  // it is given back before the next sync.
  Record(*zhang_, kHaiyuan, 1);
  server_.faults()->AfterNextBatch([&] { SetAreas("张伟", {kHaiyuan}); });
  auto r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Counties(*zhang_), std::set<std::string>{kHaiyuan});
  SetAreas("张伟", {kHaiyuan, kOther});
  r = zhang_->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->backfilled, 3u);  // 李娜's three were not skipped for good
  auto server = server_.store()->Summarize();
  auto device = zhang_->Summarize();
  ASSERT_TRUE(server.ok() && device.ok());
  EXPECT_EQ(device->digest, server->digest);
}

TEST_F(AreasTest, AReviewerSeesEveryCounty) {
  Record(*zhang_, kHaiyuan, 2);
  Record(*li_, kOther, 2);
  ASSERT_TRUE(zhang_->Sync().ok());
  ASSERT_TRUE(li_->Sync().ok());
  server_.AddUser("审核员", v1::ROLE_REVIEWER, {});
  auto reviewer = MakeDevice(dir_.Sub("rev"), server_.address(), "审核员");
  auto r = reviewer->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Count(*reviewer), 4u);
  auto st = reviewer->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->areas, "all counties");
}

}  // namespace
}  // namespace fieldsync
