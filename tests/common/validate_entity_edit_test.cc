// ValidateEntityEdit (valid edits of each entity type, clearing a field,
// each rule naming its field) and ParseChangeBody (a record or an entity
// edit parsed and validated; oversized, garbage, invalid UTF-8, empty and
// another device's bodies refused with the right code). The shared helpers
// are in validate_test_support.h.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/roster.h"
#include "common/validate.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/validate_test_support.h"

namespace fieldsync {
namespace {

using testing::Bytes;
using testing::DeviceIdOf;
using testing::Example;
using testing::FullExample;
using testing::StatusIs;

// --- entity edits
// ---------------------------------------------------------------

v1::EntityEdit TraineeEdit() {
  v1::EntityEdit e;
  e.set_entity_type(v1::ENTITY_TYPE_TRAINEE);
  e.set_entity_id("TRN-640522-00421");
  e.mutable_area()->set_county_code("640522");
  auto* w = e.add_writes();
  w->set_field("name");
  w->set_value("马小花");
  w->set_base_hlc(12345);
  w = e.add_writes();
  w->set_field("phone_masked");
  w->set_value("139****0000");
  return e;
}

// A valid value of each type of field (common/roster.h).
std::string SampleValue(FieldType type) {
  switch (type) {
    case FieldType::kBool:
      return "yes";
    case FieldType::kDate:
      return "2026-03-01";
    case FieldType::kHours:
      return "12.5";
    case FieldType::kCount:
      return "40";
    case FieldType::kYear:
      return "2026";
    case FieldType::kCategory:
      return "two_after";
    case FieldType::kTownship:
      return "640522100";
    case FieldType::kVillage:
      return "640522100201";
    case FieldType::kMaskedId:
      return "640522********123X";
    case FieldType::kMaskedPhone:
      return "138****5678";
    case FieldType::kText:
    case FieldType::kRef:
      break;
  }
  return "值";
}

TEST(ValidateEntityEditTest, ValidEditsOfEachType) {
  FS_EXPECT_OK(ValidateEntityEdit(TraineeEdit()));
  for (v1::EntityType type :
       {v1::ENTITY_TYPE_INSTITUTION, v1::ENTITY_TYPE_CLASS,
        v1::ENTITY_TYPE_TRAINEE, v1::ENTITY_TYPE_TASK}) {
    SCOPED_TRACE(v1::EntityType_Name(type));
    v1::EntityEdit e;
    e.set_entity_type(type);
    e.set_entity_id(type == v1::ENTITY_TYPE_TASK ? "640522-2026" : "E-1");
    e.mutable_area()->set_county_code("640522");
    e.mutable_area()->set_township_code("640522100");
    ASSERT_FALSE(EditableFields(type).empty());
    for (const std::string& f : EditableFields(type)) {
      auto* w = e.add_writes();
      w->set_field(f);
      w->set_value(SampleValue(FindRosterField(type, f)->type));
    }
    FS_EXPECT_OK(ValidateEntityEdit(e));
  }
}

TEST(ValidateEntityEditTest, EmptyValueClearsAndIsValid) {
  v1::EntityEdit e = TraineeEdit();
  e.mutable_writes(0)->clear_value();
  FS_EXPECT_OK(ValidateEntityEdit(e));
}

TEST(ValidateEntityEditTest, EditableFieldsOfUnspecifiedTypeIsEmpty) {
  EXPECT_TRUE(EditableFields(v1::ENTITY_TYPE_UNSPECIFIED).empty());
  EXPECT_TRUE(EditableFields(static_cast<v1::EntityType>(77)).empty());
}

TEST(ValidateEntityEditTest, EachRule) {
  struct EditCase {
    std::string name;
    std::function<void(v1::EntityEdit*)> mutate;
    std::string field;
  };
  const std::vector<EditCase> cases = {
      {"missing type", [](v1::EntityEdit* e) { e->clear_entity_type(); },
       "entity_edit.entity_type is required"},
      {"unknown type",
       [](v1::EntityEdit* e) {
         e->set_entity_type(static_cast<v1::EntityType>(9));
       },
       "entity_edit.entity_type"},
      {"missing id", [](v1::EntityEdit* e) { e->clear_entity_id(); },
       "entity_edit.entity_id is required"},
      {"id too long",
       [](v1::EntityEdit* e) {
         e->set_entity_id(Bytes(kMaxShortTextBytes + 1));
       },
       "entity_edit.entity_id is 513 bytes"},
      {"missing area", [](v1::EntityEdit* e) { e->clear_area(); },
       "entity_edit.area is required"},
      {"bad county",
       [](v1::EntityEdit* e) { e->mutable_area()->set_county_code("6405"); },
       "entity_edit.area.county_code \"6405\" must be 6 digits"},
      {"village without township",
       [](v1::EntityEdit* e) {
         e->mutable_area()->set_village_code("640522100201");
       },
       "entity_edit.area.village_code needs entity_edit.area.township_code"},
      {"no writes", [](v1::EntityEdit* e) { e->clear_writes(); },
       "entity_edit.writes needs at least one field"},
      {"unknown field",
       [](v1::EntityEdit* e) { e->mutable_writes(1)->set_field("colour"); },
       "entity_edit.writes[1].field \"colour\" is not an editable field of "
       "ENTITY_TYPE_TRAINEE"},
      {"field of another type",
       [](v1::EntityEdit* e) {
         e->mutable_writes(0)->set_field("registration_no");
       },
       "entity_edit.writes[0].field \"registration_no\""},
      {"empty field name",
       [](v1::EntityEdit* e) { e->mutable_writes(0)->clear_field(); },
       "entity_edit.writes[0].field \"\""},
      {"duplicate field",
       [](v1::EntityEdit* e) { e->mutable_writes(1)->set_field("name"); },
       "entity_edit.writes[1].field \"name\" is written twice"},
      {"an ID number in clear",
       [](v1::EntityEdit* e) {
         e->mutable_writes(1)->set_field("id_number_masked");
         e->mutable_writes(1)->set_value("64052219900101123X");
       },
       "entity_edit.writes[1].value of \"id_number_masked\" must be a masked "
       "ID number"},
      {"a phone number in clear",
       [](v1::EntityEdit* e) {
         e->mutable_writes(1)->set_value("13900000000");
       },
       "value of \"phone_masked\" must be a masked phone number"},
      {"a township of another county",
       [](v1::EntityEdit* e) {
         e->mutable_writes(1)->set_field("township_code");
         e->mutable_writes(1)->set_value("640521100");
       },
       "must start with the code of its county 640522"},
      {"an unknown category",
       [](v1::EntityEdit* e) {
         e->mutable_writes(1)->set_field("category");
         e->mutable_writes(1)->set_value("poor");
       },
       "value of \"category\" must be one of registered_poor"},
      {"value too long",
       [](v1::EntityEdit* e) {
         e->mutable_writes(1)->set_value(Bytes(kMaxShortTextBytes + 1));
       },
       "entity_edit.writes[1].value is 513 bytes"},
  };
  for (const EditCase& c : cases) {
    SCOPED_TRACE(c.name);
    v1::EntityEdit e = TraineeEdit();
    c.mutate(&e);
    FS_EXPECT_INVALID(ValidateEntityEdit(e), c.field);
  }
}

TEST(ValidateEntityEditTest, ATaskIsNamedByItsCountyAndYear) {
  v1::EntityEdit e;
  e.set_entity_type(v1::ENTITY_TYPE_TASK);
  e.mutable_area()->set_county_code("640522");
  auto* w = e.add_writes();
  w->set_field("trainees_target");
  w->set_value("1200");
  e.set_entity_id("640522-2026");
  FS_EXPECT_OK(ValidateEntityEdit(e));
  for (const char* bad : {"640521-2026", "640522-26", "640522/2026", "T-1"}) {
    SCOPED_TRACE(bad);
    e.set_entity_id(bad);
    FS_EXPECT_INVALID(ValidateEntityEdit(e),
                      "entity_id of a task is \"<county>-<year>\"");
  }
  e.set_entity_id("640522-2026");
  w->set_value("-3");
  FS_EXPECT_INVALID(ValidateEntityEdit(e), "must be a whole number from 0");
}

// --- ParseChangeBody
// ----------------------------------------------------------

constexpr size_t kMaxBody = 256 * 1024;

std::string Serialize(const v1::ChangeBody& b) {
  std::string s;
  EXPECT_TRUE(b.SerializeToString(&s));
  return s;
}

TEST(ParseChangeBodyTest, ValidRecord) {
  const std::string dev = DeviceIdOf(7);
  v1::ChangeBody body;
  *body.mutable_record() = FullExample(RecordKind::kFollowUpVisit, dev);
  const std::string bytes = Serialize(body);
  auto parsed = ParseChangeBody(bytes, dev, kMaxBody);
  FS_ASSERT_OK(parsed);
  EXPECT_EQ(parsed->SerializeAsString(), bytes);
  EXPECT_EQ(KindOf(*parsed), RecordKind::kFollowUpVisit);
  EXPECT_EQ(CountyOf(*parsed), "640522");
  EXPECT_EQ(SubjectOf(*parsed), body.record().id());
}

TEST(ParseChangeBodyTest, ValidEntityEdit) {
  v1::ChangeBody body;
  *body.mutable_entity_edit() = TraineeEdit();
  auto parsed = ParseChangeBody(Serialize(body), DeviceIdOf(7), kMaxBody);
  FS_ASSERT_OK(parsed);
  EXPECT_EQ(KindOf(*parsed), RecordKind::kEntityEdit);
  EXPECT_EQ(CountyOf(*parsed), "640522");
  EXPECT_EQ(SubjectOf(*parsed), "3/TRN-640522-00421");
}

TEST(ParseChangeBodyTest, OversizedIsResourceExhausted) {
  const std::string dev = DeviceIdOf(7);
  v1::ChangeBody body;
  *body.mutable_record() = FullExample(RecordKind::kSpotCheck, dev);
  const std::string bytes = Serialize(body);
  FS_EXPECT_OK(ParseChangeBody(bytes, dev, bytes.size()));  // at the limit
  EXPECT_THAT(ParseChangeBody(bytes, dev, bytes.size() - 1),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       absl::StrCat("change body is ", bytes.size(),
                                    " bytes; at most ", bytes.size() - 1)));
  // A huge body is refused before any parsing, even if it is garbage.
  EXPECT_THAT(ParseChangeBody(std::string(kMaxBody + 1, '\xff'), dev, kMaxBody),
              StatusIs(absl::StatusCode::kResourceExhausted, "change body"));
}

TEST(ParseChangeBodyTest, GarbageIsInvalidArgument) {
  const std::string dev = DeviceIdOf(7);
  const std::vector<std::string> garbage = {
      std::string("\x0a\x10short", 7),  // length beyond the end
      std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11),
      std::string("\x0b", 1),  // start group, never ended
      std::string("\x0a\x05\x0a\x09"
                  "abc",
                  7),  // truncated nested field
  };
  for (const std::string& bytes : garbage) {
    SCOPED_TRACE(::testing::PrintToString(bytes));
    EXPECT_THAT(ParseChangeBody(bytes, dev, kMaxBody),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "not a valid fieldsync.v1.ChangeBody"));
  }
}

