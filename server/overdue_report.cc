#include "server/overdue_report.h"

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/terminal_text.h"
#include "common/areas.h"
#include "common/derived_roster_view.h"
#include "common/derived_state.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/review_state.h"
#include "common/status_macros.h"
#include "common/time_format.h"
#include "server/sqlite_account_store.h"

namespace fieldsync {
namespace {

// Every entity of `type` held, by id.
absl::StatusOr<std::map<std::string, HeldEntity>> EntitiesOf(
    Db* db, v1::EntityType type) {
  FS_ASSIGN_OR_RETURN(std::vector<HeldEntity> held, HeldEntities(db, type));
  std::map<std::string, HeldEntity> out;
  for (HeldEntity& e : held) out[e.id] = std::move(e);
  return out;
}

std::string Field(const HeldEntity& e, const std::string& name) {
  const auto it = e.fields.find(name);
  return it == e.fields.end() ? std::string() : it->second;
}

// The days each trainee was visited: the current revision of every
// follow-up visit held, except those a reviewer rejected.
absl::StatusOr<std::map<std::string, std::vector<absl::CivilDay>>> Visits(
    Db* db) {
  FS_ASSIGN_OR_RETURN(
      std::unique_ptr<DerivedState> derived,
      DerivedState::Create(db, [](int64_t) -> absl::StatusOr<HeldRevision> {
        return absl::InternalError("the report reads no revision heads");
      }));
  FS_ASSIGN_OR_RETURN(
      Stmt q, db->Prepare("SELECT r.record_id, c.hlc, c.device_id, "
                          "c.device_seq, c.body FROM records r JOIN changes c "
                          "ON c.seq = r.head_locator WHERE r.kind = ?"));
  q.Bind(1, static_cast<int>(RecordKind::kFollowUpVisit));
  std::map<std::string, std::vector<absl::CivilDay>> out;
  v1::ChangeBody body;
  while (true) {
    FS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string id = q.Blob(0);
    const Stamp head{static_cast<uint64_t>(q.Int(1)), q.Blob(2),
                     static_cast<uint64_t>(q.Int(3))};
    const absl::string_view bytes = q.BlobView(4);
    body.Clear();
    if (!body.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        !body.has_record()) {
      return absl::DataLossError(
          absl::StrCat("the current revision of follow-up visit ",
                       IdToString(id), " is not a readable record"));
    }
    FS_ASSIGN_OR_RETURN(std::vector<ReviewEntry> reviews,
                        derived->ReviewsOf(id));
    if (DeriveReviewState(head, reviews).status == ReviewStatus::kRejected) {
      continue;
    }
    const v1::Record& r = body.record();
    out[r.follow_up_visit().trainee_id()].push_back(
        RegionDay(absl::FromUnixSeconds(r.observed_at().seconds())));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<OverdueLine>> BuildOverdueReport(
    Db* db, const std::vector<UserRecord>& users, absl::CivilDay today,
    const FollowUpSchedule& schedule, const std::string& county) {
  FS_ASSIGN_OR_RETURN(auto classes, EntitiesOf(db, v1::ENTITY_TYPE_CLASS));
  FS_ASSIGN_OR_RETURN(auto trainees, EntitiesOf(db, v1::ENTITY_TYPE_TRAINEE));
  FS_ASSIGN_OR_RETURN(auto visits, Visits(db));
  std::vector<TraineeToFollow> to_follow;
  for (const auto& [id, t] : trainees) {
    if (!county.empty() && t.county != county) continue;
    const auto c = classes.find(Field(t, "class_id"));
    if (c == classes.end()) continue;  // no class held: nothing to plan
    auto end = ParseCivilDay(Field(c->second, "end_date"));
    if (!end.ok()) continue;
    to_follow.push_back({id, *end});
  }
  std::vector<std::pair<std::string, AreaSet>> inspectors;
  for (const UserRecord& u : users) {
    if (u.role != v1::ROLE_INSPECTOR || u.disabled) continue;
    inspectors.push_back({u.name, AreaSet{false, u.areas}});
  }
  std::map<std::pair<std::string, std::string>, OverdueLine> lines;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> seen;
  for (const DueVisit& d : PlanFollowUps(to_follow, visits, today, schedule)) {
    if (d.state != DueState::kOverdue) continue;
    const HeldEntity& t = trainees.at(d.trainee_id);
    std::vector<std::string> who;
    for (const auto& [name, areas] : inspectors) {
      if (areas.Covers(t.county, Field(t, "township_code"))) {
        who.push_back(name);
      }
    }
    if (who.empty()) who.push_back("-");
    for (const std::string& name : who) {
      const auto key = std::make_pair(t.county, name);
      OverdueLine& line = lines[key];
      if (line.overdue == 0 || d.due < line.oldest_due) line.oldest_due = d.due;
      line.county = t.county;
      line.inspector = name;
      ++line.overdue;
      seen[key].insert(d.trainee_id);
      line.trainees = static_cast<int>(seen[key].size());
    }
  }
  std::vector<OverdueLine> out;
  for (auto& [key, line] : lines) out.push_back(std::move(line));
  return out;
}

const char kReportUsage[] =
    "usage: fieldsync-server report overdue --db PATH [--county CODE] "
    "[--today YYYY-MM-DD]\n"
    "The follow-up visits overdue per county and inspector (the rules of "
    "`fieldsync todo`: 1, 3 and 6 months after each class ended), as of "
    "today in Asia/Shanghai unless --today says otherwise.\n";

int RunReport(const std::string& db_path,
              const std::vector<std::string>& args) {
  auto usage = [](const std::string& msg) {
    std::fprintf(stderr, "fieldsync-server report: %s (see report --help)\n",
                 msg.c_str());
    return 2;
  };
  auto failed = [](absl::string_view msg) {
    std::fprintf(stderr, "fieldsync-server report: %s\n",
                 std::string(msg).c_str());
    return 1;
  };
  if (args.empty() || args[0] != "overdue") {
    return usage("expected: report overdue");
  }
  std::string county;
  absl::CivilDay today = RegionDay(absl::Now());
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--county" || args[i] == "--today") &&
        i + 1 < args.size()) {
      if (args[i] == "--county") {
        county = args[++i];
        continue;
      }
      auto day = ParseCivilDay(args[++i]);
      if (!day.ok()) return usage("--today needs a date YYYY-MM-DD");
      today = *day;
      continue;
    }
    return usage(absl::StrCat("unexpected argument ", args[i]));
  }
  if (db_path.empty()) return usage("report needs --db PATH");
  if (!county.empty() &&
      (!ValidateAreaCode(county).ok() || !IsCountyCode(county))) {
    return usage(absl::StrCat("--county \"", cli::Printable(county),
                              "\" is not a 6-digit county code"));
  }
  if (struct stat st; ::stat(db_path.c_str(), &st) != 0) {
    return failed(
        absl::StrCat("no server database at ", db_path, " (check --db)"));
  }
  auto accounts = SqliteAccountStore::Open(db_path);
  if (!accounts.ok()) return failed(accounts.status().message());
  auto users = (*accounts)->ListUsers();
  if (!users.ok()) return failed(users.status().message());
  auto db = Db::Open(db_path);
  if (!db.ok()) return failed(db.status().message());
  auto lines =
      BuildOverdueReport(db->get(), *users, today, FollowUpSchedule(), county);
  if (!lines.ok()) return failed(lines.status().message());
  const std::string day = absl::FormatCivilTime(today);
  if (lines->empty()) {
    std::printf("no follow-up visit is overdue as of %s (Asia/Shanghai)%s\n",
                day.c_str(),
                county.empty() ? "" : absl::StrCat(" in ", county).c_str());
    return 0;
  }
  std::printf("follow-up visits overdue as of %s (Asia/Shanghai)\n",
              day.c_str());
  std::printf("%-7s %-16s %8s %9s  %s\n", "COUNTY", "INSPECTOR", "OVERDUE",
              "TRAINEES", "OLDEST DUE");
  for (const OverdueLine& l : *lines) {
    std::printf("%-7s %-16s %8d %9d  %s\n", l.county.c_str(),
                cli::Printable(l.inspector).c_str(), l.overdue, l.trainees,
                absl::FormatCivilTime(l.oldest_due).c_str());
  }
  return 0;
}

}  // namespace fieldsync
