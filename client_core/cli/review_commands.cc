// `fieldsync review` and `history`: the office's verdicts on records and
// their authors' answers (common/review_state.h), and a record's whole story.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client_core/cli/commands.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/review_state.h"
#include "google/protobuf/util/json_util.h"

namespace fieldsync::cli {
namespace {

// The one verdict option the command line gives, or a usage error.
struct VerdictArg {
  v1::ReviewVerdict verdict = v1::REVIEW_VERDICT_UNSPECIFIED;
  std::string text;
};

absl::StatusOr<VerdictArg> ParseVerdict(const Cli& cli) {
  VerdictArg arg;
  int given = 0;
  if (cli.flags.count("accept") > 0) {
    arg.verdict = v1::REVIEW_VERDICT_ACCEPT;
    ++given;
  }
  const std::pair<const char*, v1::ReviewVerdict> with_text[] = {
      {"question", v1::REVIEW_VERDICT_QUESTION},
      {"reject", v1::REVIEW_VERDICT_REJECT},
      {"answer", v1::REVIEW_VERDICT_ANSWER}};
  for (const auto& [name, verdict] : with_text) {
    auto it = cli.options.find(name);
    if (it == cli.options.end()) continue;
    arg.verdict = verdict;
    arg.text = it->second;
    ++given;
  }
  if (given != 1) {
    return absl::InvalidArgumentError(
        "review needs one of --accept, --question TEXT, --reject TEXT or "
        "--answer TEXT");
  }
  return arg;
}

const char* VerdictName(v1::ReviewVerdict v) {
  switch (v) {
    case v1::REVIEW_VERDICT_ACCEPT:
      return "accept";
    case v1::REVIEW_VERDICT_QUESTION:
      return "question";
    case v1::REVIEW_VERDICT_REJECT:
      return "reject";
    case v1::REVIEW_VERDICT_ANSWER:
      return "answer";
    default:
      return "unknown";
  }
}

std::string HistoryJson(const std::string& id, const HistoryEntry& e) {
  std::string body;
  if (e.is_review) {
    (void)google::protobuf::util::MessageToJsonString(e.review, &body);
  } else {
    body = RecordJson(e.record);
  }
  return absl::StrFormat(
      "{\"id\":\"%s\",\"type\":\"%s\",\"author\":%s,\"deviceId\":\"%s\","
      "\"deviceSeq\":%d,\"madeAt\":\"%s\",\"state\":\"%s\",\"serverSeq\":%d,"
      "\"receivedAt\":\"%s\",\"reason\":%s,\"%s\":%s}",
      IdToString(id), e.is_review ? "review" : "revision", JsonString(e.author),
      IdToString(e.device_id), e.device_seq,
      Time(static_cast<int64_t>(HlcWallMs(e.hlc))), ChangeStateName(e.state),
      e.server_seq, e.received_ms ? Time(e.received_ms) : "",
      JsonString(e.reason), e.is_review ? "review" : "record", body);
}

}  // namespace

int Review(const Cli& cli) {
  if (cli.positional.size() != 1) {
    return UsageError(
        "review needs a record ID and one of --accept, --question TEXT, "
        "--reject TEXT or --answer TEXT");
  }
  auto verdict = ParseVerdict(cli);
  if (!verdict.ok()) return UsageError(std::string(verdict.status().message()));
  auto id = IdFromString(cli.positional[0]);
  if (!id.ok()) return Failure(id.status());
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  if (auto s = (*client)->Review(*id, verdict->verdict, verdict->text);
      !s.ok()) {
    return Failure(s);
  }
  const char* what =
      verdict->verdict == v1::REVIEW_VERDICT_ACCEPT     ? "accepted"
      : verdict->verdict == v1::REVIEW_VERDICT_QUESTION ? "questioned"
      : verdict->verdict == v1::REVIEW_VERDICT_REJECT   ? "rejected"
                                                        : "answered";
  std::printf("%s %s (pending sync)\n", what, IdToString(*id).c_str());
  return 0;
}

int History(const Cli& cli) {
  if (cli.positional.size() != 1) {
    return UsageError("history needs a record ID");
  }
  auto id = IdFromString(cli.positional[0]);
  if (!id.ok()) return Failure(id.status());
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto entries = (*client)->History(*id);
  if (!entries.ok()) return Failure(entries.status());
  if (cli.flags.count("json") > 0) {
    for (const HistoryEntry& e : *entries) {
      std::printf("%s\n", HistoryJson(*id, e).c_str());
    }
    return 0;
  }
  int revision = 0;
  for (const HistoryEntry& e : *entries) {
    const std::string made = Time(static_cast<int64_t>(HlcWallMs(e.hlc)));
    const std::string received =
        e.state == ChangeState::kPending ? "not yet sent to the server"
        : e.received_ms != 0
            ? absl::StrCat("received by the server ", Time(e.received_ms))
        : e.state == ChangeState::kAccepted ? "accepted by the server"
                                            : "";
    if (e.is_review) {
      std::printf("%s  %-9s by %s  device %s seq %llu  %s\n", made.c_str(),
                  VerdictName(e.review.verdict()), Printable(e.author).c_str(),
                  IdToString(e.device_id).c_str(),
                  static_cast<unsigned long long>(e.device_seq),
                  received.c_str());
      if (!e.review.text().empty()) {
        std::printf("    \"%s\"\n", Printable(e.review.text()).c_str());
      }
    } else {
      ++revision;
      std::printf("%s  revision %d by %s  device %s seq %llu  %s\n",
                  made.c_str(), revision, Printable(e.author).c_str(),
                  IdToString(e.device_id).c_str(),
                  static_cast<unsigned long long>(e.device_seq),
                  received.c_str());
    }
    if (e.state == ChangeState::kRejected) {
      std::printf("    refused by the server: %s\n",
                  Printable(e.reason).c_str());
    }
  }
  return 0;
}

}  // namespace fieldsync::cli
