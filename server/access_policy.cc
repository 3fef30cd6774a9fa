#include "server/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/record_kind.h"
#include "common/roles.h"
#include "common/validate.h"

namespace fieldsync {
namespace {

absl::Status Denied(const std::string& why) {
  return absl::PermissionDeniedError(why);
}

// "an inspector", "a reviewer".
std::string A(absl::string_view noun) {
  const bool vowel = !noun.empty() && std::string_view("aeiou").find(
                                          noun.front()) != std::string::npos;
  return absl::StrCat(vowel ? "an " : "a ", noun);
}

}  // namespace

AreaSet VisibleAreas(v1::Role role, const std::vector<std::string>& granted) {
  AreaSet set;
  if (role == v1::ROLE_REVIEWER || role == v1::ROLE_ADMIN) {
    set.all = true;
  } else if (role == v1::ROLE_INSPECTOR || role == v1::ROLE_COUNTY_OFFICER) {
    set.areas = granted;
  }
  return set;
}

absl::Status CheckUpload(const std::string& user, v1::Role role,
                         const AreaSet& areas, const v1::ChangeBody& body) {
  const std::string& county = CountyOf(body);
  const std::string& township = TownshipOf(body);
  const RecordKind kind = KindOf(body);
  const absl::string_view kind_name = RecordKindName(kind);
  if (body.has_record()) {
    const bool allowed =
        (role == v1::ROLE_INSPECTOR && kind != RecordKind::kMonthlyReport) ||
        (role == v1::ROLE_COUNTY_OFFICER && kind == RecordKind::kMonthlyReport);
    if (!allowed) {
      return Denied(
          absl::StrCat(A(RoleName(role)), " may not record ", A(kind_name)));
    }
    if (body.record().author() != user) {
      return Denied(absl::StrCat("record.author \"", body.record().author(),
                                 "\" is not the logged-in user \"", user,
                                 "\": log in as its author to send it"));
    }
  } else if (body.has_review()) {
    const v1::Review& review = body.review();
    const bool answer = review.verdict() == v1::REVIEW_VERDICT_ANSWER;
    const bool allowed =
        answer ? role == v1::ROLE_INSPECTOR || role == v1::ROLE_COUNTY_OFFICER
               : role == v1::ROLE_REVIEWER;
    if (!allowed) {
      return Denied(answer ? absl::StrCat(A(RoleName(role)),
                                          " may not answer a review (the "
                                          "record's author does)")
                           : absl::StrCat(A(RoleName(role)),
                                          " may not review records (reviewers "
                                          "do)"));
    }
    if (review.author() != user) {
      return Denied(absl::StrCat("review.author \"", review.author(),
                                 "\" is not the logged-in user \"", user,
                                 "\": log in as its author to send it"));
    }
  } else {
    const v1::EntityType type = body.entity_edit().entity_type();
    const bool roster_keeper =
        role == v1::ROLE_COUNTY_OFFICER || role == v1::ROLE_ADMIN;
    if (!roster_keeper && role != v1::ROLE_INSPECTOR) {
      return Denied(absl::StrCat(A(RoleName(role)), " may not edit entities"));
    }
    if (type == v1::ENTITY_TYPE_TASK && !roster_keeper) {
      return Denied(absl::StrCat(
          A(RoleName(role)),
          " may not set a county's yearly training task (county officers "
          "and admins do)"));
    }
  }
  if (!areas.Covers(county, township)) {
    return Denied(absl::StrCat(
        kind_name, " in county ", county,
        township.empty() ? "" : absl::StrCat(" township ", township),
        " is outside the areas of user ", user, " (", areas.ToString(), ")"));
  }
  return absl::OkStatus();
}

}  // namespace fieldsync
