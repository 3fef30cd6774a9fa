#include "tests/util/test_util.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

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

TestServer::TestServer(const std::string& db_path, const Clock* clock,
                       ServerLimits limits) {
  auto store = SqliteServerStore::Open(db_path);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    std::abort();
  }
  store_ = std::move(*store);
  fault_ = std::make_unique<FaultStore>(store_.get());
  options_.listen = "127.0.0.1:0";
  options_.clock = clock;
  options_.limits = limits;
  Restart();
}

void TestServer::Restart() {
  auto server = FieldsyncServer::Start(fault_.get(), options_);
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    std::abort();
  }
  server_ = std::move(*server);
  options_.listen = server_->address();  // the same port next time
}

void TestServer::Stop() { server_->Shutdown(); }

TestServer::~TestServer() { server_.reset(); }

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
  return c.ok() ? std::move(*c) : nullptr;
}

}  // namespace fieldsync::testing
