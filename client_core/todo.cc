#include "client_core/todo.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_format.h"
#include "common/record_kind.h"
#include "common/review_state.h"
#include "common/status_macros.h"
#include "common/time_format.h"

namespace fieldsync {
namespace {

std::string Field(const EntitySummary& e, const std::string& name) {
  auto it = e.fields.find(name);
  return it == e.fields.end() ? std::string() : it->second;
}

}  // namespace

absl::StatusOr<std::vector<TodoItem>> BuildTodo(
    LocalStore& store, absl::CivilDay today, const FollowUpSchedule& schedule) {
  FS_ASSIGN_OR_RETURN(std::optional<AreaSet> areas, store.CurrentAreas());
  if (areas.has_value() && areas->all) return std::vector<TodoItem>();
  FS_ASSIGN_OR_RETURN(std::vector<EntitySummary> classes,
                      store.Entities(v1::ENTITY_TYPE_CLASS));
  FS_ASSIGN_OR_RETURN(std::vector<EntitySummary> trainees,
                      store.Entities(v1::ENTITY_TYPE_TRAINEE));
  FS_ASSIGN_OR_RETURN(std::vector<RecordView> visits,
                      store.List(RecordKind::kFollowUpVisit));
  std::map<std::string, const EntitySummary*> class_by_id;
  for (const EntitySummary& c : classes) class_by_id[c.id] = &c;
  std::map<std::string, const EntitySummary*> trainee_by_id;
  std::vector<TraineeToFollow> to_follow;
  for (const EntitySummary& t : trainees) {
    trainee_by_id[t.id] = &t;
    auto c = class_by_id.find(Field(t, "class_id"));
    if (c == class_by_id.end()) continue;  // no class held: nothing to plan
    auto end = ParseCivilDay(Field(*c->second, "end_date"));
    if (!end.ok()) continue;  // a class without its end date
    to_follow.push_back({t.id, *end});
  }
  std::map<std::string, std::vector<absl::CivilDay>> visited;
  for (const RecordView& v : visits) {
    const v1::Record& r = v.current.record;
    if (v.current.state == ChangeState::kRejected) continue;
    if (v.review.status == ReviewStatus::kRejected) continue;
    visited[r.follow_up_visit().trainee_id()].push_back(
        RegionDay(absl::FromUnixSeconds(r.observed_at().seconds())));
  }
  std::vector<TodoItem> out;
  const int planned = static_cast<int>(schedule.months_after_class_end.size());
  for (const DueVisit& d : PlanFollowUps(to_follow, visited, today, schedule)) {
    if (d.state != DueState::kDue && d.state != DueState::kOverdue) continue;
    const EntitySummary& t = *trainee_by_id.at(d.trainee_id);
    const EntitySummary& c = *class_by_id.at(Field(t, "class_id"));
    TodoItem item;
    item.trainee_id = t.id;
    item.trainee_name = Field(t, "name");
    item.id_number_masked = Field(t, "id_number_masked");
    item.township_code = Field(t, "township_code");
    item.village_code = Field(t, "village_code");
    item.class_id = c.id;
    item.occupation = Field(c, "occupation");
    item.visit_number = d.number;
    item.visits_planned = planned;
    item.months_after_class_end = d.months;
    item.due_date = absl::FormatCivilTime(d.due);
    item.overdue = d.state == DueState::kOverdue;
    item.days_overdue = static_cast<int>(today - d.due);
    out.push_back(std::move(item));
  }
  std::sort(out.begin(), out.end(), [](const TodoItem& a, const TodoItem& b) {
    return std::tie(a.due_date, a.village_code, a.trainee_id, a.visit_number) <
           std::tie(b.due_date, b.village_code, b.trainee_id, b.visit_number);
  });
  return out;
}

}  // namespace fieldsync
