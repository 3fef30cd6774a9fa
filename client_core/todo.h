// The inspector's to-do list (`fieldsync todo`): the follow-up visits due
// and overdue in the user's areas, computed on the device from the roster
// and the follow-up visits it holds (common/follow_up_plan.h), so it works
// offline. Soonest due first (the most overdue on top), then by village
// and trainee.
//
// A visit counts unless the server refused it or a reviewer rejected it
// (review_state.h: a rejected record does not count as evidence), so a
// rejected visit leaves its due visit open. Users who hold every county
// (reviewers, admins) visit no trainees: their list has no visits.
#ifndef FIELDSYNC_CLIENT_CORE_TODO_H_
#define FIELDSYNC_CLIENT_CORE_TODO_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "client_core/local_store.h"
#include "common/follow_up_plan.h"
#include "fieldsync/client.h"

namespace fieldsync {

absl::StatusOr<std::vector<TodoItem>> BuildTodo(
    LocalStore& store, absl::CivilDay today,
    const FollowUpSchedule& schedule = FollowUpSchedule());

}  // namespace fieldsync

#endif  // FIELDSYNC_CLIENT_CORE_TODO_H_
