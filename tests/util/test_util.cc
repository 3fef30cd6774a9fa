#include "tests/util/test_util.h"

#include <iconv.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/hash.h"
#include "fieldsync/v1/auth.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "server/password.h"

namespace fieldsync::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      absl::StrCat(base && *base ? base : "/tmp", "/fieldsync-test-XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TestDeviceKey(const std::string& device_id) {
  return Blake2b256(absl::StrCat("test device key ", device_id));
}

const std::vector<RecordKind>& InspectorKinds() {
  static const std::vector<RecordKind> kinds = {
      RecordKind::kSpotCheck, RecordKind::kFollowUpVisit,
      RecordKind::kInterviewNote, RecordKind::kDocumentReview};
  return kinds;
}

std::string RecordsTableOfVersion2Sql(const std::string& author) {
  return absl::StrCat(
      "ALTER TABLE records RENAME TO slim; "
      "CREATE TABLE records(record_id BLOB PRIMARY KEY, kind INTEGER NOT "
      "NULL, county TEXT NOT NULL, author TEXT NOT NULL, head_hlc INTEGER "
      "NOT NULL, head_device BLOB NOT NULL, head_device_seq INTEGER NOT "
      "NULL, head_locator INTEGER NOT NULL, revisions INTEGER NOT NULL) "
      "WITHOUT ROWID; "
      "INSERT INTO records SELECT record_id, kind, '640522', '",
      author,
      "', 1, x'00', 1, head_locator, revisions FROM slim; DROP TABLE slim; "
      "PRAGMA user_version = 2;");
}

std::string ExamplePath(RecordKind kind) {
  return absl::StrCat(FIELDSYNC_SOURCE_DIR, "/examples/", RecordKindName(kind),
                      ".json");
}

v1::Record Example(RecordKind kind) {
  std::ifstream in(ExamplePath(kind));
  std::stringstream ss;
  ss << in.rdbuf();
  v1::Record r;
  auto st = google::protobuf::util::JsonStringToMessage(ss.str(), &r);
  EXPECT_TRUE(st.ok()) << ExamplePath(kind) << ": " << st.ToString();
  return r;
}

namespace {

absl::Mutex registry_mu;
std::map<std::string, TestServer*>& Registry() {
  static std::map<std::string, TestServer*> servers;
  return servers;
}

}  // namespace

TestServer::TestServer(const std::string& db_path, const Clock* clock,
                       ServerLimits limits, ServerOptions options)
    : options_(std::move(options)) {
  auto store = SqliteServerStore::Open(db_path);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    std::abort();
  }
  store_ = std::move(*store);
  auto accounts = SqliteAccountStore::Open(db_path);
  if (!accounts.ok()) {
    ADD_FAILURE() << accounts.status();
    std::abort();
  }
  accounts_ = std::move(*accounts);
  fault_ = std::make_unique<FaultStore>(store_.get());
  if (options_.listen.empty()) options_.listen = "127.0.0.1:0";
  options_.clock = clock;
  options_.limits = limits;
  options_.auth.dummy_cost = PasswordCost::kTestOnlyFast;
  Restart();
}

void TestServer::Restart() {
  auto server = FieldsyncServer::Start(fault_.get(), accounts_.get(), options_);
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    std::abort();
  }
  server_ = std::move(*server);
  options_.listen = server_->address();  // the same port next time
  absl::MutexLock lock(&registry_mu);
  Registry()[options_.listen] = this;
}

void TestServer::Stop() { server_->Shutdown(); }

TestServer::~TestServer() {
  {
    absl::MutexLock lock(&registry_mu);
    Registry().erase(options_.listen);
  }
  server_.reset();
}

TestServer* TestServer::At(const std::string& address) {
  absl::MutexLock lock(&registry_mu);
  auto it = Registry().find(address);
  return it == Registry().end() ? nullptr : it->second;
}

void TestServer::AddUser(const std::string& name, v1::Role role,
                         const std::vector<std::string>& areas) {
  if (accounts_->GetUser(name).ok()) return;
  auto hash = HashPassword(kTestPassword, PasswordCost::kTestOnlyFast);
  ASSERT_TRUE(hash.ok()) << hash.status();
  auto id =
      accounts_->CreateUser(name, role, *hash, areas, "test",
                            options_.clock ? options_.clock->NowMs()
                                           : SystemClock::Default()->NowMs());
  ASSERT_TRUE(id.ok()) << id.status();
}

std::string TestServer::Login(const std::string& name,
                              const std::string& device_id) {
  auto channel =
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  auto stub = v1::AuthService::NewStub(channel);
  v1::LoginRequest req;
  req.set_user(name);
  req.set_password(kTestPassword);
  req.set_device_id(device_id);
  req.set_device_key(TestDeviceKey(device_id));
  v1::LoginResponse resp;
  grpc::ClientContext ctx;
  const grpc::Status s = stub->Login(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.token();
}

std::string ToGb18030(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t out_left = out.size();
  EXPECT_NE(iconv(cd, &in, &in_left, &o, &out_left), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

v1::EntityEdit TraineeEdit(const std::string& id, const std::string& county,
                           const std::string& field, const std::string& value) {
  v1::EntityEdit e;
  e.set_entity_type(v1::ENTITY_TYPE_TRAINEE);
  e.set_entity_id(id);
  e.mutable_area()->set_county_code(county);
  auto* w = e.add_writes();
  w->set_field(field);
  w->set_value(value);
  return e;
}

std::unique_ptr<Client> MakeDevice(const std::string& home,
                                   const std::string& server,
                                   const std::string& inspector,
                                   const Clock* clock, ClientTuning tuning) {
  auto s = Client::Init(home, server, inspector,
                        absl::StrCat(inspector, "'s device"));
  EXPECT_TRUE(s.ok()) << s;
  ClientOptions o;
  o.home = home;
  o.clock = clock;
  o.tuning = tuning;
  auto c = Client::Open(o);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return nullptr;
  if (TestServer* ts = TestServer::At(server); ts != nullptr) {
    ts->AddUser(inspector, v1::ROLE_INSPECTOR, TestCounties());
    LoginOptions login;
    login.user = inspector;
    login.password = kTestPassword;
    auto id = (*c)->Login(login);
    EXPECT_TRUE(id.ok()) << id.status();
  }
  return std::move(*c);
}

std::string ExampleRoster(const std::string& file) {
  std::ifstream in(
      absl::StrCat(FIELDSYNC_SOURCE_DIR, "/examples/roster/", file),
      std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ImportExampleRoster(Client& officer) {
  auto synced = officer.Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
  for (const char* kind : {"institutions", "classes", "trainees"}) {
    RosterImportOptions o;
    o.kind = kind;
    o.file_name = kind;
    o.bytes = ExampleRoster(std::string(kind) == "trainees"
                                ? "trainees-gb18030.csv"
                                : absl::StrCat(kind, ".csv"));
    auto r = officer.ImportRoster(o);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->problems.empty()) << r->problems[0];
  }
  synced = officer.Sync();
  ASSERT_TRUE(synced.ok()) << synced.status();
}

int64_t BeijingMs(int y, int m, int d, int h, int mi) {
  return absl::ToUnixMillis(absl::FromCivil(
      absl::CivilSecond(y, m, d, h, mi, 0), absl::FixedTimeZone(8 * 3600)));
}

CommandResult RunCommand(const std::string& command_line) {
  CommandResult r;
  FILE* p = popen(absl::StrCat(command_line, " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fieldsync::testing
