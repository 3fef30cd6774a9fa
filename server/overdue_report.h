// The server's overdue report (`fieldsync-server report overdue`): the
// follow-up visits overdue on a given day, per county and inspector, from the
// roster and the follow-up visits the server holds, by the rules every
// device's `todo` applies (common/follow_up_plan.h). So the office sees
// what the inspectors' devices show, for the whole region at once.
//
// What counts, as on a device: the current revision of each follow-up visit
// the server accepted, unless a reviewer rejected it (review_state.h); a
// visit the server refused is not held. Who answers for an overdue visit:
// every active inspector whose areas cover the trainee's county or
// township. A trainee no active inspector covers is listed under "-", so
// that missing work is never silently unassigned.
//
// Read-only: it opens its own connection to the database file (the server
// may be running: SQLite's WAL lets it read beside the writer).
#ifndef FIELDSYNC_SERVER_OVERDUE_REPORT_H_
#define FIELDSYNC_SERVER_OVERDUE_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/follow_up_plan.h"
#include "common/sqlite_db.h"
#include "server/account_store.h"

namespace fieldsync {

struct OverdueLine {
  std::string county;
  std::string inspector;  // "-": no active inspector covers these trainees
  int overdue = 0;        // visits
  int trainees = 0;       // distinct trainees with an overdue visit
  absl::CivilDay oldest_due;
};

// The lines for `today`, by county then inspector; only `county` when not
// empty.
absl::StatusOr<std::vector<OverdueLine>> BuildOverdueReport(
    Db* db, const std::vector<UserRecord>& users, absl::CivilDay today,
    const FollowUpSchedule& schedule, const std::string& county);

// `fieldsync-server report ...`: 0 done, 1 failed, 2 wrong command line.
int RunReport(const std::string& db, const std::vector<std::string>& args);
extern const char kReportUsage[];

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_OVERDUE_REPORT_H_
