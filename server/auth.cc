#include "server/auth.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/hash.h"
#include "common/record_id.h"
#include "common/status_macros.h"
#include "common/time_format.h"
#include "common/wire_format.h"
#include "server/access_policy.h"

namespace fieldsync {
namespace {

constexpr absl::string_view kTokenPrefix = "fs1.";
constexpr absl::string_view kBearer = "Bearer ";

std::string NewToken() {
  uint8_t raw[32];
  RandomBytes(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(32,
                                     sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return absl::StrCat(kTokenPrefix, b64);
}

absl::Status LoginAgain(const std::string& why) {
  return absl::UnauthenticatedError(
      absl::StrCat(why, ": log in again (fieldsync login)"));
}

// The password the stand-in hash for unknown names is made of.
constexpr absl::string_view kDummyPassword = "fieldsync-dummy-password";

absl::Status AccountDisabled(const std::string& name) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the account \"", name, "\" is disabled: ask an administrator"));
}

}  // namespace

std::string TokenHash(absl::string_view token) { return Blake2b256(token); }

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(
    AccountStore* accounts, const Clock* clock, AuthOptions options) {
  absl::StatusOr<std::string> dummy =
      options.hash_password(kDummyPassword, options.dummy_cost);
  if (!dummy.ok() || dummy->empty()) {
    const absl::Status why =
        dummy.ok() ? absl::InternalError("it came out empty") : dummy.status();
    return absl::Status(
        why.code(),
        absl::StrCat("cannot make the stand-in password hash that keeps "
                     "unknown user names from answering faster than known "
                     "ones (",
                     why.message(), "): refusing to serve logins without it"));
  }
  return std::make_unique<Authenticator>(PrivateTag{}, accounts, clock, options,
                                         *std::move(dummy));
}

absl::StatusOr<LoginDecision> Authenticator::Gate(const v1::LoginRequest& req) {
  const int64_t now = clock_->NowMs();
  auto decide = [&](const LoginAttempts& att) {
    LoginDecision d;
    int64_t allowed_at = 0;
    if (att.locked_until_ms > now) {
      allowed_at = att.locked_until_ms;
    } else if (att.failures >= options_.free_failures &&
               att.locked_until_ms == 0) {
      const int64_t shift =
          std::min<int64_t>(att.failures - options_.free_failures, 20);
      const int64_t delay =
          std::min<int64_t>(int64_t{1000} << shift, options_.max_delay_ms);
      if (now < att.last_failure_ms + delay) {
        allowed_at = att.last_failure_ms + delay;
      }
    }
    if (allowed_at > now) {
      const bool locked = att.locked_until_ms > now;
      d.refusal = absl::StrFormat(
          "%s for user \"%s\" after %d failed logins: try again after %s (in "
          "%d s)%s",
          locked ? "locked" : "slowed down", req.user(), att.failures,
          FormatTimeMs(allowed_at), (allowed_at - now + 999) / 1000,
          locked ? ", or ask an administrator to unlock it" : "");
      return d;
    }
    d.allowed = true;
    d.after = att;  // a try is not a failure: nothing is counted here
    return d;
  };
  return accounts_->CountLoginAttempt(
      req.user(), req.device_id(), now,
      std::max(options_.lock_ms, options_.max_delay_ms) * 4, decide);
}

absl::StatusOr<LoginDecision> Authenticator::CountFailure(
    const v1::LoginRequest& req) {
  const int64_t now = clock_->NowMs();
  auto count = [&](const LoginAttempts& att) {
    LoginDecision d;
    d.allowed = true;
    d.after = att;
    if (d.after.locked_until_ms != 0 && d.after.locked_until_ms <= now) {
      d.after = LoginAttempts{};  // the lock ran out: start counting afresh
    }
    ++d.after.failures;
    d.after.last_failure_ms = now;
    if (d.after.failures >= options_.lock_after &&
        d.after.locked_until_ms <= now) {
      d.after.locked_until_ms = now + options_.lock_ms;
    }
    return d;
  };
  return accounts_->CountLoginAttempt(
      req.user(), req.device_id(), now,
      std::max(options_.lock_ms, options_.max_delay_ms) * 4, count);
}

