#include "bench/bench_records.h"

#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace fieldsync::bench {
namespace {

// Seed of the records' counts and notes: the same records every run.
constexpr uint64_t kRecordSeed = 20260512;

}  // namespace

absl::StatusOr<v1::Record> LoadExample(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  v1::Record r;
  const auto st = google::protobuf::util::JsonStringToMessage(ss.str(), &r);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", st.ToString()));
  }
  return r;
}

RecordMaker::RecordMaker(v1::Record example)
    : template_(std::move(example)), rng_(kRecordSeed) {
  template_.clear_notes();
  while (template_.rubric_links_size() > 0 &&
         BodySize(template_) + kMinNotesBytes > kTargetChangeBodyBytes) {
    template_.mutable_rubric_links()->RemoveLast();
  }
}

v1::Record RecordMaker::Next(uint64_t i) {
  static constexpr const char* kWords[] = {
      "classroom", "tidy",     "trainees", "attentive", "register",
      "signed",    "teacher",  "present",  "equipment", "adequate",
      "stoves",    "knives",   "hygiene",  "checked",   "timetable",
      "matches",   "practice", "session",  "absent",    "leave",
      "approved",  "photos",   "taken",    "follow-up", "needed"};
  v1::Record r = template_;
  auto* s = r.mutable_spot_check();
  s->set_enrolled(30 + static_cast<uint32_t>(rng_() % 21));
  s->set_attendance_counted(s->enrolled() - static_cast<uint32_t>(rng_() % 6));
  r.mutable_observed_at()->set_seconds(r.observed_at().seconds() +
                                       static_cast<int64_t>(i) * 60);
  const size_t base = BodySize(r);
  // Bytes left for notes, less its tag and (up to 2-byte) length prefix.
  const size_t room =
      kTargetChangeBodyBytes > base + 3 ? kTargetChangeBodyBytes - base - 3 : 1;
  std::string notes = absl::StrCat("Visit #", i, ":");
  while (notes.size() < room) {
    absl::StrAppend(&notes, " ", kWords[rng_() % std::size(kWords)]);
  }
  notes.resize(room);
  r.set_notes(notes);
  // The length prefix of notes may be a byte shorter than allowed for.
  const size_t size = BodySize(r);
  if (size < kTargetChangeBodyBytes) {
    notes.append(kTargetChangeBodyBytes - size, '.');
    r.set_notes(std::move(notes));
  }
  return r;
}

size_t RecordMaker::BodySize(const v1::Record& r) {
  v1::ChangeBody probe;
  *probe.mutable_record() = r;
  probe.mutable_record()->set_id(std::string(16, 'i'));
  probe.mutable_record()->set_device_id(std::string(16, 'd'));
  probe.mutable_record()->set_author(kAuthor);
  return probe.ByteSizeLong();
}

}  // namespace fieldsync::bench
