// Trainees' ID and phone numbers (common/personal_data.h): the GB 11643
// check digit, birth dates, masks, and errors that never repeat the value.
#include "common/personal_data.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::StatusIs;

TEST(PersonalDataTest, IdNumbersWithTheirCheckDigit) {
  // GB 11643's own example, and two with a digit check.
  for (const char* id : {"11010519491231002X", "11010519491231002x",
                         "640522199001011234", "640522200103154565"}) {
    SCOPED_TRACE(id);
    FS_EXPECT_OK(ValidateIdNumber(id));
  }
  EXPECT_EQ(MaskIdNumber("11010519491231002x"), "110105********002X");
  EXPECT_EQ(MaskIdNumber("640522199001011234"), "640522********1234");
  EXPECT_TRUE(IsMaskedIdNumber("640522********1234"));
  EXPECT_FALSE(IsMaskedIdNumber("640522199001011234"));
  EXPECT_FALSE(IsMaskedIdNumber("640522********12"));
}

TEST(PersonalDataTest, WrongIdNumbersAreRefusedWithoutRepeatingThem) {
  struct Case {
    const char* id;
    const char* reason;
  };
  for (const Case& c : {
           Case{"640522199001011235", "check digit"},  // one digit off
           Case{"640522199001011243", "check digit"},  // two swapped
           Case{"640522199002301234", "birth date"},   // 30 February
           Case{"64052219900101123", "18 characters"},
           Case{"6405221990010112Y4", "18 characters"},
       }) {
    SCOPED_TRACE(c.id);
    const absl::Status s = ValidateIdNumber(c.id);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, c.reason));
    EXPECT_EQ(std::string(s.message()).find(c.id), std::string::npos);
    EXPECT_EQ(std::string(s.message()).find("1990"), std::string::npos);
  }
}

TEST(PersonalDataTest, PhoneNumbers) {
  FS_EXPECT_OK(ValidatePhone("13812345678"));
  FS_EXPECT_OK(ValidatePhone("138 1234 5678"));
  FS_EXPECT_OK(ValidatePhone("0951-1234567"));
  EXPECT_EQ(MaskPhone("138 1234 5678"), "138****5678");
  // Always four digits hidden, whatever the length of a landline.
  EXPECT_EQ(MaskPhone("0951-1234567"), "095****4567");
  EXPECT_EQ(MaskPhone("0951-12345678"), "0951****5678");
  EXPECT_EQ(MaskPhone("010-1234567"), "01****4567");
  EXPECT_TRUE(IsMaskedPhone("138****5678"));
  EXPECT_TRUE(IsMaskedPhone("095****4567"));
  EXPECT_TRUE(IsMaskedPhone("0951****4567"));
  EXPECT_TRUE(IsMaskedPhone("01****4567"));
  EXPECT_FALSE(IsMaskedPhone("13812345678"));
  for (const char* bad : {"1381234567", "23812345678", "99999", "call me"}) {
    SCOPED_TRACE(bad);
    const absl::Status s = ValidatePhone(bad);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, "mobile"));
    EXPECT_EQ(std::string(s.message()).find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace fieldsync