absl::StatusOr<Authenticator::Checked> Authenticator::CheckPassword(
    const v1::LoginRequest& req, absl::string_view hash) {
  // A slot: one of max_concurrent_checks overall, and one of the user's
  // remaining free failures (at least one): concurrent attempts of a user
  // wait their turn instead of being counted before they are checked, and
  // guesses cannot be checked faster than they are counted.
  const std::string& name = req.user();
  for (;;) {
    FS_ASSIGN_OR_RETURN(const LoginDecision gate, Gate(req));
    if (!gate.allowed) return absl::ResourceExhaustedError(gate.refusal);
    const int budget = static_cast<int>(std::max<int64_t>(
        1, int64_t{options_.free_failures} - gate.after.failures));
    absl::MutexLock lock(&checks_mu_);
    if (checks_running_ < std::max(1, options_.max_concurrent_checks) &&
        checks_in_flight_[name] < budget) {
      ++checks_running_;
      ++checks_in_flight_[name];
      break;
    }
    if (checks_in_flight_[name] == 0) checks_in_flight_.erase(name);
    const uint64_t seen = checks_finished_;
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(checks_mu_) {
      return checks_finished_ != seen;
    };
    checks_mu_.Await(absl::Condition(&changed));  // then ask the gate again
  }
  absl::StatusOr<Checked> result =
      Checked{VerifyPassword(hash, req.password()), LoginDecision{}};
  if (result->check == PasswordCheck::kMismatch) {
    // Counted before the slot is freed, so the next attempt's gate sees it.
    absl::StatusOr<LoginDecision> counted = CountFailure(req);
    if (counted.ok()) {
      result->counted = *std::move(counted);
    } else {
      result = counted.status();
    }
  }
  absl::MutexLock lock(&checks_mu_);
  --checks_running_;
  if (--checks_in_flight_[name] == 0) checks_in_flight_.erase(name);
  ++checks_finished_;
  return result;
}

v1::Identity Authenticator::IdentityOf(const Caller& c) const {
  v1::Identity id;
  id.set_user(c.user);
  id.set_role(c.role);
  id.set_all_areas(c.areas.all);
  for (const std::string& a : c.areas.areas) id.add_areas(a);
  id.set_device_id(c.device_id);
  id.set_token_expires_ms(c.expires_ms);
  return id;
}

