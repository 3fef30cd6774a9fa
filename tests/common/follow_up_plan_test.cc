// Follow-up plans (common/follow_up_plan.h): due dates at month ends, the
// windows a visit closes, due/overdue/upcoming, and the region's calendar
// day (Asia/Shanghai), not UTC's.
#include "common/follow_up_plan.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/time_format.h"

namespace fieldsync {
namespace {

using absl::CivilDay;

TEST(FollowUpPlanTest, DueDatesAtAMonthsEndStayInThatMonth) {
  EXPECT_EQ(AddMonthsClamped(CivilDay(2026, 1, 31), 1), CivilDay(2026, 2, 28));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2026, 1, 31), 3), CivilDay(2026, 4, 30));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2026, 1, 31), 6), CivilDay(2026, 7, 31));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2028, 1, 31), 1), CivilDay(2028, 2, 29));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2026, 11, 30), 3), CivilDay(2027, 2, 28));
  EXPECT_EQ(AddMonthsClamped(CivilDay(2026, 3, 15), 1), CivilDay(2026, 4, 15));
}

TEST(FollowUpPlanTest, EachVisitClosesTheWindowItFallsIn) {
  // Class ends 2026-01-31: due 02-28, 04-30, 07-31.
  const std::vector<TraineeToFollow> t = {{"T-1", CivilDay(2026, 1, 31)}};
  // A visit on 02-20 (within 15 days before the first due date) closes
  // visit 1; one on 03-10 is in visit 1's window too (it runs until 15
  // days before 04-30) and closes nothing more.
  const std::map<std::string, std::vector<CivilDay>> visits = {
      {"T-1", {CivilDay(2026, 3, 10), CivilDay(2026, 2, 20)}}};
  const auto plan =
      PlanFollowUps(t, visits, CivilDay(2026, 5, 3), FollowUpSchedule());
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].state, DueState::kClosed);
  EXPECT_EQ(plan[0].closed_on, CivilDay(2026, 2, 20));
  EXPECT_EQ(plan[0].months, 1);
  EXPECT_EQ(plan[1].due, CivilDay(2026, 4, 30));
  EXPECT_EQ(plan[1].state, DueState::kOverdue);
  EXPECT_EQ(plan[2].due, CivilDay(2026, 7, 31));
  EXPECT_EQ(plan[2].state, DueState::kUpcoming);
  // A late visit (07-10, after the second's due date) closes the overdue
  // second, not the third; the third is then due (within its 15 days).
  const auto later = PlanFollowUps(
      t, {{"T-1", {CivilDay(2026, 2, 20), CivilDay(2026, 7, 10)}}},
      CivilDay(2026, 7, 18), FollowUpSchedule());
  EXPECT_EQ(later[1].state, DueState::kClosed);
  EXPECT_EQ(later[1].closed_on, CivilDay(2026, 7, 10));
  EXPECT_EQ(later[2].state, DueState::kDue);
  // A visit before any window opens (the week after the class) closes
  // nothing.
  const auto early = PlanFollowUps(t, {{"T-1", {CivilDay(2026, 2, 5)}}},
                                   CivilDay(2026, 3, 5), FollowUpSchedule());
  EXPECT_EQ(early[0].state, DueState::kOverdue);
  const auto before =
      PlanFollowUps(t, {}, CivilDay(2026, 7, 18), FollowUpSchedule());
  EXPECT_EQ(before[2].state, DueState::kDue);
}

TEST(FollowUpPlanTest, AClassNotEndedPlansNothingAndTheScheduleIsData) {
  const std::vector<TraineeToFollow> t = {{"T-1", CivilDay(2026, 6, 30)},
                                          {"T-2", CivilDay(2026, 3, 31)}};
  FollowUpSchedule two;
  two.months_after_class_end = {2, 12};
  const auto plan = PlanFollowUps(t, {}, CivilDay(2026, 6, 30), two);
  ASSERT_EQ(plan.size(), 2u);  // T-1's class ends today: not yet
  EXPECT_EQ(plan[0].trainee_id, "T-2");
  EXPECT_EQ(plan[0].due, CivilDay(2026, 5, 31));
  EXPECT_EQ(plan[1].due, CivilDay(2027, 3, 31));
}

// The last day of a month in Asia/Shanghai: 2026-02-28 16:30 UTC is already
// 1 March in Ningxia, so a visit due on 28 February is overdue by a day
// there (by UTC's calendar it would still be due today).
TEST(FollowUpPlanTest, TodayIsTheRegionsDayNotUtcs) {
  const absl::Time t = absl::FromCivil(
      absl::CivilSecond(2026, 2, 28, 16, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(RegionDay(t), CivilDay(2026, 3, 1));
  const auto plan = PlanFollowUps({{"T-1", CivilDay(2026, 1, 31)}}, {},
                                  RegionDay(t), FollowUpSchedule());
  EXPECT_EQ(plan[0].due, CivilDay(2026, 2, 28));
  EXPECT_EQ(plan[0].state, DueState::kOverdue);
  // A visit at 07:30 Beijing time on 1 March (23:30 UTC on 28 February)
  // is on 1 March.
  EXPECT_EQ(RegionDay(absl::FromCivil(absl::CivilSecond(2026, 2, 28, 23, 30, 0),
                                      absl::UTCTimeZone())),
            CivilDay(2026, 3, 1));
}

TEST(FollowUpPlanTest, ParseCivilDay) {
  EXPECT_EQ(*ParseCivilDay("2026-02-28"), CivilDay(2026, 2, 28));
  EXPECT_FALSE(ParseCivilDay("2026-2-28").ok());
  EXPECT_FALSE(ParseCivilDay("").ok());
}

}  // namespace
}  // namespace fieldsync
