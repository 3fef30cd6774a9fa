// The public Client: a thin facade over LocalStore (recording, reading) and
// SyncEngine (one sync at a time).
#include "fieldsync/client.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client_core/channel.h"
#include "client_core/local_store.h"
#include "client_core/sync_engine.h"
#include "client_core/todo.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "common/time_format.h"
#include "fieldsync/v1/auth.grpc.pb.h"
#include "rpc/deadline.h"

namespace fieldsync {
namespace {

// mkdir -p with 0700: a device home holds evidence and (later) credentials.
absl::Status MakeDirs(const std::string& path) {
  std::string partial;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      partial = path.substr(0, i);
      if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot create ", partial, ": ", std::strerror(errno)));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* ChangeStateName(ChangeState s) {
  switch (s) {
    case ChangeState::kPending:
      return "pending";
    case ChangeState::kAccepted:
      return "accepted";
    case ChangeState::kRejected:
      return "rejected";
  }
  return "unknown";
}

absl::Status Client::Init(const std::string& home, const std::string& server,
                          const std::string& author, const std::string& label) {
  if (home.empty()) return absl::InvalidArgumentError("home must not be empty");
  if (server.empty() || server.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("server \"", server, "\" must be HOST:PORT"));
  }
  if (author.empty()) {
    return absl::InvalidArgumentError("the inspector's name must not be empty");
  }
  FS_RETURN_IF_ERROR(MakeDirs(home));
  return LocalStore::Create(home, server, author, label);
}

struct Client::Impl {
  std::unique_ptr<LocalStore> store;
  std::string home;
  const Clock* clock;
  ClientTuning tuning;
  absl::Mutex sync_mu;  // one sync (or login, logout) at a time
};

absl::StatusOr<std::unique_ptr<Client>> Client::Open(
    const ClientOptions& options) {
  const Clock* clock = options.clock ? options.clock : SystemClock::Default();
  FS_ASSIGN_OR_RETURN(auto store, LocalStore::Open(options.home, clock));
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->home = options.home;
  impl->clock = clock;
  impl->tuning = options.tuning;
  return std::make_unique<Client>(std::move(impl));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() = default;

const std::string& Client::device_id() const {
  return impl_->store->device_id();
}

absl::StatusOr<std::string> Client::Record(v1::Record record) {
  return impl_->store->AddRecord(std::move(record), nullptr);
}

absl::Status Client::Revise(const std::string& id, v1::Record record) {
  return impl_->store->AddRecord(std::move(record), &id).status();
}

absl::StatusOr<uint64_t> Client::EditEntity(v1::EntityEdit edit) {
  return impl_->store->AddEntityEdit(std::move(edit));
}

absl::StatusOr<std::vector<RecordView>> Client::List(
    std::optional<RecordKind> kind) {
  return impl_->store->List(kind);
}

absl::StatusOr<std::vector<Revision>> Client::Show(const std::string& id) {
  return impl_->store->Revisions(id);
}

absl::StatusOr<std::vector<HistoryEntry>> Client::History(
    const std::string& id) {
  return impl_->store->History(id);
}

absl::Status Client::Review(const std::string& id, v1::ReviewVerdict verdict,
                            const std::string& text) {
  return impl_->store->AddReview(id, verdict, text);
}

absl::StatusOr<std::vector<ReviewTask>> Client::ReviewTasks() {
  return impl_->store->ReviewTasks();
}

absl::StatusOr<std::vector<EntityFieldView>> Client::GetEntity(
    v1::EntityType type, const std::string& id) {
  return impl_->store->Entity(type, id);
}

absl::StatusOr<std::vector<EntitySummary>> Client::ListEntities(
    v1::EntityType type) {
  return impl_->store->Entities(type);
}

absl::StatusOr<std::vector<TodoItem>> Client::Todo() {
  return BuildTodo(*impl_->store,
                   RegionDay(absl::FromUnixMillis(impl_->clock->NowMs())));
}

absl::StatusOr<RosterImportResult> Client::ImportRoster(
    const RosterImportOptions& options) {
  ImportInput input;
  FS_ASSIGN_OR_RETURN(input.kind, ParseRosterKind(options.kind));
  FS_ASSIGN_OR_RETURN(input.encoding, ParseTextEncoding(options.encoding));
  input.file_name = options.file_name;
  input.bytes = options.bytes;
  FS_ASSIGN_OR_RETURN(ImportPlan plan,
                      impl_->store->ImportRoster(input, options.dry_run));
  RosterImportResult r;
  r.rows = plan.rows;
  r.created = plan.created;
  r.changed = plan.changed;
  r.unchanged = plan.unchanged;
  r.fields_written = plan.fields_written;
  r.changes = options.dry_run || !plan.problems.empty() ? 0 : plan.edits.size();
  r.ignored_columns = std::move(plan.ignored_columns);
  r.problems = std::move(plan.problems);
  return r;
}

absl::StatusOr<SyncReport> Client::Sync(
    const std::function<void(const SyncProgress&)>& progress) {
  absl::MutexLock lock(&impl_->sync_mu);
  // ABORTED: the user's areas changed between the handshake and the
  // download; a new sync reconciles them first. (Bounded: an admin would
  // have to change them again within each retry.)
  absl::StatusOr<SyncReport> r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    SyncEngine engine(impl_->store.get(), impl_->clock, impl_->tuning,
                      impl_->home);
    r = engine.Run(progress);
    if (!absl::IsAborted(r.status())) break;
  }
  return r;
}

absl::StatusOr<v1::Identity> Client::Login(const LoginOptions& o) {
  absl::MutexLock lock(&impl_->sync_mu);
  if (o.user.empty()) return absl::InvalidArgumentError("user is required");
  ConnectionSettings conn = impl_->store->connection();
  if (!o.server.empty()) conn.server = o.server;
  conn.ca_pem = o.ca_pem;
  conn.insecure_plaintext = o.insecure_plaintext;
  if (!o.force) {
    FS_ASSIGN_OR_RETURN(const uint64_t others,
                        impl_->store->PendingByOthers(o.user));
    if (others > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          others, " record(s) made on this device by ", impl_->store->author(),
          " are waiting to be sent: log in as ", impl_->store->author(),
          " and sync them first (or force the login: the server will refuse "
          "them as not ",
          o.user, "'s)"));
    }
  }
  FS_ASSIGN_OR_RETURN(auto channel, MakeChannel(conn));
  auto stub = v1::AuthService::NewStub(channel);
  v1::LoginRequest req;
  req.set_user(o.user);
  req.set_password(o.password);
  req.set_device_id(impl_->store->device_id());
  req.set_device_key(impl_->store->device_key());
  req.set_device_label(impl_->store->label());
  v1::LoginResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(&ctx, impl_->tuning.rpc_deadline_ms);
  FS_RETURN_IF_ERROR(FromGrpc(stub->Login(&ctx, req, &resp), conn, "Login"));
  // The user first, then the token: a device never holds a token for a
  // user other than the one it records as.
  FS_RETURN_IF_ERROR(impl_->store->SetLogin(conn, o.user));
  FS_RETURN_IF_ERROR(WriteToken(impl_->home, resp.token()));
  return resp.identity();
}

