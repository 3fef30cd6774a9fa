// `fieldsync record`, `list`, `show`: the evidence on this device.
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client_core/cli/commands.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/review_state.h"
#include "google/protobuf/util/json_util.h"

namespace fieldsync::cli {
namespace {

std::string ViewJson(const RecordView& v) {
  return absl::StrFormat(
      "{\"id\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",\"review\":\"%s\","
      "\"revisions\":%d,\"deviceId\":\"%s\",\"record\":%s}",
      IdToString(v.id), RecordKindName(v.kind),
      ChangeStateName(v.current.state), ReviewStatusName(v.review.status),
      v.revisions, IdToString(v.current.device_id),
      RecordJson(v.current.record));
}

}  // namespace

int Record(const Cli& cli) {
  if (cli.positional.size() != 1) {
    return UsageError(
        "record needs KIND (spot-check, follow-up-visit, "
        "interview-note, document-review, monthly-report)");
  }
  const auto kind = RecordKindFromName(cli.positional[0]);
  if (!kind) {
    return UsageError(
        absl::StrCat("unknown KIND \"", cli.positional[0],
                     "\": use spot-check, follow-up-visit, interview-note, "
                     "document-review or monthly-report"));
  }
  auto json_path = cli.options.find("json");
  if (json_path == cli.options.end())
    return UsageError("record needs --json FILE (or - for stdin)");
  auto text = ReadInput(json_path->second);
  if (!text.ok()) return Failure(text.status());
  v1::Record record;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(*text, &record, opts);
  if (!parsed.ok()) {
    return Failure(absl::InvalidArgumentError(absl::StrCat(
        json_path->second, " is not a valid fieldsync.v1.Record in JSON: ",
        parsed.message().as_string())));
  }
  if (KindOf(record) != *kind) {
    return Failure(absl::InvalidArgumentError(absl::StrCat(
        json_path->second, " holds ",
        KindOf(record) == RecordKind::kUnknown
            ? std::string("no record body")
            : absl::StrCat("a ", RecordKindName(KindOf(record)), " record"),
        " but KIND is ", RecordKindName(*kind))));
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  if (auto rev = cli.options.find("revise"); rev != cli.options.end()) {
    auto id = IdFromString(rev->second);
    if (!id.ok()) return Failure(id.status());
    if (auto s = (*client)->Revise(*id, record); !s.ok()) return Failure(s);
    std::printf("%s\n", IdToString(*id).c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "saved a new revision of %s %s (pending sync)\n",
                 RecordKindName(*kind).data(), IdToString(*id).c_str());
    return 0;
  }
  if (!record.id().empty()) {
    return Failure(absl::InvalidArgumentError(
        "id is filled by the device; to revise a record use --revise ID"));
  }
  auto id = (*client)->Record(record);
  if (!id.ok()) return Failure(id.status());
  std::printf("%s\n", IdToString(*id).c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "saved %s %s (pending sync)\n",
               RecordKindName(*kind).data(), IdToString(*id).c_str());
  return 0;
}

int List(const Cli& cli) {
  std::optional<RecordKind> kind;
  if (auto k = cli.options.find("kind"); k != cli.options.end()) {
    kind = RecordKindFromName(k->second);
    if (!kind)
      return UsageError(absl::StrCat("unknown --kind \"", k->second, "\""));
  }
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto views = (*client)->List(kind);
  if (!views.ok()) return Failure(views.status());
  const bool json = cli.flags.count("json") > 0;
  for (const RecordView& v : *views) {
    if (json) {
      std::printf("%s\n", ViewJson(v).c_str());
      continue;
    }
    const v1::Record& r = v.current.record;
    std::printf(
        "%s  %-16s %-8s review:%-10s county %s  %s  by %s  rev %lld  %s\n",
        IdToString(v.id).c_str(), RecordKindName(v.kind).data(),
        ChangeStateName(v.current.state),
        ReviewStatusName(v.review.status).data(),
        r.area().county_code().c_str(),
        Time(r.observed_at().seconds() * 1000).c_str(),
        Printable(r.author()).c_str(), static_cast<long long>(v.revisions),
        Printable(Prefix(r.notes(), 20)).c_str());
  }
  if (!json) std::printf("%zu record(s)\n", views->size());
  return 0;
}

int Show(const Cli& cli) {
  if (cli.positional.size() != 1) return UsageError("show needs a record ID");
  auto id = IdFromString(cli.positional[0]);
  if (!id.ok()) return Failure(id.status());
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto revs = (*client)->Show(*id);
  if (!revs.ok()) return Failure(revs.status());
  const bool json = cli.flags.count("json") > 0;
  int n = 0;
  for (const Revision& r : *revs) {
    ++n;
    if (json) {
      std::printf(
          "{\"id\":\"%s\",\"revision\":%d,\"state\":\"%s\",\"deviceId\":\"%s\","
          "\"deviceSeq\":%llu,\"serverSeq\":%llu,\"reason\":%s,\"record\":%"
          "s}\n",
          IdToString(*id).c_str(), n, ChangeStateName(r.state),
          IdToString(r.device_id).c_str(),
          static_cast<unsigned long long>(r.device_seq),
          static_cast<unsigned long long>(r.server_seq),
          JsonString(r.reason).c_str(), RecordJson(r.record).c_str());
      continue;
    }
    std::printf("revision %d  %s  device %s seq %llu%s\n", n,
                ChangeStateName(r.state), IdToString(r.device_id).c_str(),
                static_cast<unsigned long long>(r.device_seq),
                r.server_seq
                    ? absl::StrCat("  server seq ", r.server_seq).c_str()
                    : "");
    if (r.state == ChangeState::kRejected)
      std::printf("  rejected: %s\n", Printable(r.reason).c_str());
    std::printf("  %s\n", RecordJson(r.record).c_str());
  }
  return 0;
}

}  // namespace fieldsync::cli
