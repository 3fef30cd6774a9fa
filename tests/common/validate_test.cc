// ValidateRecordContent over what every record shares: the examples pass,
// and the rules common to every kind (areas, observed_at, GPS location,
// rubric links, text limits counted in bytes, a record without a body). The
// rules of each kind are in validate_kind_test.cc, entity edits and
// ParseChangeBody in validate_entity_edit_test.cc; the shared helpers in
// validate_test_support.h.
#include "common/validate.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/validate_test_support.h"

namespace fieldsync {
namespace {

using testing::Bytes;
using testing::Chinese;
using testing::DeviceIdOf;
using testing::Example;
using testing::ExpectEachInvalid;
using testing::ExpectEachValid;
using testing::FullExample;
using testing::kInf;
using testing::kNaN;

// --- examples
// -----------------------------------------------------------------

TEST(ValidateExamplesTest, EveryExamplePassesContentValidation) {
  for (RecordKind kind : ObservationKinds()) {
    SCOPED_TRACE(RecordKindName(kind));
    const v1::Record r = Example(kind);
    EXPECT_EQ(KindOf(r), kind);
    FS_EXPECT_OK(ValidateRecordContent(r));
  }
}

TEST(ValidateExamplesTest, EveryFullExamplePassesRecordValidation) {
  for (RecordKind kind : ObservationKinds()) {
    SCOPED_TRACE(RecordKindName(kind));
    FS_EXPECT_OK(ValidateRecord(FullExample(kind, DeviceIdOf(1))));
  }
}

TEST(ValidateExamplesTest, ExampleWithoutIdFailsRecordValidation) {
  // The examples are what people write: the device fills id, author, device.
  FS_EXPECT_INVALID(ValidateRecord(Example(RecordKind::kSpotCheck)), "id");
}

// --- rules common to every record -----------------------------------------

TEST(ValidateAreaTest, AreaRules) {
  ExpectEachInvalid(
      RecordKind::kSpotCheck,
      {
          {"no area", [](v1::Record* r) { r->clear_area(); },
           "area is required"},
          {"no county",
           [](v1::Record* r) { r->mutable_area()->clear_county_code(); },
           "area.county_code is required"},
          {"county 5 digits",
           [](v1::Record* r) { r->mutable_area()->set_county_code("64052"); },
           "area.county_code \"64052\" must be 6 digits"},
          {"county 7 digits",
           [](v1::Record* r) { r->mutable_area()->set_county_code("6405221"); },
           "area.county_code"},
          {"county letters",
           [](v1::Record* r) { r->mutable_area()->set_county_code("64O522"); },
           "area.county_code"},
          {"township 8 digits",
           [](v1::Record* r) {
             r->mutable_area()->set_township_code("64052210");
             r->mutable_area()->clear_village_code();
           },
           "area.township_code \"64052210\" must be 9 digits"},
          {"township 10 digits",
           [](v1::Record* r) {
             r->mutable_area()->set_township_code("6405221000");
             r->mutable_area()->clear_village_code();
           },
           "area.township_code"},
          {"township not digits",
           [](v1::Record* r) {
             r->mutable_area()->set_township_code("64052210a");
             r->mutable_area()->clear_village_code();
           },
           "area.township_code"},
          {"township of another county",
           [](v1::Record* r) {
             r->mutable_area()->set_township_code("640521100");
             r->mutable_area()->clear_village_code();
           },
           "area.township_code \"640521100\" is not in county 640522"},
          {"village without township",
           [](v1::Record* r) { r->mutable_area()->clear_township_code(); },
           "area.village_code needs area.township_code"},
          {"village 11 digits",
           [](v1::Record* r) {
             r->mutable_area()->set_village_code("64052210020");
           },
           "area.village_code \"64052210020\" must be 12 digits"},
          {"village 13 digits",
           [](v1::Record* r) {
             r->mutable_area()->set_village_code("6405221002011");
           },
           "area.village_code"},
          {"village not digits",
           [](v1::Record* r) {
             r->mutable_area()->set_village_code("64052210020x");
           },
           "area.village_code"},
          {"village of another township",
           [](v1::Record* r) {
             r->mutable_area()->set_village_code("640522101201");
           },
           "area.village_code \"640522101201\" is not in township 640522100"},
      });
}

TEST(ValidateAreaTest, CountyTownshipVillageLevelsAreValid) {
  ExpectEachValid(
      RecordKind::kSpotCheck,
      {
          {"county only",
           [](v1::Record* r) {
             r->mutable_area()->clear_township_code();
             r->mutable_area()->clear_village_code();
           }},
          {"county and township",
           [](v1::Record* r) { r->mutable_area()->clear_village_code(); }},
          {"all three", [](v1::Record*) {}},
      });
}

TEST(ValidateObservedAtTest, RequiredAndWithinRange) {
  ExpectEachInvalid(
      RecordKind::kInterviewNote,
      {
          {"missing", [](v1::Record* r) { r->clear_observed_at(); },
           "observed_at is required"},
          {"before 2000",
           [](v1::Record* r) {
             r->mutable_observed_at()->set_seconds(946684799);
           },
           "observed_at (946684799 s since 1970) must be between 2000 and "
           "2200"},
          {"zero",
           [](v1::Record* r) { r->mutable_observed_at()->set_seconds(0); },
           "observed_at"},
          {"after 2200",
           [](v1::Record* r) {
             r->mutable_observed_at()->set_seconds(7258118401);
           },
           "observed_at"},
          {"milliseconds instead of seconds",
           [](v1::Record* r) {
             r->mutable_observed_at()->set_seconds(1778553000000);
           },
           "observed_at"},
          {"negative nanos",
           [](v1::Record* r) { r->mutable_observed_at()->set_nanos(-1); },
           "observed_at"},
          {"nanos too large",
           [](v1::Record* r) {
             r->mutable_observed_at()->set_nanos(1000000000);
           },
           "observed_at"},
      });
  ExpectEachValid(RecordKind::kInterviewNote,
                  {
                      {"2000-01-01",
                       [](v1::Record* r) {
                         r->mutable_observed_at()->set_seconds(946684800);
                       }},
                      {"2200-01-01",
                       [](v1::Record* r) {
                         r->mutable_observed_at()->set_seconds(7258118400);
                       }},
                      {"max nanos",
                       [](v1::Record* r) {
                         r->mutable_observed_at()->set_nanos(999999999);
                       }},
                  });
}

TEST(ValidateLocationTest, GpsRanges) {
  auto loc = [](double lat, double lon, double acc) {
    return [=](v1::Record* r) {
      r->mutable_location()->set_latitude(lat);
      r->mutable_location()->set_longitude(lon);
      r->mutable_location()->set_accuracy_m(acc);
    };
  };
  ExpectEachInvalid(
      RecordKind::kSpotCheck,
      {
          {"lat > 90", loc(90.0001, 105, 5),
           "location.latitude (90.0001) must be between -90 and 90"},
          {"lat < -90", loc(-91, 105, 5), "location.latitude"},
          {"lat NaN", loc(kNaN, 105, 5), "location.latitude"},
          {"lat inf", loc(kInf, 105, 5), "location.latitude"},
          {"lon > 180", loc(36, 180.5, 5),
           "location.longitude (180.5) must be between -180 and 180"},
          {"lon < -180", loc(36, -181, 5), "location.longitude"},
          {"lon NaN", loc(36, kNaN, 5), "location.longitude"},
          {"lon -inf", loc(36, -kInf, 5), "location.longitude"},
          {"accuracy negative", loc(36, 105, -1), "location.accuracy_m"},
          {"accuracy NaN", loc(36, 105, kNaN), "location.accuracy_m"},
          {"accuracy inf", loc(36, 105, kInf), "location.accuracy_m"},
      });
  ExpectEachValid(
      RecordKind::kSpotCheck,
      {
          {"no location", [](v1::Record* r) { r->clear_location(); }},
          {"north-east corner", loc(90, 180, 0)},
          {"south-west corner", loc(-90, -180, 0)},
          {"null island", loc(0, 0, 0)},
      });
}

TEST(ValidateRubricTest, ItemIdFormat) {
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string("2."), std::string(".2"),
        std::string("2..3"), std::string("a"), std::string("2.3a"),
        std::string("2-3"), std::string(" 2.3"), std::string("二"),
        std::string("1.2.3.4.5.6.7.8.9")}) {  // 17 characters
    SCOPED_TRACE(bad);
    v1::Record r = Example(RecordKind::kSpotCheck);
    r.mutable_rubric_links(1)->set_item_id(bad);
    FS_EXPECT_INVALID(ValidateRecordContent(r),
                      absl::StrCat("rubric_links[1].item_id \"", bad, "\""));
  }
  for (const std::string& good :
       {std::string("3"), std::string("2.3"), std::string("1.2.1"),
        std::string("10.20"), std::string("1.2.3.4.5.6.7.88")}) {  // 16 chars
    SCOPED_TRACE(good);
    v1::Record r = Example(RecordKind::kSpotCheck);
    r.mutable_rubric_links(0)->set_item_id(good);
    FS_EXPECT_OK(ValidateRecordContent(r));
  }
}

