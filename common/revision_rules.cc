#include "common/revision_rules.h"

#include "absl/strings/str_cat.h"

namespace fieldsync {

absl::StatusCode RuleRefusal::code() const {
  return rule == RevisionRule::kOnlyAuthorRevises ||
                 rule == RevisionRule::kOnlyAuthorAnswers
             ? absl::StatusCode::kPermissionDenied
             : absl::StatusCode::kFailedPrecondition;
}

RuleVerdict CheckRecordRevision(const RecordIdentity& held,
                                const RecordIdentity& revision) {
  if (held.author != revision.author) {
    return RuleRefusal{RevisionRule::kOnlyAuthorRevises,
                       absl::StrCat("only the author (", held.author,
                                    ") may revise this record; ",
                                    revision.author, " may not")};
  }
  if (held.kind != revision.kind) {
    return RuleRefusal{
        RevisionRule::kKindIsFixed,
        absl::StrCat("a revision cannot change the record's kind from ",
                     RecordKindName(held.kind), " to ",
                     RecordKindName(revision.kind))};
  }
  if (held.county != revision.county) {
    return RuleRefusal{
        RevisionRule::kCountyIsFixed,
        absl::StrCat("a revision cannot move the record from county ",
                     held.county, " to ", revision.county)};
  }
  return std::nullopt;
}

RuleVerdict CheckEntityCounty(v1::EntityType type, absl::string_view id,
                              std::optional<absl::string_view> held_county,
                              absl::string_view edit_county) {
  if (!held_county.has_value() || *held_county == edit_county) {
    return std::nullopt;
  }
  return RuleRefusal{
      RevisionRule::kEntityCountyIsFixed,
      absl::StrCat("entity_edit.area.county_code: ", v1::EntityType_Name(type),
                   " \"", id, "\" belongs to county ", *held_county, ", not ",
                   edit_county)};
}

}  // namespace fieldsync
