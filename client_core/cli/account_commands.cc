// `fieldsync init`, `login`, `logout`, `whoami`: the device and who uses it.
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "cli/secret_input.h"
#include "client_core/cli/commands.h"
#include "common/record_id.h"
#include "common/roles.h"

namespace fieldsync::cli {
namespace {

std::string AreasText(const v1::Identity& id) {
  if (id.all_areas()) return "all counties";
  if (id.areas().empty()) return "no area";
  std::string out;
  for (const std::string& a : id.areas()) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", a);
  }
  return out;
}

}  // namespace

int Init(const Cli& cli) {
  auto it = cli.options.find("server");
  if (it == cli.options.end())
    return UsageError("init needs --server HOST:PORT");
  std::string inspector;
  if (auto i = cli.options.find("inspector"); i != cli.options.end()) {
    inspector = i->second;
  } else if (const char* u = std::getenv("USER"); u && *u) {
    inspector = u;
  } else {
    return UsageError("init needs --inspector NAME");
  }
  std::string label;
  if (auto i = cli.options.find("label"); i != cli.options.end())
    label = i->second;
  if (auto s = Client::Init(cli.home, it->second, inspector, label); !s.ok()) {
    return Failure(s);
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  std::printf("device %s set up in %s for inspector %s, server %s\n",
              IdToString((*client)->device_id()).c_str(), cli.home.c_str(),
              inspector.c_str(), it->second.c_str());
  return 0;
}

int Login(const Cli& cli) {
  auto user = cli.options.find("user");
  if (user == cli.options.end()) return UsageError("login needs --user NAME");
  LoginOptions o;
  o.user = user->second;
  if (auto it = cli.options.find("server"); it != cli.options.end()) {
    o.server = it->second;
  }
  o.insecure_plaintext = cli.flags.count("insecure-plaintext") > 0;
  o.force = cli.flags.count("force") > 0;
  if (auto it = cli.options.find("ca"); it != cli.options.end()) {
    if (o.insecure_plaintext) {
      return UsageError("give --ca FILE or --insecure-plaintext, not both");
    }
    auto pem = ReadInput(it->second);
    if (!pem.ok()) return Failure(pem.status());
    if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return Failure(absl::InvalidArgumentError(
          absl::StrCat(it->second, " holds no PEM certificate")));
    }
    o.ca_pem = *pem;
  }
  auto client = OpenClient(cli);
  if (absl::IsFailedPrecondition(client.status())) {
    // No device here yet: set one up for this user.
    if (o.server.empty()) {
      return UsageError("login on a new device needs --server HOST:PORT");
    }
    std::string label;
    if (auto i = cli.options.find("label"); i != cli.options.end()) {
      label = i->second;
    }
    if (auto s = Client::Init(cli.home, o.server, o.user, label); !s.ok()) {
      return Failure(s);
    }
    client = OpenClient(cli);
  }
  if (!client.ok()) return Failure(client.status());
  auto password =
      ReadSecret(absl::StrCat("password for ", o.user), /*confirm=*/false);
  if (!password.ok()) return Failure(password.status());
  o.password = *password;
  auto id = (*client)->Login(o);
  if (!id.ok()) return Failure(id.status());
  std::printf(
      "logged in as %s (%s; areas: %s) on device %s; token valid "
      "until %s\n",
      id->user().c_str(), RoleName(id->role()), AreasText(*id).c_str(),
      IdToString((*client)->device_id()).c_str(),
      Time(id->token_expires_ms()).c_str());
  return 0;
}

int Logout(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  if (auto s = (*client)->Logout(); !s.ok()) return Failure(s);
  std::printf("logged out; the token is revoked and removed from %s\n",
              cli.home.c_str());
  return 0;
}

int WhoAmI(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto id = (*client)->WhoAmI();
  if (!id.ok()) return Failure(id.status());
  std::printf("%s (%s); areas: %s; token valid until %s\n", id->user().c_str(),
              RoleName(id->role()), AreasText(*id).c_str(),
              Time(id->token_expires_ms()).c_str());
  return 0;
}

}  // namespace fieldsync::cli