TEST(ValidateRubricTest, NoLinksIsValid) {
  v1::Record r = Example(RecordKind::kSpotCheck);
  r.clear_rubric_links();
  FS_EXPECT_OK(ValidateRecordContent(r));
}

TEST(ValidateTextTest, LongTextLimitsOnCommonFields) {
  ExpectEachInvalid(
      RecordKind::kMonthlyReport,
      {
          {"notes",
           [](v1::Record* r) { r->set_notes(Bytes(kMaxLongTextBytes + 1)); },
           "notes is 65537 bytes; at most 65536 allowed"},
          {"rubric finding",
           [](v1::Record* r) {
             r->mutable_rubric_links(0)->set_finding(
                 Bytes(kMaxLongTextBytes + 1));
           },
           "rubric_links[0].finding"},
      });
  ExpectEachValid(
      RecordKind::kMonthlyReport,
      {
          {"notes at limit",
           [](v1::Record* r) { r->set_notes(Bytes(kMaxLongTextBytes)); }},
          {"finding at limit",
           [](v1::Record* r) {
             r->mutable_rubric_links(0)->set_finding(Bytes(kMaxLongTextBytes));
           }},
      });
}

TEST(ValidateTextTest, LimitsCountBytesNotCharacters) {
  // 170 Chinese characters are 510 bytes: within the short limit; 171 are
  // 513 bytes: over it.
  v1::Record r = Example(RecordKind::kSpotCheck);
  r.mutable_spot_check()->set_occupation(Chinese(170));
  FS_EXPECT_OK(ValidateRecordContent(r));
  r.mutable_spot_check()->set_occupation(Chinese(171));
  FS_EXPECT_INVALID(ValidateRecordContent(r),
                    "spot_check.occupation is 513 bytes; at most 512 allowed");
}

TEST(ValidateTextTest, ChineseTextPasses) {
  v1::Record r = Example(RecordKind::kInterviewNote);
  r.set_notes(
      "座谈交流：县扶贫办、人社局、财政局参加。🙂");
  r.mutable_interview_note()->mutable_participants(0)->set_name("马小花");
  r.mutable_interview_note()->set_notes(Chinese(kMaxLongTextBytes / 3));
  FS_EXPECT_OK(ValidateRecordContent(r));
}

TEST(ValidateBodyTest, RecordWithoutBody) {
  v1::Record r = Example(RecordKind::kSpotCheck);
  r.clear_spot_check();
  EXPECT_EQ(KindOf(r), RecordKind::kUnknown);
  FS_EXPECT_INVALID(ValidateRecordContent(r), "the record has no body");
}

}  // namespace
}  // namespace fieldsync
