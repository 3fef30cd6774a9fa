// `fieldsync sync`, `status`, `state`: moving the evidence, and what is where.
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client_core/cli/commands.h"
#include "common/record_id.h"
#include "common/record_kind.h"

namespace fieldsync::cli {

namespace {

// Prints a sync's progress as it goes: what is to send, each batch sent,
// the feed looked through.
class ProgressPrinter {
 public:
  void operator()(const SyncProgress& p) {
    using P = SyncProgress::Phase;
    if (p.phase == P::kHandshake) {
      std::printf("sync: %llu change(s) to send (%s)\n",
                  static_cast<unsigned long long>(p.to_send),
                  Bytes(p.bytes_to_send).c_str());
    } else if (p.phase == P::kUpload) {
      std::printf("  sent %llu/%llu (%s)\n",
                  static_cast<unsigned long long>(p.sent),
                  static_cast<unsigned long long>(p.to_send),
                  Bytes(p.bytes_sent).c_str());
    } else if (p.phase == P::kDownload) {
      if (!announced_download_) {
        announced_download_ = true;
        std::printf("  %llu change(s) in the feed to look through\n",
                    static_cast<unsigned long long>(p.to_receive));
      }
      std::printf("  looked through %llu/%llu (%s)\n",
                  static_cast<unsigned long long>(p.received),
                  static_cast<unsigned long long>(p.to_receive),
                  Bytes(p.bytes_received).c_str());
    }
    std::fflush(stdout);
  }

 private:
  bool announced_download_ = false;
};

// The areas the sync added or took away, and what that moved.
void PrintAreaChanges(const SyncReport& r) {
  for (const std::string& a : r.areas_added) {
    std::printf("  area %s added to your account\n", a.c_str());
  }
  if (r.backfilled > 0) {
    std::printf("  back-filled %llu earlier change(s) of the new area(s)\n",
                static_cast<unsigned long long>(r.backfilled));
  }
  for (const std::string& a : r.areas_removed) {
    std::printf("  area %s was taken off your account\n", a.c_str());
  }
  if (!r.areas_removed.empty()) {
    std::printf(
        "  removed %llu change(s) received from others in it; your own "
        "records stay\n",
        static_cast<unsigned long long>(r.purged));
  }
}

// What a finished sync did, its new rejections and the clock check.
void PrintReport(const SyncReport& r) {
  PrintAreaChanges(r);
  std::printf(
      "sync done: sent %llu (accepted %llu, rejected %llu), received %llu new "
      "from "
      "other devices, %llu confirmation(s); %s up, %s down, %u round trip(s)\n",
      static_cast<unsigned long long>(r.uploaded),
      static_cast<unsigned long long>(r.accepted),
      static_cast<unsigned long long>(r.rejected),
      static_cast<unsigned long long>(r.new_from_others),
      static_cast<unsigned long long>(r.confirmations),
      Bytes(r.bytes_sent).c_str(), Bytes(r.bytes_received).c_str(),
      r.round_trips);
  for (const Rejection& j : r.new_rejections) {
    std::printf("  REJECTED change %llu (%s %s): %s\n",
                static_cast<unsigned long long>(j.device_seq),
                RecordKindName(j.kind).data(), Printable(j.subject).c_str(),
                Printable(j.reason).c_str());
  }
  if (!r.new_rejections.empty()) {
    std::printf(
        "  rejected changes are kept on this device and do not block others; "
        "see `fieldsync status`\n");
  }
  if (r.clock_flagged) {
    std::printf(
        "  WARNING: this device's clock is %s by %s; fieldsync corrects for "
        "it, but please set the device's clock\n",
        r.clock_offset_ms > 0 ? "ahead" : "behind",
        absl::FormatDuration(absl::Milliseconds(std::llabs(r.clock_offset_ms)))
            .c_str());
  }
}

}  // namespace

int Sync(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  ProgressPrinter progress;
  auto report =
      (*client)->Sync([&progress](const SyncProgress& p) { progress(p); });
  if (!report.ok()) {
    std::fprintf(stderr, "fieldsync: sync did not finish: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  PrintReport(*report);
  return 0;
}

int Status(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto s = (*client)->Status();
  if (!s.ok()) return Failure(s.status());
  std::printf(
      "device    %s (inspector %s)\nserver    %s (%s, %s)\n"
      "areas     %s\nlast sync %s\n",
      IdToString(s->device_id).c_str(), s->author.c_str(), s->server.c_str(),
      s->tls ? "TLS" : "plaintext",
      s->logged_in ? "logged in" : "NOT logged in: fieldsync login",
      s->areas.c_str(), Time(s->last_sync_ms).c_str());
  std::printf(
      "pending   %llu (%s to send)\naccepted  %llu\nrejected  %llu\n"
      "received  %llu from other devices (feed cursor %llu)\n"
      "records   %llu; entity conflicts flagged %llu\n",
      static_cast<unsigned long long>(s->pending),
      Bytes(s->pending_bytes).c_str(),
      static_cast<unsigned long long>(s->accepted),
      static_cast<unsigned long long>(s->rejected),
      static_cast<unsigned long long>(s->received),
      static_cast<unsigned long long>(s->cursor),
      static_cast<unsigned long long>(s->records),
      static_cast<unsigned long long>(s->conflicts));
  if (s->held_back > 0) {
    std::printf(
        "held back %llu from other devices, until the server decides your "
        "pending changes that contradict them\n",
        static_cast<unsigned long long>(s->held_back));
  }
  if (!s->unreadable_held_back.empty()) {
    std::printf(
        "  WARNING: %zu held-back change(s) cannot be read (feed position "
        "%s): the device store is damaged there. They are kept, not applied; "
        "copy the device home and tell your administrator\n",
        s->unreadable_held_back.size(),
        absl::StrJoin(s->unreadable_held_back, ", ").c_str());
  }
  if (s->clock_flagged) {
    std::printf(
        "clock     FLAGGED: %s by %s at the last sync\n",
        s->clock_offset_ms > 0 ? "ahead" : "behind",
        absl::FormatDuration(absl::Milliseconds(std::llabs(s->clock_offset_ms)))
            .c_str());
  }
  for (const Rejection& j : s->rejections) {
    std::printf("  rejected change %llu (%s %s): %s\n",
                static_cast<unsigned long long>(j.device_seq),
                RecordKindName(j.kind).data(), Printable(j.subject).c_str(),
                Printable(j.reason).c_str());
  }
  auto reviews = (*client)->ReviewTasks();
  if (!reviews.ok()) return Failure(reviews.status());
  if (!reviews->empty()) {
    std::printf("reviews   %zu waiting for you (fieldsync todo lists them)\n",
                reviews->size());
  }
  return 0;
}

int State(const Cli& cli) {
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto s = (*client)->Summarize();
  if (!s.ok()) return Failure(s.status());
  std::printf(
      "device %s\n  changes   %llu\n  records   %llu\n  entities  %llu "
      "(conflicting writes flagged: %llu)\n  digest    %s\n",
      IdToString((*client)->device_id()).c_str(),
      static_cast<unsigned long long>(s->changes),
      static_cast<unsigned long long>(s->records),
      static_cast<unsigned long long>(s->entities),
      static_cast<unsigned long long>(s->conflicts), s->digest.c_str());
  return 0;
}

}  // namespace fieldsync::cli
