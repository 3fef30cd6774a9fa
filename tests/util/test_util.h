// Helpers shared by the tests: temporary folders, the example records, a
// real server on 127.0.0.1 with a port the OS picks, and status assertions.
#ifndef FIELDSYNC_TESTS_UTIL_TEST_UTIL_H_
#define FIELDSYNC_TESTS_UTIL_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/record_kind.h"
#include "fieldsync/client.h"
#include "fieldsync/v1/records.pb.h"
#include "server/server_runner.h"
#include "server/sqlite_account_store.h"
#include "server/sqlite_server_store.h"
#include "tests/util/fault_store.h"

// Asserts a Status (or StatusOr) is OK, printing it otherwise.
#define FS_ASSERT_OK(expr)                                    \
  do {                                                        \
    const auto& fs_s_ = ::fieldsync::testing::ToStatus(expr); \
    ASSERT_TRUE(fs_s_.ok()) << fs_s_;                         \
  } while (0)
#define FS_EXPECT_OK(expr)                                    \
  do {                                                        \
    const auto& fs_s_ = ::fieldsync::testing::ToStatus(expr); \
    EXPECT_TRUE(fs_s_.ok()) << fs_s_;                         \
  } while (0)

namespace fieldsync::testing {

inline absl::Status ToStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The observation kinds an inspector records (a county officer files the
// monthly report: server/access_policy.h).
const std::vector<RecordKind>& InspectorKinds();

// examples/KIND.json parsed into a Record (fails the test if it cannot).
v1::Record Example(RecordKind kind);
std::string ExamplePath(RecordKind kind);

// The bytes of examples/roster/FILE (empty if it cannot be read).
std::string ExampleRoster(const std::string& file);

// The county officer's device syncs, imports the example institutions,
// classes and trainees (the trainees' file in GB18030) and sends them.
// Call with ASSERT_NO_FATAL_FAILURE.
void ImportExampleRoster(Client& officer);

// Milliseconds since the epoch at Beijing time y-m-d h:mi.
int64_t BeijingMs(int y, int m, int d, int h, int mi = 0);

// What a command line printed (stdout and stderr) and its exit code, run
// through the shell; -1 if it could not run or was killed.
struct CommandResult {
  int code = -1;
  std::string out;
};
CommandResult RunCommand(const std::string& command_line);

// The device key tests send for a raw device id (stable per id).
std::string TestDeviceKey(const std::string& device_id);

// The password every test user gets.
inline constexpr char kTestPassword[] = "correct horse battery";

// SQL that turns a store's records table back into its schema-2 shape (with
// county, author and head stamp columns, filled with county 640522 and
// `author`) and sets PRAGMA user_version = 2: for upgrade tests.
std::string RecordsTableOfVersion2Sql(const std::string& author);
// The counties the example records and most tests use.
inline const std::vector<std::string>& TestCounties() {
  static const std::vector<std::string> counties = {"640521", "640522"};
  return counties;
}

// A server on its own SQLite store at `db_path`, listening on 127.0.0.1 at a
// port the OS picks, with a FaultStore in front of the store so tests can
// inject failures. Stops when destroyed. While it lives, MakeDevice() with
// its address logs devices in (see there).
class TestServer {
 public:
  explicit TestServer(const std::string& db_path, const Clock* clock = nullptr,
                      ServerLimits limits = {}, ServerOptions options = {});
  ~TestServer();
  std::string address() const { return server_->address(); }
  SqliteServerStore* store() { return store_.get(); }
  AccountStore* accounts() { return accounts_.get(); }
  FaultStore* faults() { return fault_.get(); }
  // Creates the user (fast password hash, kTestPassword) unless it exists.
  void AddUser(const std::string& name, v1::Role role,
               const std::vector<std::string>& areas);
  // Logs `device_id` in as `name` over the AuthService; the token.
  std::string Login(const std::string& name, const std::string& device_id);
  // The server running at `address` in this process, or nullptr.
  static TestServer* At(const std::string& address);
  // Stops serving (the store stays open); Restart() serves again on the
  // same port.
  void Stop();
  void Restart();

 private:
  std::unique_ptr<SqliteServerStore> store_;
  std::unique_ptr<AccountStore> accounts_;
  std::unique_ptr<FaultStore> fault_;
  std::unique_ptr<FieldsyncServer> server_;
  ServerOptions options_;
};

// `utf8` in GB18030, as Excel saves a CSV on a Chinese Windows (iconv).
std::string ToGb18030(const std::string& utf8);

// An edit of one field of trainee `id` in `county`.
v1::EntityEdit TraineeEdit(const std::string& id, const std::string& county,
                           const std::string& field, const std::string& value);

// Sets up a device home and opens it. When `server` is a TestServer's
// address, the device is also logged in as `inspector`, created if needed as
// an inspector of TestCounties().
std::unique_ptr<Client> MakeDevice(const std::string& home,
                                   const std::string& server,
                                   const std::string& inspector,
                                   const Clock* clock = nullptr,
                                   ClientTuning tuning = {});

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_UTIL_TEST_UTIL_H_
