// Convergence: devices record, revise and edit shared entity fields in a
// random interleaving with random syncs; once everyone has synced, every
// device and the server hold the same state (same digest, same current
// revisions, same entity values and the same flagged conflicts).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::MakeDevice;
using testing::TempDir;
using testing::TestServer;

struct Snapshot {
  std::string digest;
  std::map<std::string, std::string> current;   // record id -> head origin
  std::map<std::string, std::string> entities;  // entity/field -> value+flag
};

Snapshot Take(Client& c, const std::vector<std::string>& entity_ids) {
  Snapshot s;
  auto sum = c.Summarize();
  EXPECT_TRUE(sum.ok());
  s.digest = sum->digest;
  auto views = c.List(std::nullopt);
  EXPECT_TRUE(views.ok());
  for (const auto& v : *views) {
    s.current[v.id] = absl::StrCat(v.current.device_id, "/",
                                   v.current.device_seq, "/", v.revisions);
  }
  for (const auto& id : entity_ids) {
    auto fields = c.GetEntity(v1::ENTITY_TYPE_TRAINEE, id);
    if (!fields.ok()) continue;
    for (const auto& f : *fields) {
      s.entities[absl::StrCat(id, "/", f.field, "/", f.hlc, "/", f.device_id)] =
          absl::StrCat(f.value, f.conflict ? " (conflict)" : "");
    }
  }
  return s;
}

class ConvergenceTest : public ::testing::TestWithParam<int> {};

TEST_P(ConvergenceTest, AllReplicasConvergeWhateverTheOrder) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));
  std::vector<std::unique_ptr<Client>> devices;
  for (int i = 0; i < 3; ++i) {
    devices.push_back(MakeDevice(dir.Sub(absl::StrCat("d", i)),
                                 server.address(),
                                 absl::StrCat("inspector", i)));
  }
  const std::vector<std::string> trainees = {"TRN-1", "TRN-2"};
  const std::vector<std::string> fields = {"name", "class_id"};
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  std::vector<std::vector<std::string>> own(devices.size());
  int syncs = 0, edits = 0;
  for (int step = 0; step < 120; ++step) {
    const size_t d = rng() % devices.size();
    Client& c = *devices[d];
    switch (rng() % 4) {
      case 0: {
        const auto& kinds = testing::InspectorKinds();
        auto id = c.Record(Example(kinds[rng() % kinds.size()]));
        ASSERT_TRUE(id.ok()) << id.status();
        own[d].push_back(*id);
        break;
      }
      case 1: {
        if (own[d].empty()) break;
        const std::string& id = own[d][rng() % own[d].size()];
        auto revs = c.Show(id);
        ASSERT_TRUE(revs.ok());
        v1::Record r = revs->back().record;
        r.set_notes(absl::StrCat("revised at step ", step));
        FS_ASSERT_OK(c.Revise(id, r));
        break;
      }
      case 2: {
        v1::EntityEdit e;
        e.set_entity_type(v1::ENTITY_TYPE_TRAINEE);
        e.set_entity_id(trainees[rng() % trainees.size()]);
        e.mutable_area()->set_county_code("640522");
        for (const auto& f : fields) {
          if (rng() % 2) continue;
          auto* w = e.add_writes();
          w->set_field(f);
          w->set_value(absl::StrCat(f, "-by-", d, "-step-", step));
        }
        if (e.writes().empty()) e.add_writes()->set_field("name");
        FS_ASSERT_OK(c.EditEntity(e));
        ++edits;
        break;
      }
      default: {
        auto r = c.Sync();
        ASSERT_TRUE(r.ok()) << r.status();
        ++syncs;
      }
    }
  }
  // Everyone syncs; the second round brings what others sent in the first.
  for (int round = 0; round < 2; ++round) {
    for (auto& c : devices) {
      auto r = c->Sync();
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(ss.ok());
  const Snapshot first = Take(*devices[0], trainees);
  EXPECT_EQ(first.digest, ss->digest);
  EXPECT_FALSE(first.current.empty());
  EXPECT_FALSE(first.entities.empty());
  for (size_t i = 1; i < devices.size(); ++i) {
    const Snapshot other = Take(*devices[i], trainees);
    EXPECT_EQ(other.digest, first.digest) << "device " << i;
    EXPECT_EQ(other.current, first.current) << "device " << i;
    EXPECT_EQ(other.entities, first.entities) << "device " << i;
  }
  auto s0 = devices[0]->Summarize();
  ASSERT_TRUE(s0.ok());
  EXPECT_EQ(s0->conflicts, ss->conflicts);
  EXPECT_EQ(s0->records, ss->records);
  EXPECT_EQ(s0->entities, ss->entities);
  EXPECT_GT(syncs, 0);
  EXPECT_GT(edits, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ConvergenceTest, ::testing::Values(1, 2, 3, 4));

TEST(Convergence, ConcurrentLosingWriteIsKeptAndFlagged) {
  TempDir dir;
  FakeClock clock(1'780'000'000'000);
  TestServer server(dir.Sub("server.db"), &clock);
  auto a = MakeDevice(dir.Sub("a"), server.address(), "张伟", &clock);
  auto b = MakeDevice(dir.Sub("b"), server.address(), "李娜", &clock);
  auto edit = [](const std::string& value) {
    return testing::TraineeEdit("TRN-7", "640522", "name", value);
  };
  // Both edit offline, neither having seen the other's value.
  FS_ASSERT_OK(a->EditEntity(edit("employed")));
  clock.Advance(1000);
  FS_ASSERT_OK(b->EditEntity(edit("unemployed")));  // later HLC: wins
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(a->Sync().ok());
  for (Client* c : {a.get(), b.get()}) {
    auto f = c->GetEntity(v1::ENTITY_TYPE_TRAINEE, "TRN-7");
    ASSERT_TRUE(f.ok()) << f.status();
    ASSERT_EQ(f->size(), 2u);
    EXPECT_EQ(f->at(0).value, "unemployed");
    EXPECT_FALSE(f->at(0).conflict);
    EXPECT_EQ(f->at(1).value, "employed");  // the loser is kept...
    EXPECT_TRUE(f->at(1).conflict);         // ...and flagged for review
  }
  auto ss = server.store()->Summarize();
  ASSERT_TRUE(ss.ok());
  EXPECT_EQ(ss->conflicts, 1u);

  // A later edit made after seeing the winner settles the field: the earlier
  // writes become history (kept in field_writes) and nothing is flagged.
  clock.Advance(1000);
  FS_ASSERT_OK(a->EditEntity(edit("employed again")));
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  auto f = b->GetEntity(v1::ENTITY_TYPE_TRAINEE, "TRN-7");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ(f->at(0).value, "employed again");
  EXPECT_FALSE(f->at(0).conflict);
  auto settled = server.store()->Summarize();
  ASSERT_TRUE(settled.ok());
  EXPECT_EQ(settled->conflicts, 0u);
}

}  // namespace
}  // namespace fieldsync