TEST(ParseChangeBodyTest, InvalidUtf8IsInvalidArgument) {
  const std::string dev = DeviceIdOf(7);
  v1::ChangeBody body;
  *body.mutable_record() = FullExample(RecordKind::kSpotCheck, dev);
  // Build the bytes by hand: serializing invalid UTF-8 would be refused too.
  const std::string good = Serialize(body);
  const std::string marker = "inspector.li";
  std::string bad = good;
  const size_t at = bad.find(marker);
  ASSERT_NE(at, std::string::npos);
  bad[at] = '\xc3';  // a lead byte followed by ASCII: invalid UTF-8
  EXPECT_THAT(ParseChangeBody(bad, dev, kMaxBody),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not a valid fieldsync.v1.ChangeBody"));
}

TEST(ParseChangeBodyTest, EmptyBodyHasNeitherKind) {
  EXPECT_THAT(ParseChangeBody("", DeviceIdOf(7), kMaxBody),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "change body has neither record, entity_edit nor "
                       "review"));
}

TEST(ParseChangeBodyTest, RecordFromAnotherDeviceIsInvalidArgument) {
  v1::ChangeBody body;
  *body.mutable_record() = FullExample(RecordKind::kSpotCheck, DeviceIdOf(7));
  EXPECT_THAT(ParseChangeBody(Serialize(body), DeviceIdOf(8), kMaxBody),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "record.device_id is not the uploading device"));
}

