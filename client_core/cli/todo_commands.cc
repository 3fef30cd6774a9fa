// `fieldsync todo`: what the user has to do, from what the device holds
// (works offline): reviews waiting for them (questions and rejections of
// their records, answers to their questions), then follow-up visits due and
// overdue in their areas.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client_core/cli/commands.h"
#include "common/hlc.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/review_state.h"

namespace fieldsync::cli {
namespace {

std::string Json(const TodoItem& t) {
  return absl::StrCat(
      "{\"kind\":\"follow-up-visit\",\"traineeId\":", JsonString(t.trainee_id),
      ",\"traineeName\":", JsonString(t.trainee_name),
      ",\"idNumberMasked\":", JsonString(t.id_number_masked),
      ",\"townshipCode\":", JsonString(t.township_code),
      ",\"villageCode\":", JsonString(t.village_code),
      ",\"classId\":", JsonString(t.class_id),
      ",\"occupation\":", JsonString(t.occupation),
      ",\"visit\":", t.visit_number, ",\"visitsPlanned\":", t.visits_planned,
      ",\"monthsAfterClassEnd\":", t.months_after_class_end,
      ",\"dueDate\":", JsonString(t.due_date),
      ",\"state\":", t.overdue ? "\"overdue\"" : "\"due\"",
      ",\"daysOverdue\":", t.days_overdue, "}");
}

std::string Json(const ReviewTask& t) {
  return absl::StrCat("{\"kind\":\"review\",\"recordId\":\"",
                      IdToString(t.record_id), "\",\"recordKind\":\"",
                      RecordKindName(t.kind),
                      "\",\"county\":", JsonString(t.county),
                      ",\"author\":", JsonString(t.author), ",\"status\":\"",
                      ReviewStatusName(t.review.status),
                      "\",\"reviewer\":", JsonString(t.review.reviewer),
                      ",\"text\":", JsonString(t.review.text),
                      ",\"answer\":", JsonString(t.review.answer), "}");
}

void PrintReviews(const std::vector<ReviewTask>& tasks) {
  std::printf("%zu review(s) waiting for you:\n", tasks.size());
  for (const ReviewTask& t : tasks) {
    const std::string when =
        Time(static_cast<int64_t>(HlcWallMs(t.review.hlc)));
    if (t.review.status == ReviewStatus::kAnswered) {
      std::printf("  %s  %s %s by %s answered your question: \"%s\"\n",
                  when.c_str(), RecordKindName(t.kind).data(),
                  IdToString(t.record_id).c_str(), Printable(t.author).c_str(),
                  Printable(t.review.answer).c_str());
      std::printf(
          "      accept, question again or reject it: fieldsync "
          "review %s --accept\n",
          IdToString(t.record_id).c_str());
      continue;
    }
    std::printf("  %s  %s %s %s by reviewer %s: \"%s\"\n", when.c_str(),
                RecordKindName(t.kind).data(), IdToString(t.record_id).c_str(),
                ReviewStatusName(t.review.status).data(),
                Printable(t.review.reviewer).c_str(),
                Printable(t.review.text).c_str());
    std::printf(
        "      answer it (fieldsync review %s --answer TEXT) or "
        "revise the record (fieldsync record KIND --revise %s)\n",
        IdToString(t.record_id).c_str(), IdToString(t.record_id).c_str());
  }
}

}  // namespace

int Todo(const Cli& cli) {
  if (!cli.positional.empty()) return UsageError("todo takes no arguments");
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto items = (*client)->Todo();
  if (!items.ok()) return Failure(items.status());
  auto reviews = (*client)->ReviewTasks();
  if (!reviews.ok()) return Failure(reviews.status());
  if (cli.flags.count("json") > 0) {
    for (const ReviewTask& t : *reviews) std::printf("%s\n", Json(t).c_str());
    for (const TodoItem& t : *items) std::printf("%s\n", Json(t).c_str());
    return 0;
  }
  if (!reviews->empty()) PrintReviews(*reviews);
  if (items->empty()) {
    std::printf(
        "nothing due: no follow-up visit is due or overdue in your areas "
        "(from what this device holds; sync to bring it up to date)\n");
    return 0;
  }
  std::printf("%zu follow-up visit(s) due or overdue (dates: Asia/Shanghai):\n",
              items->size());
  for (const TodoItem& t : *items) {
    const std::string when =
        t.overdue ? absl::StrCat("overdue ", t.days_overdue, " day(s)")
                  : absl::StrCat("due in ", -t.days_overdue, " day(s)");
    const std::string place =
        !t.village_code.empty()    ? absl::StrCat("village ", t.village_code)
        : !t.township_code.empty() ? absl::StrCat("township ", t.township_code)
                                   : std::string("county");
    std::printf(
        "  %s  %-18s %s %s %s  %s  class %s %s  visit %d of %d (%d "
        "month(s) after the class)\n",
        t.due_date.c_str(), when.c_str(), t.trainee_id.c_str(),
        Printable(t.trainee_name).c_str(),
        t.id_number_masked.empty() ? "(no ID number)"
                                   : t.id_number_masked.c_str(),
        place.c_str(), t.class_id.c_str(), t.occupation.c_str(), t.visit_number,
        t.visits_planned, t.months_after_class_end);
  }
  return 0;
}

}  // namespace fieldsync::cli
