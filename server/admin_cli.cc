#include "server/admin_cli.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/secret_input.h"
#include "cli/terminal_text.h"
#include "common/areas.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "common/roles.h"
#include "common/status_macros.h"
#include "common/time_format.h"
#include "server/account_store.h"
#include "server/password.h"
#include "server/sqlite_account_store.h"

namespace fieldsync {

const char kAdminUsage[] =
    R"(usage: fieldsync-server admin --db PATH COMMAND

  user add NAME --role ROLE [--area CODE]...
        create a user; the password is read from standard input (or asked
        for twice on a terminal). ROLE: inspector, county-officer, reviewer,
        admin. CODE: a county (6 digits) or township (9 digits) code.
  user list
  user set-role NAME ROLE
  user set-areas NAME [CODE]...      replace the user's areas (none: empty)
  user add-area NAME CODE
  user remove-area NAME CODE
  user passwd NAME                   new password (revokes the user's tokens)
  user disable NAME | user enable NAME
  user unlock NAME                   clear failed logins and any lock
  token list [--user NAME]
  token revoke ID | token revoke --user NAME
  audit [--user NAME] [--action ACTION] [--since YYYY-MM-DD]
        [--after SEQ] [--limit N]
        the audit trail, oldest first: logins, failed logins, logouts,
        revocations, role and area changes, accepted uploads
)";

namespace {

int Fail(const std::string& msg) {
  std::fprintf(stderr, "fieldsync-server admin: %s\n", msg.c_str());
  return 1;
}
int Usage(const std::string& msg) {
  std::fprintf(stderr, "fieldsync-server admin: %s (see admin --help)\n",
               msg.c_str());
  return 2;
}

std::string Actor() {
  const struct passwd* pw = ::getpwuid(::geteuid());
  return absl::StrCat("admin:", pw != nullptr ? pw->pw_name : "unknown");
}

absl::StatusOr<std::string> ReadPassword(const std::string& user) {
  return ReadSecret(absl::StrCat("password for ", user), /*confirm=*/true);
}

int64_t Now() { return SystemClock::Default()->NowMs(); }

// Pulls `--flag VALUE` pairs out of args (repeatable); false on a flag
// without a value.
bool TakeFlag(std::vector<std::string>* args, const std::string& flag,
              std::vector<std::string>* values) {
  for (size_t i = 0; i < args->size();) {
    if ((*args)[i] == flag) {
      if (i + 1 >= args->size()) return false;
      values->push_back((*args)[i + 1]);
      args->erase(args->begin() + i, args->begin() + i + 2);
    } else {
      ++i;
    }
  }
  return true;
}

int ListUsers(AccountStore& accounts) {
  auto users = accounts.ListUsers();
  if (!users.ok()) return Fail(std::string(users.status().message()));
  std::printf("%-20s %-15s %-9s %s\n", "USER", "ROLE", "STATE", "AREAS");
  for (const UserRecord& u : *users) {
    std::printf("%-20s %-15s %-9s %s\n", u.name.c_str(), RoleName(u.role),
                u.disabled ? "disabled" : "active",
                u.areas.empty() ? "-" : absl::StrJoin(u.areas, ",").c_str());
  }
  return 0;
}

// `user add NAME --role ROLE [--area CODE]...`: everything is checked
// before the password is asked for.
int AddUser(AccountStore& accounts, std::vector<std::string> args,
            const std::string& actor) {
  std::vector<std::string> roles, areas;
  if (!TakeFlag(&args, "--role", &roles) ||
      !TakeFlag(&args, "--area", &areas)) {
    return Usage("--role and --area need a value");
  }
  if (args.size() != 1 || roles.size() != 1) {
    return Usage("user add NAME --role ROLE [--area CODE]...");
  }
  auto role = ParseRole(roles[0]);
  if (!role.ok()) return Fail(std::string(role.status().message()));
  if (auto s = ValidateUserName(args[0]); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  for (const std::string& a : areas) {
    if (auto s = ValidateAreaCode(a); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  auto pw = ReadPassword(args[0]);
  if (!pw.ok()) return Fail(std::string(pw.status().message()));
  auto hash = HashPassword(*pw, PasswordCost::kInteractive);
  if (!hash.ok()) return Fail(std::string(hash.status().message()));
  auto id = accounts.CreateUser(args[0], *role, *hash, areas, actor, Now());
  if (!id.ok()) return Fail(std::string(id.status().message()));
  std::printf("created user %s (%s, areas %s)\n", args[0].c_str(),
              RoleName(*role),
              areas.empty() ? "none" : absl::StrJoin(areas, ",").c_str());
  return 0;
}

// `user add-area|remove-area NAME CODE`.
absl::Status ChangeOneArea(AccountStore& accounts, const std::string& cmd,
                           const std::string& name, const std::string& area,
                           const std::string& actor) {
  FS_ASSIGN_OR_RETURN(UserRecord u, accounts.GetUser(name));
  std::vector<std::string> areas = u.areas;
  if (cmd == "add-area") {
    areas.push_back(area);
  } else {
    auto it = std::find(areas.begin(), areas.end(), area);
    if (it == areas.end()) {
      return absl::NotFoundError(
          absl::StrCat("user ", name, " has no area ", area));
    }
    areas.erase(it);
  }
  return accounts.SetAreas(name, areas, actor, Now());
}

// `user passwd NAME`: the user must exist before the password is asked for.
absl::Status ChangePassword(AccountStore& accounts, const std::string& name,
                            const std::string& actor) {
  FS_RETURN_IF_ERROR(accounts.GetUser(name).status());
  FS_ASSIGN_OR_RETURN(std::string pw, ReadPassword(name));
  FS_ASSIGN_OR_RETURN(std::string hash,
                      HashPassword(pw, PasswordCost::kInteractive));
  return accounts.SetPassword(name, hash, actor, Now());
}

int UserCommand(AccountStore& accounts, std::vector<std::string> args) {
  if (args.empty()) return Usage("user needs a command");
  const std::string cmd = args[0];
  args.erase(args.begin());
  const std::string actor = Actor();
  if (cmd == "list") return ListUsers(accounts);
  if (cmd == "add") return AddUser(accounts, std::move(args), actor);
  if (args.empty()) return Usage(absl::StrCat("user ", cmd, " needs NAME"));
  const std::string name = args[0];
  absl::Status s;
  if (cmd == "set-role") {
    if (args.size() != 2) return Usage("user set-role NAME ROLE");
    auto role = ParseRole(args[1]);
    if (!role.ok()) return Fail(std::string(role.status().message()));
    s = accounts.SetRole(name, *role, actor, Now());
  } else if (cmd == "set-areas") {
    s = accounts.SetAreas(name, {args.begin() + 1, args.end()}, actor, Now());
  } else if (cmd == "add-area" || cmd == "remove-area") {
    if (args.size() != 2)
      return Usage(absl::StrCat("user ", cmd, " NAME CODE"));
    s = ChangeOneArea(accounts, cmd, name, args[1], actor);
  } else if (cmd == "passwd") {
    if (args.size() != 1) return Usage("user passwd NAME");
    s = ChangePassword(accounts, name, actor);
  } else if (cmd == "disable" || cmd == "enable") {
    s = accounts.SetDisabled(name, cmd == "disable", actor, Now());
  } else if (cmd == "unlock") {
    s = accounts.Unlock(name, actor, Now());
  } else {
    return Usage(absl::StrCat("unknown user command \"", cmd, "\""));
  }
  if (!s.ok()) return Fail(std::string(s.message()));
  std::printf("user %s: %s done\n", name.c_str(), cmd.c_str());
  return 0;
}

int TokenCommand(AccountStore& accounts, std::vector<std::string> args) {
  if (args.empty()) return Usage("token needs list or revoke");
  const std::string cmd = args[0];
  args.erase(args.begin());
  std::vector<std::string> users;
  if (!TakeFlag(&args, "--user", &users)) return Usage("--user needs NAME");
  const std::string user = users.empty() ? "" : users[0];
  if (cmd == "list") {
    auto tokens = accounts.ListTokens(user);
    if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
    const int64_t now = Now();
    // Times in UTC, as the header says; "-" for none.
    const auto when = [](int64_t ms) {
      return ms == 0 ? std::string("-") : FormatTimeMsBare(ms);
    };
    std::printf("%-6s %-16s %-36s %-19s %-19s %s\n", "ID", "USER", "DEVICE",
                "ISSUED (UTC)", "EXPIRES (UTC)", "STATE");
    for (const TokenRecord& t : *tokens) {
      const std::string state =
          t.revoked_ms != 0 ? absl::StrCat("revoked ", when(t.revoked_ms),
                                           " by ", t.revoked_by)
                            : (t.expires_ms <= now ? "expired" : "live");
      std::printf("%-6lld %-16s %-36s %-19s %-19s %s\n",
                  static_cast<long long>(t.token_id), t.user.c_str(),
                  IdToString(t.device_id).c_str(), when(t.issued_ms).c_str(),
                  when(t.expires_ms).c_str(), state.c_str());
    }
    return 0;
  }
  if (cmd == "revoke") {
    if (!user.empty()) {
      auto n = accounts.RevokeUserTokens(user, Actor(), Now());
      if (!n.ok()) return Fail(std::string(n.status().message()));
      std::printf("revoked %lld token(s) of %s\n", static_cast<long long>(*n),
                  user.c_str());
      return 0;
    }
    int64_t id = 0;
    if (args.size() != 1 || !absl::SimpleAtoi(args[0], &id)) {
      return Usage("token revoke ID | token revoke --user NAME");
    }
    auto s = accounts.RevokeToken(id, Actor(), "token_revoked", Now());
    if (!s.ok()) return Fail(std::string(s.message()));
    std::printf("revoked token %lld\n", static_cast<long long>(id));
    return 0;
  }
  return Usage(absl::StrCat("unknown token command \"", cmd, "\""));
}

int AuditCommand(AccountStore& accounts, std::vector<std::string> args) {
  std::vector<std::string> user, action, since, after, limit;
  if (!TakeFlag(&args, "--user", &user) ||
      !TakeFlag(&args, "--action", &action) ||
      !TakeFlag(&args, "--since", &since) ||
      !TakeFlag(&args, "--after", &after) ||
      !TakeFlag(&args, "--limit", &limit)) {
    return Usage("audit options need a value");
  }
  if (!args.empty()) return Usage(absl::StrCat("unexpected \"", args[0], "\""));
  AuditFilter f;
  if (!user.empty()) f.actor = user[0];
  if (!action.empty()) f.action = action[0];
  if (!since.empty()) {
    absl::Time t;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d", since[0], absl::UTCTimeZone(), &t, &err)) {
      return Usage(
          absl::StrCat("--since \"", since[0], "\" must be YYYY-MM-DD"));
    }
    f.since_ms = absl::ToUnixMillis(t);
  }
  if (!after.empty() && !absl::SimpleAtoi(after[0], &f.after_seq)) {
    return Usage("--after needs a number");
  }
  if (!limit.empty() &&
      (!absl::SimpleAtoi(limit[0], &f.limit) || f.limit <= 0)) {
    return Usage("--limit needs a positive number");
  }
  auto rows = accounts.ListAudit(f);
  if (!rows.ok()) return Fail(std::string(rows.status().message()));
  std::printf("%-6s %-19s %-16s %-14s %-8s %s\n", "SEQ", "AT (UTC)", "ACTOR",
              "ACTION", "DEVICE", "DETAIL");
  for (const AuditEntry& e : *rows) {
    std::printf(
        "%-6lld %-19s %-16s %-14s %-8s %s\n", static_cast<long long>(e.seq),
        (e.at_ms == 0 ? std::string("-") : FormatTimeMsBare(e.at_ms)).c_str(),
        cli::Printable(e.actor).c_str(), e.action.c_str(),
        e.device_id.empty() ? "-"
                            : IdToString(e.device_id).substr(0, 8).c_str(),
        cli::Printable(e.detail).c_str());
  }
  return 0;
}

}  // namespace

int RunAdmin(const std::string& db, const std::vector<std::string>& all) {
  if (all.empty()) return Usage("admin needs a command");
  if (db.empty()) return Usage("admin needs --db PATH");
  struct stat st;
  const bool exists = ::stat(db.c_str(), &st) == 0;
  const bool adding = all.size() >= 2 && all[0] == "user" && all[1] == "add";
  if (!exists && !adding) {
    return Fail(absl::StrCat("no server database at ", db,
                             ": check the path (it is the serve --db PATH)"));
  }
  auto accounts = SqliteAccountStore::Open(db);
  if (!accounts.ok()) return Fail(std::string(accounts.status().message()));
  if (!exists) {
    std::fprintf(stderr,
                 "fieldsync-server admin: created a new server "
                 "database at %s\n",
                 db.c_str());
  }
  std::vector<std::string> rest(all.begin() + 1, all.end());
  if (all[0] == "user") return UserCommand(**accounts, rest);
  if (all[0] == "token") return TokenCommand(**accounts, rest);
  if (all[0] == "audit") return AuditCommand(**accounts, rest);
  return Usage(absl::StrCat("unknown admin command \"", all[0], "\""));
}

}  // namespace fieldsync
