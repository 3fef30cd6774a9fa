// TLS between the client core and a real server on 127.0.0.1: the right CA
// succeeds; a wrong CA, a plaintext client against a TLS server and an
// expired server certificate fail with a clear message; plaintext off
// loopback is refused on both sides unless asked for explicitly.
//
// The certificates are fixtures in tests/data/tls (make_certs.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client_core/channel.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;
using testing::TempDir;
using testing::TestServer;

constexpr char kInspector[] = "张伟";

std::string ReadFixture(const std::string& name) {
  const std::string path = std::string(FIELDSYNC_TLS_DATA) + "/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ServerOptions TlsOptions(const std::string& cert, const std::string& key) {
  ServerOptions o;
  o.tls_cert_pem = ReadFixture(cert);
  o.tls_key_pem = ReadFixture(key);
  return o;
}

// A TLS server with the inspector account.
std::unique_ptr<TestServer> StartTlsServer(const TempDir& dir,
                                           const std::string& cert,
                                           const std::string& key) {
  auto server = std::make_unique<TestServer>(
      dir.Sub("server.db"), nullptr, ServerLimits{}, TlsOptions(cert, key));
  server->AddUser(kInspector, v1::ROLE_INSPECTOR, testing::TestCounties());
  return server;
}

// An initialised, opened device home (not logged in).
std::unique_ptr<Client> OpenDevice(const std::string& home,
                                   const std::string& server) {
  auto s = Client::Init(home, server, kInspector, "tls test device");
  EXPECT_TRUE(s.ok()) << s;
  ClientOptions o;
  o.home = home;
  auto c = Client::Open(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? std::move(*c) : nullptr;
}

LoginOptions Login(const std::string& server, const std::string& ca_pem) {
  LoginOptions o;
  o.server = server;
  o.user = kInspector;
  o.password = testing::kTestPassword;
  o.ca_pem = ca_pem;
  return o;
}

bool HasToken(const std::string& home) {
  return ::access((home + "/" + kTokenFile).c_str(), F_OK) == 0;
}

uint64_t ServerChanges(TestServer& server) {
  auto summary = server.store()->Summarize();
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() ? summary->changes : ~uint64_t{0};
}

std::string PortOf(const std::string& address) {
  return address.substr(address.rfind(':') + 1);
}

TEST(Tls, RightCaLogsInAndSyncs) {
  TempDir dir;
  auto server = StartTlsServer(dir, "server.pem", "server.key");
  const std::string ca = ReadFixture("ca.pem");
  const std::string by_ip = "127.0.0.1:" + PortOf(server->address());
  const std::string by_name = "localhost:" + PortOf(server->address());

  auto a = OpenDevice(dir.Sub("a"), by_ip);
  ASSERT_NE(a, nullptr);
  auto id = a->Login(Login(by_ip, ca));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->user(), kInspector);
  EXPECT_TRUE(HasToken(dir.Sub("a")));
  auto st = a->Status();
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(st->tls);

  auto rec = a->Record(Example(RecordKind::kSpotCheck));
  ASSERT_TRUE(rec.ok()) << rec.status();
  auto report = a->Sync();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->uploaded, 1u);
  EXPECT_EQ(report->accepted, 1u);
  EXPECT_EQ(ServerChanges(*server), 1u);

  // The certificate lists localhost too.
  auto b = OpenDevice(dir.Sub("b"), by_name);
  ASSERT_NE(b, nullptr);
  auto id_b = b->Login(Login(by_name, ca));
  ASSERT_TRUE(id_b.ok()) << id_b.status();
  auto report_b = b->Sync();
  ASSERT_TRUE(report_b.ok()) << report_b.status();
  EXPECT_EQ(report_b->downloaded, 1u);
  EXPECT_EQ(ServerChanges(*server), 1u);
}

TEST(Tls, WrongCaFailsWithClearMessage) {
  TempDir dir;
  auto server = StartTlsServer(dir, "server.pem", "server.key");
  auto c = OpenDevice(dir.Sub("home"), server->address());
  ASSERT_NE(c, nullptr);
  auto id = c->Login(Login(server->address(), ReadFixture("other_ca.pem")));
  ASSERT_FALSE(id.ok());
  const std::string m(id.status().message());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << m;
  EXPECT_TRUE(absl::StrContains(m, "TLS")) << m;
  EXPECT_TRUE(
      absl::StrContains(m, "the server's certificate could not be verified"))
      << m;
  EXPECT_TRUE(absl::StrContains(m, "--ca")) << m;
  EXPECT_FALSE(HasToken(dir.Sub("home")));
  EXPECT_EQ(ServerChanges(*server), 0u);
}

