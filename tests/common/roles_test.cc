#include "common/roles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/util/status_matchers.h"

namespace fieldsync {
namespace {

using ::fieldsync::testing::StatusIs;

TEST(RolesTest, EveryRoleRoundTripsThroughItsName) {
  const struct {
    v1::Role role;
    std::string name;
  } kRoles[] = {{v1::ROLE_INSPECTOR, "inspector"},
                {v1::ROLE_COUNTY_OFFICER, "county-officer"},
                {v1::ROLE_REVIEWER, "reviewer"},
                {v1::ROLE_ADMIN, "admin"}};
  for (const auto& r : kRoles) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(RoleName(r.role), r.name);
    const absl::StatusOr<v1::Role> parsed = ParseRole(r.name);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, r.role);
  }
}

TEST(RolesTest, UnknownNamesAreRefusedNamingTheValidOnes) {
  for (const char* name :
       {"boss", "", "Inspector", "county officer", "unknown", " admin"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(
        ParseRole(name),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 absl::StrCat("role \"", name,
                              "\" is not one of inspector, county-officer, "
                              "reviewer, admin")));
  }
}

TEST(RolesTest, NoRoleIsWrittenUnknown) {
  EXPECT_STREQ(RoleName(v1::ROLE_UNSPECIFIED), "unknown");
  EXPECT_STREQ(RoleName(static_cast<v1::Role>(99)), "unknown");
}

}  // namespace
}  // namespace fieldsync
