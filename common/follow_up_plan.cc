#include "common/follow_up_plan.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"

namespace fieldsync {

absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const absl::CivilDay last = absl::CivilDay(target + 1) - 1;
  const absl::CivilDay same(target.year(), target.month(), day.day());
  // CivilDay normalises 30 February to early March: clamp to the month.
  return absl::CivilMonth(same) == target ? same : last;
}

absl::StatusOr<absl::CivilDay> ParseCivilDay(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) {
    return absl::InvalidArgumentError("a date is written YYYY-MM-DD");
  }
  return day;
}

std::vector<DueVisit> PlanFollowUps(
    const std::vector<TraineeToFollow>& trainees,
    const std::map<std::string, std::vector<absl::CivilDay>>& visits,
    absl::CivilDay today, const FollowUpSchedule& schedule) {
  std::vector<DueVisit> out;
  const auto& months = schedule.months_after_class_end;
  const int before = schedule.window_before_days;
  for (const TraineeToFollow& t : trainees) {
    if (!(t.class_end < today)) continue;  // the class has not ended
    std::vector<absl::CivilDay> seen;
    if (auto it = visits.find(t.trainee_id); it != visits.end()) {
      seen = it->second;
      std::sort(seen.begin(), seen.end());
    }
    const size_t first = out.size();
    for (size_t k = 0; k < months.size(); ++k) {
      DueVisit v;
      v.trainee_id = t.trainee_id;
      v.number = static_cast<int>(k) + 1;
      v.months = months[k];
      v.due = AddMonthsClamped(t.class_end, months[k]);
      out.push_back(std::move(v));
    }
    // Each visit, oldest first, closes the earliest open due visit whose
    // window has opened by its day (a late visit closes the overdue one).
    for (const absl::CivilDay day : seen) {
      for (size_t k = first; k < out.size(); ++k) {
        DueVisit& v = out[k];
        if (v.state == DueState::kClosed || day < v.due - before) continue;
        v.state = DueState::kClosed;
        v.closed_on = day;
        break;
      }
    }
    for (size_t k = first; k < out.size(); ++k) {
      DueVisit& v = out[k];
      if (v.state == DueState::kClosed) continue;
      if (v.due < today) {
        v.state = DueState::kOverdue;
      } else if (!(today < v.due - before)) {
        v.state = DueState::kDue;
      }
    }
  }
  return out;
}

}  // namespace fieldsync
