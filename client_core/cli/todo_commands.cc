// `fieldsync todo`: what the inspector has to do in their areas, from what
// the device holds (works offline): follow-up visits due and overdue.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client_core/cli/commands.h"

namespace fieldsync::cli {
namespace {

// A JSON string literal of `s` (UTF-8 passes through).
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string Json(const TodoItem& t) {
  return absl::StrCat(
      "{\"kind\":\"follow-up-visit\",\"traineeId\":", Quoted(t.trainee_id),
      ",\"traineeName\":", Quoted(t.trainee_name),
      ",\"idNumberMasked\":", Quoted(t.id_number_masked),
      ",\"townshipCode\":", Quoted(t.township_code),
      ",\"villageCode\":", Quoted(t.village_code),
      ",\"classId\":", Quoted(t.class_id),
      ",\"occupation\":", Quoted(t.occupation), ",\"visit\":", t.visit_number,
      ",\"visitsPlanned\":", t.visits_planned,
      ",\"monthsAfterClassEnd\":", t.months_after_class_end,
      ",\"dueDate\":", Quoted(t.due_date),
      ",\"state\":", t.overdue ? "\"overdue\"" : "\"due\"",
      ",\"daysOverdue\":", t.days_overdue, "}");
}

}  // namespace

int Todo(const Cli& cli) {
  if (!cli.positional.empty()) return UsageError("todo takes no arguments");
  auto client = OpenClient(cli);
  if (!client.ok()) return Failure(client.status());
  auto items = (*client)->Todo();
  if (!items.ok()) return Failure(items.status());
  if (cli.flags.count("json") > 0) {
    for (const TodoItem& t : *items) std::printf("%s\n", Json(t).c_str());
    return 0;
  }
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
        t.trainee_name.c_str(),
        t.id_number_masked.empty() ? "(no ID number)"
                                   : t.id_number_masked.c_str(),
        place.c_str(), t.class_id.c_str(), t.occupation.c_str(), t.visit_number,
        t.visits_planned, t.months_after_class_end);
  }
  return 0;
}

}  // namespace fieldsync::cli