absl::StatusOr<v1::LoginResponse> Authenticator::Login(
    const v1::LoginRequest& req) {
  if (req.user().empty()) {
    return absl::InvalidArgumentError("user is required");
  }
  if (req.user().size() > 64 || req.password().size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError("user or password is too long");
  }
  if (std::string bad = DeviceIdProblem(req.device_id(), "device_id");
      !bad.empty()) {
    return absl::InvalidArgumentError(bad);
  }
  if (req.device_key().size() != 32) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "device_key must be 32 bytes (got %d)", req.device_key().size()));
  }
  if (req.device_label().size() > 512) {
    return absl::InvalidArgumentError("device_label must be at most 512 bytes");
  }
  const int64_t now = clock_->NowMs();
  // Only a failed check counts (concurrent correct logins all succeed).
  // An attempt that comes too soon is refused before the password is looked
  // at, and asked again once a check slot is free, so guesses that waited
  // for a slot see the failures counted meanwhile.
  FS_ASSIGN_OR_RETURN(const LoginDecision gate, Gate(req));
  if (!gate.allowed) return absl::ResourceExhaustedError(gate.refusal);
  auto user = accounts_->GetUser(req.user());
  if (!user.ok() && !absl::IsNotFound(user.status())) return user.status();
  // For an unknown name, as long as a real check, so timing does not tell
  // which names exist.
  FS_ASSIGN_OR_RETURN(
      Checked checked,
      CheckPassword(req, user.ok() ? absl::string_view(user->pw_hash)
                                   : absl::string_view(dummy_hash_)));
  const PasswordCheck check = checked.check;
  if (check == PasswordCheck::kUnchecked && user.ok()) {
    FS_RETURN_IF_ERROR(accounts_->Audit(
        {0, now, req.user(), req.device_id(), "login_unchecked",
         "the password could not be checked (out of memory or a damaged "
         "stored hash); not counted as a failure"}));
    return absl::UnavailableError(
        "the server could not check the password just now (it is short of "
        "memory); try again in a minute. This did not count as a failed "
        "login.");
  }
  if (check != PasswordCheck::kMatch || !user.ok()) {
    if (check != PasswordCheck::kMismatch) {  // an unknown name, unchecked
      FS_ASSIGN_OR_RETURN(checked.counted, CountFailure(req));
    }
    const LoginDecision& counted = checked.counted;
    std::string detail = user.ok() ? "wrong password" : "no such user";
    if (counted.after.locked_until_ms > now) {
      absl::StrAppend(&detail, "; locked until ",
                      FormatTimeMs(counted.after.locked_until_ms));
    }
    absl::StrAppend(&detail, "; failure ", counted.after.failures);
    FS_RETURN_IF_ERROR(accounts_->Audit(
        {0, now, req.user(), req.device_id(), "login_failed", detail}));
    return absl::UnauthenticatedError("wrong user name or password");
  }
  if (user->disabled) {
    FS_RETURN_IF_ERROR(accounts_->RecordRefusedLogin(
        req.user(), req.device_id(), "account disabled", now));
    return AccountDisabled(req.user());
  }
  const std::string token = NewToken();
  const int64_t expires = now + options_.token_ttl_ms;
  FS_ASSIGN_OR_RETURN(const int64_t token_id,
                      accounts_->RecordLogin(
                          *user, req.device_id(), Blake2b256(req.device_key()),
                          req.device_label(), TokenHash(token), expires, now));
  Caller c;
  c.user_id = user->user_id;
  c.user = user->name;
  c.role = user->role;
  c.areas = VisibleAreas(user->role, user->areas);
  c.device_id = req.device_id();
  c.token_id = token_id;
  c.expires_ms = expires;
  v1::LoginResponse resp;
  resp.set_token(token);
  *resp.mutable_identity() = IdentityOf(c);
  return resp;
}

absl::StatusOr<Caller> Authenticator::Authenticate(
    const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError(
        "no token: log in first (fieldsync login)");
  }
  const absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWith(value, kBearer)) {
    return absl::UnauthenticatedError(
        "the authorization metadata must be \"Bearer <token>\"");
  }
  return CheckToken(value.substr(kBearer.size()));
}

absl::StatusOr<Caller> Authenticator::CheckToken(absl::string_view token) {
  if (!absl::StartsWith(token, kTokenPrefix) || token.size() > 128) {
    return LoginAgain("the token is not a fieldsync token");
  }
  auto t = accounts_->LookupToken(TokenHash(token));
  if (absl::IsNotFound(t.status())) return LoginAgain("unknown token");
  if (!t.ok()) return t.status();
  const int64_t now = clock_->NowMs();
  if (t->revoked_ms != 0) {
    return LoginAgain(absl::StrCat("the token was revoked at ",
                                   FormatTimeMs(t->revoked_ms), " by ",
                                   t->revoked_by));
  }
  if (t->expires_ms <= now) {
    return LoginAgain(
        absl::StrCat("the token expired at ", FormatTimeMs(t->expires_ms)));
  }
  FS_ASSIGN_OR_RETURN(UserRecord u, accounts_->GetUser(t->user));
  if (u.disabled) return AccountDisabled(u.name);
  Caller c;
  c.user_id = u.user_id;
  c.user = u.name;
  c.role = u.role;
  c.areas = VisibleAreas(u.role, u.areas);
  c.device_id = t->device_id;
  c.token_id = t->token_id;
  c.expires_ms = t->expires_ms;
  return c;
}

absl::Status Authenticator::Logout(const Caller& caller) {
  return accounts_->RevokeToken(caller.token_id, caller.user, "logout",
                                clock_->NowMs());
}

}  // namespace fieldsync
