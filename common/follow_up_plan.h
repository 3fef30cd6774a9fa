// Follow-up plans (跟踪走访): which visits to trainees are due, when, and
// whether a visit has closed them. A pure function of the roster and the
// follow-up visits a replica holds, so a device computes it offline.
//
// The rules:
//   - every trainee whose class has ended is due one visit per entry of the
//     schedule: class end + k months (default 1, 3 and 6). When the month
//     reached is shorter, the due date is its last day (a class ending on
//     31 January is due on 28 February, then 30 April, then 31 July);
//   - a visit's window opens `window_before_days` (15) before its due date;
//     each follow-up visit of the trainee, oldest first, closes the earliest
//     visit still open whose window has opened by its day: a visit made
//     early in the window closes that one, a late visit closes the overdue
//     one (so a missed visit does not stay overdue forever once the trainee
//     has been seen), and a visit before any window opens closes nothing.
//     Every visit is kept;
//   - an open visit is overdue after its due date, due within the window
//     before it, and upcoming before that.
// Days are civil days of the region (Asia/Shanghai, common/time_format.h),
// never UTC: a visit at 07:30 Beijing time on the 1st is on the 1st.
#ifndef FIELDSYNC_COMMON_FOLLOW_UP_PLAN_H_
#define FIELDSYNC_COMMON_FOLLOW_UP_PLAN_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace fieldsync {

struct FollowUpSchedule {
  std::vector<int> months_after_class_end = {1, 3, 6};
  int window_before_days = 15;
};

struct TraineeToFollow {
  std::string trainee_id;
  absl::CivilDay class_end;
};

enum class DueState { kUpcoming, kDue, kOverdue, kClosed };

struct DueVisit {
  std::string trainee_id;
  int number = 0;  // 1-based, in schedule order
  int months = 0;  // after the class end
  absl::CivilDay due;
  DueState state = DueState::kUpcoming;
  absl::CivilDay closed_on;  // when kClosed: the visit's day
};

// Class end + `months`, clamped to the last day of the month reached.
absl::CivilDay AddMonthsClamped(absl::CivilDay day, int months);

// "YYYY-MM-DD" as a civil day; INVALID_ARGUMENT otherwise.
absl::StatusOr<absl::CivilDay> ParseCivilDay(absl::string_view text);

// The visits due for `trainees` (those whose class ended before `today`),
// given the days each trainee was visited, in trainee then schedule order.
std::vector<DueVisit> PlanFollowUps(
    const std::vector<TraineeToFollow>& trainees,
    const std::map<std::string, std::vector<absl::CivilDay>>& visits,
    absl::CivilDay today, const FollowUpSchedule& schedule);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_FOLLOW_UP_PLAN_H_
