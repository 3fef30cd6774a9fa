// The revision and entity rules alone, without a database
// (common/revision_rules.h). derived_state_test.cc (records) and
// derived_state_entity_test.cc (entity edits) check that the SQLite derived
// state applies them and writes nothing for a refused change.
#include "common/revision_rules.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/util/status_matchers.h"

namespace fieldsync {
namespace {

using testing::StatusIs;

constexpr RecordIdentity kHeld{RecordKind::kSpotCheck, "640522", "li"};

TEST(RevisionRulesTest, TheAuthorsRevisionOfTheSameKindAndCountyIsAllowed) {
  EXPECT_EQ(CheckRecordRevision(kHeld, kHeld), std::nullopt);
}

TEST(RevisionRulesTest, AnotherAuthorIsRefusedFirstWithPermissionDenied) {
  const RuleVerdict v = CheckRecordRevision(
      kHeld, RecordIdentity{RecordKind::kSpotCheck, "640522", "wang"});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kOnlyAuthorRevises);
  EXPECT_THAT(v->ToStatus(),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "only the author (li) may revise this record; wang "
                       "may not"));
  // Refused as another author even when kind and county change too.
  const RuleVerdict both = CheckRecordRevision(
      kHeld, RecordIdentity{RecordKind::kMonthlyReport, "640521", "wang"});
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->rule, RevisionRule::kOnlyAuthorRevises);
  EXPECT_EQ(both->code(), absl::StatusCode::kPermissionDenied);
}

TEST(RevisionRulesTest, AnotherKindIsRefusedWithFailedPrecondition) {
  const RuleVerdict v = CheckRecordRevision(
      kHeld, RecordIdentity{RecordKind::kFollowUpVisit, "640521", "li"});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kKindIsFixed);  // before the county
  EXPECT_THAT(v->ToStatus(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot change the record's kind from spot-check to "
                       "follow-up-visit"));
}

TEST(RevisionRulesTest, AnotherCountyIsRefusedWithFailedPrecondition) {
  const RuleVerdict v = CheckRecordRevision(
      kHeld, RecordIdentity{RecordKind::kSpotCheck, "640521", "li"});
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kCountyIsFixed);
  EXPECT_THAT(v->ToStatus(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "cannot move the record from county 640522 to "
                       "640521"));
}

TEST(RevisionRulesTest, AnEntityNotHeldTakesAnyCounty) {
  EXPECT_EQ(
      CheckEntityCounty(v1::ENTITY_TYPE_TRAINEE, "T", std::nullopt, "640521"),
      std::nullopt);
}

TEST(RevisionRulesTest, AnEntityKeepsItsCounty) {
  EXPECT_EQ(CheckEntityCounty(v1::ENTITY_TYPE_TRAINEE, "T", "640522", "640522"),
            std::nullopt);
  const RuleVerdict v =
      CheckEntityCounty(v1::ENTITY_TYPE_TRAINEE, "T", "640522", "640521");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kEntityCountyIsFixed);
  EXPECT_THAT(v->ToStatus(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "entity_edit.area.county_code: ENTITY_TYPE_TRAINEE "
                       "\"T\" belongs to county 640522, not 640521"));
}

TEST(RevisionRulesTest, AHeldEmptyCountyIsStillACounty) {
  // An empty county held is not "not held": an edit naming one is refused.
  const RuleVerdict v =
      CheckEntityCounty(v1::ENTITY_TYPE_CLASS, "C", "", "640521");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->rule, RevisionRule::kEntityCountyIsFixed);
}

}  // namespace
}  // namespace fieldsync
