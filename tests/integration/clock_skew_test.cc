// Wrong device clocks: a device whose clock is days ahead is flagged at the
// handshake, its changes are clamped to server time + the skew bound (and
// flagged), so an honest later edit wins the merge on every replica.
#include <gtest/gtest.h>

#include "common/hlc.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::MakeDevice;
using testing::TempDir;
using testing::TestServer;

constexpr int64_t kT = 1'780'000'000'000;  // 2026-05-28
constexpr int64_t kDay = 24 * 3600 * 1000;
constexpr int64_t kMinute = 60 * 1000;

v1::EntityEdit Status(const std::string& value) {
  return testing::TraineeEdit("TRN-640522-00421", "640522", "name", value);
}

TEST(ClockSkew, DeviceDaysAheadIsClampedAndFlaggedAndCannotWinForever) {
  TempDir dir;
  FakeClock server_clock(kT), fast_clock(kT + 3 * kDay), honest_clock(kT);
  ServerLimits limits;  // max_clock_skew_ms = 5 minutes
  TestServer server(dir.Sub("server.db"), &server_clock, limits);
  auto fast =
      MakeDevice(dir.Sub("fast"), server.address(), "张伟", &fast_clock);
  auto honest =
      MakeDevice(dir.Sub("honest"), server.address(), "李娜", &honest_clock);

  auto fast_hlc = fast->EditEntity(Status("employed"));
  ASSERT_TRUE(fast_hlc.ok());
  EXPECT_EQ(HlcWallMs(*fast_hlc), static_cast<uint64_t>(kT + 3 * kDay));

  auto r = fast->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->clock_flagged);
  EXPECT_EQ(r->clock_offset_ms, 3 * kDay);
  auto st = fast->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->clock_flagged);

  // The server kept it at server time + 5 minutes, flagged.
  v1::DownloadPage page;
  FS_ASSERT_OK(server.store()->ReadFeed(0, 10, 10, 1 << 20, "",
                                        AreaSet{true, {}}, &page));
  ASSERT_EQ(page.entries_size(), 1);
  EXPECT_EQ(page.entries(0).hlc(), PackHlc(kT + limits.max_clock_skew_ms, 0));
  EXPECT_TRUE(page.entries(0).flags() & v1::CHANGE_FLAG_CLOCK_CLAMPED);
  // The fast device holds the clamped value too (same state as the server).
  auto mine = fast->GetEntity(v1::ENTITY_TYPE_TRAINEE, "TRN-640522-00421");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->at(0).hlc, PackHlc(kT + limits.max_clock_skew_ms, 0));

  // Ten minutes later an honest inspector corrects the field.
  for (FakeClock* c : {&server_clock, &fast_clock, &honest_clock})
    c->Advance(10 * kMinute);
  ASSERT_TRUE(honest->Sync().ok());
  auto honest_hlc = honest->EditEntity(Status("unemployed"));
  ASSERT_TRUE(honest_hlc.ok());
  EXPECT_LT(*honest_hlc, *fast_hlc);  // unclamped, the fast clock would win
  auto hr = honest->Sync();
  ASSERT_TRUE(hr.ok());
  EXPECT_FALSE(hr->clock_flagged);
  ASSERT_TRUE(fast->Sync().ok());

  for (Client* c : {fast.get(), honest.get()}) {
    auto f = c->GetEntity(v1::ENTITY_TYPE_TRAINEE, "TRN-640522-00421");
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_EQ(f->at(0).value, "unemployed");
    EXPECT_FALSE(f->at(0).conflict);  // the honest writer had seen it
  }
  auto sf = fast->Summarize(), sh = honest->Summarize();
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(sf.ok() && sh.ok() && ss.ok());
  EXPECT_EQ(sf->digest, ss->digest);
  EXPECT_EQ(sh->digest, ss->digest);
}

TEST(ClockSkew, DeviceBehindIsFlaggedAndItsNextRecordsOrderAfterWhatItSaw) {
  TempDir dir;
  FakeClock server_clock(kT), slow_clock(kT - 2 * kDay);
  TestServer server(dir.Sub("server.db"), &server_clock);
  auto slow =
      MakeDevice(dir.Sub("slow"), server.address(), "张伟", &slow_clock);
  auto r = slow->Sync();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->clock_flagged);
  EXPECT_EQ(r->clock_offset_ms, -2 * kDay);
  // After the handshake the device's HLC is corrected to server time.
  auto hlc = slow->EditEntity(Status("employed"));
  ASSERT_TRUE(hlc.ok());
  EXPECT_GE(HlcWallMs(*hlc), static_cast<uint64_t>(kT));
}

}  // namespace
}  // namespace fieldsync