absl::Status Client::Logout() {
  absl::MutexLock lock(&impl_->sync_mu);
  auto token = ReadToken(impl_->home);
  if (absl::IsUnauthenticated(token.status())) {
    return absl::FailedPreconditionError("this device is not logged in");
  }
  absl::Status told = token.status();
  if (token.ok()) {
    const ConnectionSettings conn = impl_->store->connection();
    auto channel = MakeChannel(conn);
    told = channel.status();
    if (channel.ok()) {
      auto stub = v1::AuthService::NewStub(*channel);
      grpc::ClientContext ctx;
      SetDeadline(&ctx, impl_->tuning.rpc_deadline_ms);
      Authorize(&ctx, *token);
      v1::LogoutResponse resp;
      told = FromGrpc(stub->Logout(&ctx, v1::LogoutRequest(), &resp), conn,
                      "Logout");
      // A token the server no longer honours is as good as revoked.
      if (absl::IsUnauthenticated(told)) told = absl::OkStatus();
    }
  }
  FS_RETURN_IF_ERROR(RemoveToken(impl_->home));
  if (!told.ok()) {
    return absl::Status(
        told.code(),
        absl::StrCat("logged out on this device, but the server was not told "
                     "(",
                     told.message(),
                     "): the token stays valid until it expires, unless an "
                     "administrator revokes it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Identity> Client::WhoAmI() {
  FS_ASSIGN_OR_RETURN(const std::string token, ReadToken(impl_->home));
  const ConnectionSettings conn = impl_->store->connection();
  FS_ASSIGN_OR_RETURN(auto channel, MakeChannel(conn));
  auto stub = v1::AuthService::NewStub(channel);
  grpc::ClientContext ctx;
  SetDeadline(&ctx, impl_->tuning.rpc_deadline_ms);
  Authorize(&ctx, token);
  v1::Identity id;
  FS_RETURN_IF_ERROR(
      FromGrpc(stub->WhoAmI(&ctx, v1::WhoAmIRequest(), &id), conn, "WhoAmI"));
  return id;
}

absl::StatusOr<DeviceStatus> Client::Status() {
  FS_ASSIGN_OR_RETURN(DeviceStatus s, impl_->store->Status());
  FS_ASSIGN_OR_RETURN(s.areas, impl_->store->HeldAreas());
  s.logged_in = ReadToken(impl_->home).ok();
  s.tls = !impl_->store->connection().ca_pem.empty();
  return s;
}

absl::StatusOr<StateSummary> Client::Summarize() {
  return impl_->store->Summarize();
}

}  // namespace fieldsync