TEST(ParseChangeBodyTest, InvalidContentNamesTheField) {
  const std::string dev = DeviceIdOf(7);
  v1::ChangeBody body;
  *body.mutable_record() = FullExample(RecordKind::kSpotCheck, dev);
  body.mutable_record()->mutable_spot_check()->set_attendance_counted(99);
  FS_EXPECT_INVALID(ParseChangeBody(Serialize(body), dev, kMaxBody),
                    "spot_check.attendance_counted (99)");

  v1::ChangeBody edit;
  *edit.mutable_entity_edit() = TraineeEdit();
  edit.mutable_entity_edit()->mutable_writes(0)->set_field("colour");
  FS_EXPECT_INVALID(ParseChangeBody(Serialize(edit), dev, kMaxBody),
                    "entity_edit.writes[0].field \"colour\"");

  v1::ChangeBody no_id;
  *no_id.mutable_record() = Example(RecordKind::kSpotCheck);
  no_id.mutable_record()->set_author("a");
  no_id.mutable_record()->set_device_id(dev);
  FS_EXPECT_INVALID(ParseChangeBody(Serialize(no_id), dev, kMaxBody),
                    "id must be a 16-byte UUIDv7");
}

TEST(ValidateBaseHlcsTest, AWriteCannotHaveSeenAValueFromItsFuture) {
  v1::ChangeBody body;
  *body.mutable_entity_edit() = TraineeEdit();
  body.mutable_entity_edit()->mutable_writes(0)->set_base_hlc(99);
  EXPECT_TRUE(ValidateBaseHlcs(body, 100).ok());
  EXPECT_THAT(ValidateBaseHlcs(body, 99),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "entity_edit.writes[0].base_hlc (99) is not "
                       "before the change's hlc (99)"));
  v1::ChangeBody record;
  record.mutable_record();
  EXPECT_TRUE(ValidateBaseHlcs(record, 1).ok());
}

}  // namespace
}  // namespace fieldsync
