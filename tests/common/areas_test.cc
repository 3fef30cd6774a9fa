// common/areas.h directly: which codes are areas, which changes an area
// covers, and the set forms the server and the device compare.
#include "common/areas.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/status_matchers.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(AreasTest, CountyAndTownshipCodesAreValid) {
  EXPECT_THAT(ValidateAreaCode("640522"), IsOk());
  EXPECT_THAT(ValidateAreaCode("640522101"), IsOk());
}

TEST(AreasTest, OtherCodesAreInvalidArgumentSayingWhatIsAllowed) {
  for (const char* bad :
       {"", "64052", "6405221", "64052210", "6405221011", "640522101001",
        "64O522", "640 22", "-64052", "６４０５２２"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ValidateAreaCode(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "must be a county code (6 digits) or a township "
                         "code (9 digits)"));
  }
}

TEST(AreasTest, IsCountyCodeGoesByLength) {
  EXPECT_TRUE(IsCountyCode("640522"));
  EXPECT_FALSE(IsCountyCode("640522101"));
}

TEST(AreasTest, ACountyCoversItsChangesWhateverTheirTownship) {
  EXPECT_TRUE(AreaCovers("640522", "640522", ""));
  EXPECT_TRUE(AreaCovers("640522", "640522", "640522101"));
  EXPECT_FALSE(AreaCovers("640522", "640521", ""));
  EXPECT_FALSE(AreaCovers("640522", "640521", "640521101"));
}

TEST(AreasTest, ATownshipCoversOnlyChangesNamingIt) {
  EXPECT_TRUE(AreaCovers("640522101", "640522", "640522101"));
  EXPECT_FALSE(AreaCovers("640522101", "640522", "640522102"));
  // A change of the county that names no township is the county's, not the
  // township's.
  EXPECT_FALSE(AreaCovers("640522101", "640522", ""));
}

TEST(AreasTest, WithinIsEqualOrATownshipOfTheCounty) {
  EXPECT_TRUE(AreaWithin("640522", "640522"));
  EXPECT_TRUE(AreaWithin("640522101", "640522101"));
  EXPECT_TRUE(AreaWithin("640522101", "640522"));
  EXPECT_FALSE(AreaWithin("640522", "640522101"));  // a county is not within
  EXPECT_FALSE(AreaWithin("640521101", "640522"));
  EXPECT_FALSE(AreaWithin("640522102", "640522101"));
}

TEST(AreasTest, AllCoversAndContainsEverything) {
  const AreaSet all{true, {}};
  EXPECT_TRUE(all.Covers("640521", ""));
  EXPECT_TRUE(all.Contains("640522101"));
  EXPECT_EQ(all.ToString(), "all counties");
  EXPECT_EQ(all.Canonical(), "*");
}

TEST(AreasTest, ASetCoversWhatAnyOfItsAreasCovers) {
  const AreaSet set{false, {"640521", "640522101"}};
  EXPECT_TRUE(set.Covers("640521", ""));
  EXPECT_TRUE(set.Covers("640521", "640521105"));
  EXPECT_TRUE(set.Covers("640522", "640522101"));
  EXPECT_FALSE(set.Covers("640522", ""));
  EXPECT_FALSE(set.Covers("640522", "640522102"));
  EXPECT_TRUE(set.Contains("640521"));
  EXPECT_TRUE(set.Contains("640521105"));
  EXPECT_TRUE(set.Contains("640522101"));
  EXPECT_FALSE(set.Contains("640522"));  // only one of its townships is held
}

TEST(AreasTest, AnEmptySetCoversNothing) {
  const AreaSet none{false, {}};
  EXPECT_FALSE(none.Covers("640521", ""));
  EXPECT_FALSE(none.Contains("640521"));
  EXPECT_EQ(none.ToString(), "no area");
  EXPECT_EQ(none.Canonical(), "");
}

TEST(AreasTest, CanonicalIsSortedAndWithoutRepeats) {
  const AreaSet set{false, {"640522101", "640521", "640522101"}};
  EXPECT_EQ(set.Canonical(), "640521,640522101");
  EXPECT_EQ(set.ToString(), "640522101, 640521, 640522101");  // as given
}

TEST(AreasTest, TownshipOfAChangeIsItsRecordsOrItsEdits) {
  v1::ChangeBody record;
  record.mutable_record()->mutable_area()->set_township_code("640522101");
  EXPECT_EQ(TownshipOf(record), "640522101");
  v1::ChangeBody edit;
  edit.mutable_entity_edit()->mutable_area()->set_township_code("640521105");
  EXPECT_EQ(TownshipOf(edit), "640521105");
  EXPECT_EQ(TownshipOf(v1::ChangeBody()), "");
}

}  // namespace
}  // namespace fieldsync
