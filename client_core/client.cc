// The public Client: a thin facade over LocalStore (recording, reading) and
// SyncEngine (one sync at a time).
#include "fieldsync/client.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "client_core/local_store.h"
#include "client_core/sync_engine.h"
#include "common/status_macros.h"

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

absl::StatusOr<std::unique_ptr<Client>> Client::Open(
    const ClientOptions& options) {
  const Clock* clock = options.clock ? options.clock : SystemClock::Default();
  FS_ASSIGN_OR_RETURN(auto store, LocalStore::Open(options.home, clock));
  return std::make_unique<Client>(PrivateTag{}, std::move(store), clock,
                                  options.tuning);
}

Client::Client(PrivateTag, std::unique_ptr<LocalStore> store,
               const Clock* clock, ClientTuning tuning)
    : store_(std::move(store)), clock_(clock), tuning_(tuning) {}

Client::~Client() = default;

const std::string& Client::device_id() const { return store_->device_id(); }

absl::StatusOr<std::string> Client::Record(v1::Record record) {
  return store_->AddRecord(std::move(record), nullptr);
}

absl::Status Client::Revise(const std::string& id, v1::Record record) {
  return store_->AddRecord(std::move(record), &id).status();
}

absl::StatusOr<uint64_t> Client::EditEntity(v1::EntityEdit edit) {
  return store_->AddEntityEdit(std::move(edit));
}

absl::StatusOr<std::vector<RecordView>> Client::List(
    std::optional<RecordKind> kind) {
  return store_->List(kind);
}

absl::StatusOr<std::vector<Revision>> Client::Show(const std::string& id) {
  return store_->Revisions(id);
}

absl::StatusOr<std::vector<EntityFieldView>> Client::GetEntity(
    v1::EntityType type, const std::string& id) {
  return store_->Entity(type, id);
}

absl::StatusOr<SyncReport> Client::Sync(
    const std::function<void(const SyncProgress&)>& progress) {
  absl::MutexLock lock(&sync_mu_);
  SyncEngine engine(store_.get(), clock_, tuning_);
  return engine.Run(progress);
}

absl::StatusOr<DeviceStatus> Client::Status() { return store_->Status(); }

absl::StatusOr<StateSummary> Client::Summarize() { return store_->Summarize(); }

}  // namespace fieldsync
