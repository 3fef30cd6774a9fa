// Guarantee 1: a record is committed before Record() returns, so killing the
// process at any instant loses nothing that was reported saved. A child
// process records in a loop and reports each id after Record() returns; the
// parent kills it with SIGKILL at varying points and checks every reported
// id is in the store.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::TempDir;

[[noreturn]] void ChildRecordForever(const std::string& home, int fd) {
  ClientOptions o;
  o.home = home;
  auto c = Client::Open(o);
  if (!c.ok()) _exit(3);
  const v1::Record r = Example(RecordKind::kFollowUpVisit);
  while (true) {
    auto id = (*c)->Record(r);
    if (!id.ok()) _exit(4);
    if (write(fd, id->data(), id->size()) != static_cast<ssize_t>(id->size()))
      _exit(5);
  }
}

TEST(Durability, NothingReportedSavedIsLostWhenKilledAtAnyInstant) {
  TempDir dir;
  const std::string home = dir.Sub("h");
  FS_ASSERT_OK(Client::Init(home, "127.0.0.1:1", "张伟", ""));
  std::set<std::string> reported;
  for (int round = 0; round < 8; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildRecordForever(home, fds[1]);
    }
    close(fds[1]);
    // Let it save a varying number of records, then kill it mid-flight.
    const size_t wait_for = 3 + static_cast<size_t>(round) * 11;
    size_t got = 0;
    char buf[16];
    while (got < wait_for) {
      ssize_t n =
          read(fds[0], buf, sizeof(buf));  // pipe writes of 16 are atomic
      ASSERT_EQ(n, 16) << "child stopped early";
      reported.insert(std::string(buf, 16));
      ++got;
    }
    kill(pid, SIGKILL);
    // Ids it reported before dying are still in the pipe: collect them too.
    while (true) {
      ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n != 16) break;
      reported.insert(std::string(buf, 16));
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status))
        << "child exited with " << WEXITSTATUS(status);
  }
  ClientOptions o;
  o.home = home;
  auto c = Client::Open(o);
  ASSERT_TRUE(c.ok()) << c.status();
  auto list = (*c)->List(std::nullopt);
  ASSERT_TRUE(list.ok()) << list.status();
  std::set<std::string> stored;
  std::set<uint64_t> seqs;
  for (const auto& v : *list) {
    stored.insert(v.id);
    seqs.insert(v.current.device_seq);
  }
  for (const auto& id : reported) {
    EXPECT_TRUE(stored.count(id)) << "reported saved but lost";
  }
  // Sequences stay dense (1..N): no change was half-written or skipped.
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), seqs.size());
  auto st = (*c)->Status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pending, stored.size());
  EXPECT_GE(stored.size(), reported.size());
}

}  // namespace
}  // namespace fieldsync