TEST(Tls, PlaintextClientAgainstTlsServerFailsWithClearMessage) {
  TempDir dir;
  auto server = StartTlsServer(dir, "server.pem", "server.key");
  auto c = OpenDevice(dir.Sub("home"), server->address());
  ASSERT_NE(c, nullptr);
  // Loopback: plaintext is allowed on the client side.
  auto id = c->Login(Login(server->address(), /*ca_pem=*/""));
  ASSERT_FALSE(id.ok());
  const std::string m(id.status().message());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << m;
  EXPECT_TRUE(absl::StrContains(m, "requires TLS")) << m;
  EXPECT_TRUE(absl::StrContains(m, "--ca")) << m;
  EXPECT_FALSE(HasToken(dir.Sub("home")));
  EXPECT_EQ(ServerChanges(*server), 0u);
}

TEST(Tls, ExpiredServerCertificateFailsWithClearMessage) {
  TempDir dir;
  auto server = StartTlsServer(dir, "expired.pem", "expired.key");
  auto c = OpenDevice(dir.Sub("home"), server->address());
  ASSERT_NE(c, nullptr);
  auto id = c->Login(Login(server->address(), ReadFixture("ca.pem")));
  ASSERT_FALSE(id.ok());
  const std::string m(id.status().message());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << m;
  EXPECT_TRUE(absl::StrContains(m, "TLS")) << m;
  // gRPC 1.51 reports an expired certificate exactly as one signed by
  // another CA ("certificate verify failed"): the message can only name
  // expiry as one of the causes.
  EXPECT_TRUE(
      absl::StrContains(m, "the server's certificate could not be verified"))
      << m;
  EXPECT_TRUE(absl::StrContains(m, "has expired or is not yet valid")) << m;
  EXPECT_FALSE(HasToken(dir.Sub("home")));
  EXPECT_EQ(ServerChanges(*server), 0u);
}

TEST(Tls, TlsClientAgainstPlaintextServerFailsWithClearMessage) {
  TempDir dir;
  TestServer server(dir.Sub("server.db"));  // plaintext on loopback
  server.AddUser(kInspector, v1::ROLE_INSPECTOR, testing::TestCounties());
  auto c = OpenDevice(dir.Sub("home"), server.address());
  ASSERT_NE(c, nullptr);
  auto id = c->Login(Login(server.address(), ReadFixture("ca.pem")));
  ASSERT_FALSE(id.ok());
  const std::string m(id.status().message());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << m;
  EXPECT_TRUE(absl::StrContains(m, "the server does not speak TLS")) << m;
  EXPECT_FALSE(HasToken(dir.Sub("home")));
}

TEST(Tls, NameNotInCertificateFailsWithClearMessage) {
  TempDir dir;
  // 127.0.0.2 is loopback too, but the certificate does not list it.
  ServerOptions o = TlsOptions("server.pem", "server.key");
  o.listen = "127.0.0.2:0";
  TestServer server(dir.Sub("server.db"), nullptr, {}, o);
  server.AddUser(kInspector, v1::ROLE_INSPECTOR, testing::TestCounties());
  auto c = OpenDevice(dir.Sub("home"), server.address());
  ASSERT_NE(c, nullptr);
  auto id = c->Login(Login(server.address(), ReadFixture("ca.pem")));
  ASSERT_FALSE(id.ok());
  const std::string m(id.status().message());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << m;
  EXPECT_TRUE(absl::StrContains(
      m, "the server's certificate does not list the name \"127.0.0.2\""))
      << m;
  EXPECT_FALSE(HasToken(dir.Sub("home")));
  EXPECT_EQ(ServerChanges(server), 0u);
}

TEST(Tls, ServerRefusesPlaintextOffLoopback) {
  TempDir dir;
  auto store = SqliteServerStore::Open(dir.Sub("server.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto accounts = SqliteAccountStore::Open(dir.Sub("server.db"));
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  ServerOptions o;
  o.listen = "0.0.0.0:0";
  o.insecure_plaintext = false;
  auto server = FieldsyncServer::Start(store->get(), accounts->get(), o);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition)
      << server.status();
  EXPECT_TRUE(absl::StrContains(server.status().message(), "--tls-cert"))
      << server.status();
}

TEST(Tls, ClientRefusesPlaintextOffLoopback) {
  // TEST-NET-1: never contacted, the refusal comes first.
  const std::string remote = "192.0.2.1:7443";
  ConnectionSettings settings;
  settings.server = remote;
  auto channel = MakeChannel(settings);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kFailedPrecondition)
      << channel.status();
  EXPECT_TRUE(absl::StrContains(channel.status().message(), "--ca"))
      << channel.status();

  TempDir dir;
  auto c = OpenDevice(dir.Sub("home"), remote);
  ASSERT_NE(c, nullptr);
  auto id = c->Login(Login(remote, /*ca_pem=*/""));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition)
      << id.status();
  EXPECT_TRUE(absl::StrContains(id.status().message(), "--ca")) << id.status();
  EXPECT_FALSE(HasToken(dir.Sub("home")));
}

}  // namespace
}  // namespace fieldsync
