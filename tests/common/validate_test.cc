#include "common/validate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync {
namespace {

using testing::DeviceIdOf;
using testing::Example;
using testing::FullExample;
using testing::StatusIs;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A mutation of a record and the field path its error must name.
struct Case {
  std::string name;
  std::function<void(v1::Record*)> mutate;
  std::string field;
};

// Applies each case to a fresh copy of the example of `kind` and expects
// INVALID_ARGUMENT naming the case's field.
void ExpectEachInvalid(RecordKind kind, const std::vector<Case>& cases) {
  const v1::Record base = Example(kind);
  ASSERT_TRUE(ValidateRecordContent(base).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::Record r = base;
    c.mutate(&r);
    FS_EXPECT_INVALID(ValidateRecordContent(r), c.field);
  }
}

// Applies each mutation and expects the record to stay valid.
void ExpectEachValid(
    RecordKind kind,
    const std::vector<std::pair<std::string, std::function<void(v1::Record*)>>>&
        cases) {
  const v1::Record base = Example(kind);
  for (const auto& [name, mutate] : cases) {
    SCOPED_TRACE(name);
    v1::Record r = base;
    mutate(&r);
    FS_EXPECT_OK(ValidateRecordContent(r));
  }
}

std::string Bytes(size_t n, char c = 'x') { return std::string(n, c); }
// Valid UTF-8 Chinese text of `chars` characters (3 bytes each).
std::string Chinese(size_t chars) {
  std::string s;
  for (size_t i = 0; i < chars; ++i) s += "培";
  return s;
}

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

// --- spot_check -------------------------------------------------------------

TEST(ValidateSpotCheckTest, EachRule) {
  auto sc = [](v1::Record* r) { return r->mutable_spot_check(); };
  ExpectEachInvalid(
      RecordKind::kSpotCheck,
      {
          {"class_id empty", [&](v1::Record* r) { sc(r)->clear_class_id(); },
           "spot_check.class_id is required"},
          {"class_id blank",
           [&](v1::Record* r) { sc(r)->set_class_id(" \t "); },
           "spot_check.class_id is required"},
          {"class_id too long",
           [&](v1::Record* r) {
             sc(r)->set_class_id(Bytes(kMaxShortTextBytes + 1));
           },
           "spot_check.class_id is 513 bytes"},
          {"institution_id empty",
           [&](v1::Record* r) { sc(r)->clear_institution_id(); },
           "spot_check.institution_id is required"},
          {"institution_id too long",
           [&](v1::Record* r) {
             sc(r)->set_institution_id(Bytes(kMaxShortTextBytes + 1));
           },
           "spot_check.institution_id"},
          {"occupation empty",
           [&](v1::Record* r) { sc(r)->clear_occupation(); },
           "spot_check.occupation is required"},
          {"enrolled 0", [&](v1::Record* r) { sc(r)->set_enrolled(0); },
           "spot_check.enrolled must be at least 1"},
          {"attendance > enrolled",
           [&](v1::Record* r) { sc(r)->set_attendance_counted(45); },
           "spot_check.attendance_counted (45) exceeds spot_check.enrolled "
           "(40)"},
          {"theory scheduled negative",
           [&](v1::Record* r) { sc(r)->set_theory_hours_scheduled(-1); },
           "spot_check.theory_hours_scheduled (-1) must be between 0 and "
           "10000 hours"},
          {"theory scheduled NaN",
           [&](v1::Record* r) { sc(r)->set_theory_hours_scheduled(kNaN); },
           "spot_check.theory_hours_scheduled"},
          {"practical scheduled > 10000",
           [&](v1::Record* r) {
             sc(r)->set_practical_hours_scheduled(10000.5);
           },
           "spot_check.practical_hours_scheduled"},
          {"practical scheduled inf",
           [&](v1::Record* r) { sc(r)->set_practical_hours_scheduled(kInf); },
           "spot_check.practical_hours_scheduled"},
          {"theory observed negative",
           [&](v1::Record* r) { sc(r)->set_theory_hours_observed(-0.5); },
           "spot_check.theory_hours_observed"},
          {"theory observed NaN",
           [&](v1::Record* r) { sc(r)->set_theory_hours_observed(kNaN); },
           "spot_check.theory_hours_observed"},
          {"practical observed too many",
           [&](v1::Record* r) { sc(r)->set_practical_hours_observed(1e9); },
           "spot_check.practical_hours_observed"},
          {"practical observed -inf",
           [&](v1::Record* r) { sc(r)->set_practical_hours_observed(-kInf); },
           "spot_check.practical_hours_observed"},
          {"no hours scheduled",
           [&](v1::Record* r) {
             sc(r)->set_theory_hours_scheduled(0);
             sc(r)->set_practical_hours_scheduled(0);
           },
           "spot_check.theory_hours_scheduled + "
           "spot_check.practical_hours_scheduled"},
          {"findings too long",
           [&](v1::Record* r) {
             sc(r)->set_findings(Bytes(kMaxLongTextBytes + 1));
           },
           "spot_check.findings"},
      });
}

TEST(ValidateSpotCheckTest, BoundaryValuesAreValid) {
  auto sc = [](v1::Record* r) { return r->mutable_spot_check(); };
  ExpectEachValid(
      RecordKind::kSpotCheck,
      {
          {"attendance == enrolled",
           [&](v1::Record* r) { sc(r)->set_attendance_counted(40); }},
          {"nobody present",
           [&](v1::Record* r) { sc(r)->set_attendance_counted(0); }},
          {"only practical hours",
           [&](v1::Record* r) { sc(r)->set_theory_hours_scheduled(0); }},
          {"10000 hours",
           [&](v1::Record* r) { sc(r)->set_theory_hours_scheduled(10000); }},
          {"no findings", [&](v1::Record* r) { sc(r)->clear_findings(); }},
      });
}

// --- follow_up_visit --------------------------------------------------------

TEST(ValidateFollowUpVisitTest, EachRule) {
  auto fu = [](v1::Record* r) { return r->mutable_follow_up_visit(); };
  const auto bad_answer = static_cast<v1::Answer>(42);
  ExpectEachInvalid(
      RecordKind::kFollowUpVisit,
      {
          {"trainee_id empty",
           [&](v1::Record* r) { fu(r)->clear_trainee_id(); },
           "follow_up_visit.trainee_id is required"},
          {"trainee_id too long",
           [&](v1::Record* r) {
             fu(r)->set_trainee_id(Bytes(kMaxShortTextBytes + 1));
           },
           "follow_up_visit.trainee_id"},
          {"class_id too long",
           [&](v1::Record* r) {
             fu(r)->set_class_id(Bytes(kMaxShortTextBytes + 1));
           },
           "follow_up_visit.class_id"},
          {"contact_method unspecified",
           [&](v1::Record* r) {
             fu(r)->set_contact_method(v1::CONTACT_METHOD_UNSPECIFIED);
           },
           "follow_up_visit.contact_method is required"},
          {"contact_method unknown value",
           [&](v1::Record* r) {
             fu(r)->set_contact_method(static_cast<v1::ContactMethod>(9));
           },
           "follow_up_visit.contact_method"},
          {"employed unspecified",
           [&](v1::Record* r) { fu(r)->set_employed(v1::ANSWER_UNSPECIFIED); },
           "follow_up_visit.employed is required"},
          {"employed unknown value",
           [&](v1::Record* r) { fu(r)->set_employed(bad_answer); },
           "follow_up_visit.employed"},
          {"employed without employer",
           [&](v1::Record* r) { fu(r)->clear_employer(); },
           "follow_up_visit.employer"},
          {"employed with blank employer",
           [&](v1::Record* r) { fu(r)->set_employer("   "); },
           "follow_up_visit.employer"},
          {"employer too long",
           [&](v1::Record* r) {
             fu(r)->set_employer(Bytes(kMaxShortTextBytes + 1));
           },
           "follow_up_visit.employer is 513 bytes"},
          {"monthly_income unknown value",
           [&](v1::Record* r) {
             fu(r)->set_monthly_income(static_cast<v1::IncomeBand>(99));
           },
           "follow_up_visit.monthly_income"},
          {"job_matches_occupation unknown",
           [&](v1::Record* r) {
             fu(r)->set_job_matches_occupation(bad_answer);
           },
           "follow_up_visit.job_matches_occupation"},
          {"certificate_obtained unknown",
           [&](v1::Record* r) { fu(r)->set_certificate_obtained(bad_answer); },
           "follow_up_visit.certificate_obtained"},
          {"subsidy_received unknown",
           [&](v1::Record* r) { fu(r)->set_subsidy_received(bad_answer); },
           "follow_up_visit.subsidy_received"},
          {"publicity_reached unknown",
           [&](v1::Record* r) { fu(r)->set_publicity_reached(bad_answer); },
           "follow_up_visit.publicity_reached"},
          {"information_reached unknown",
           [&](v1::Record* r) { fu(r)->set_information_reached(bad_answer); },
           "follow_up_visit.information_reached"},
          {"subsidy_paid_to_person unknown",
           [&](v1::Record* r) {
             fu(r)->set_subsidy_paid_to_person(bad_answer);
           },
           "follow_up_visit.subsidy_paid_to_person"},
          {"employment_followed_up unknown",
           [&](v1::Record* r) {
             fu(r)->set_employment_followed_up(bad_answer);
           },
           "follow_up_visit.employment_followed_up"},
      });
}

TEST(ValidateFollowUpVisitTest, OptionalFieldsMayBeUnset) {
  auto fu = [](v1::Record* r) { return r->mutable_follow_up_visit(); };
  ExpectEachValid(
      RecordKind::kFollowUpVisit,
      {
          {"not employed, no employer",
           [&](v1::Record* r) {
             fu(r)->set_employed(v1::ANSWER_NO);
             fu(r)->clear_employer();
             fu(r)->clear_monthly_income();
           }},
          {"employment unknown, no employer",
           [&](v1::Record* r) {
             fu(r)->set_employed(v1::ANSWER_UNKNOWN);
             fu(r)->clear_employer();
           }},
          {"optional answers unspecified",
           [&](v1::Record* r) {
             fu(r)->clear_job_matches_occupation();
             fu(r)->clear_certificate_obtained();
             fu(r)->clear_subsidy_received();
             fu(r)->clear_publicity_reached();
             fu(r)->clear_information_reached();
             fu(r)->clear_subsidy_paid_to_person();
             fu(r)->clear_employment_followed_up();
           }},
          {"no class", [&](v1::Record* r) { fu(r)->clear_class_id(); }},
          {"income declined",
           [&](v1::Record* r) {
             fu(r)->set_monthly_income(v1::INCOME_BAND_DECLINED);
           }},
          {"phone contact",
           [&](v1::Record* r) {
             fu(r)->set_contact_method(v1::CONTACT_METHOD_PHONE);
           }},
      });
}

// --- interview_note ---------------------------------------------------------

TEST(ValidateInterviewNoteTest, EachRule) {
  auto in = [](v1::Record* r) { return r->mutable_interview_note(); };
  ExpectEachInvalid(
      RecordKind::kInterviewNote,
      {
          {"no participants",
           [&](v1::Record* r) { in(r)->clear_participants(); },
           "interview_note.participants needs at least one participant"},
          {"participant without name",
           [&](v1::Record* r) { in(r)->mutable_participants(1)->clear_name(); },
           "interview_note.participants[1].name is required"},
          {"participant name too long",
           [&](v1::Record* r) {
             in(r)->mutable_participants(0)->set_name(Chinese(200));
           },
           "interview_note.participants[0].name is 600 bytes"},
          {"participant without role",
           [&](v1::Record* r) { in(r)->mutable_participants(0)->clear_role(); },
           "interview_note.participants[0].role is required"},
          {"organisation too long",
           [&](v1::Record* r) {
             in(r)->mutable_participants(1)->set_organisation(
                 Bytes(kMaxShortTextBytes + 1));
           },
           "interview_note.participants[1].organisation"},
          {"topic too long",
           [&](v1::Record* r) {
             in(r)->set_topic(Bytes(kMaxShortTextBytes + 1));
           },
           "interview_note.topic"},
          {"notes empty", [&](v1::Record* r) { in(r)->clear_notes(); },
           "interview_note.notes is required"},
          {"notes blank", [&](v1::Record* r) { in(r)->set_notes("\n  \n"); },
           "interview_note.notes is required"},
          {"notes too long",
           [&](v1::Record* r) {
             in(r)->set_notes(Bytes(kMaxLongTextBytes + 1));
           },
           "interview_note.notes is 65537 bytes"},
      });
  ExpectEachValid(RecordKind::kInterviewNote,
                  {
                      {"no organisation, no topic",
                       [&](v1::Record* r) {
                         in(r)->mutable_participants(0)->clear_organisation();
                         in(r)->clear_topic();
                       }},
                  });
}

// --- document_review --------------------------------------------------------

TEST(ValidateDocumentReviewTest, EachRule) {
  auto dr = [](v1::Record* r) { return r->mutable_document_review(); };
  ExpectEachInvalid(
      RecordKind::kDocumentReview,
      {
          {"no documents", [&](v1::Record* r) { dr(r)->clear_documents(); },
           "document_review.documents needs at least one document"},
          {"document without title",
           [&](v1::Record* r) { dr(r)->mutable_documents(1)->clear_title(); },
           "document_review.documents[1].title is required"},
          {"title too long",
           [&](v1::Record* r) {
             dr(r)->mutable_documents(0)->set_title(
                 Bytes(kMaxShortTextBytes + 1));
           },
           "document_review.documents[0].title"},
          {"document_kind too long",
           [&](v1::Record* r) {
             dr(r)->mutable_documents(0)->set_document_kind(
                 Bytes(kMaxShortTextBytes + 1));
           },
           "document_review.documents[0].document_kind"},
          {"reference too long",
           [&](v1::Record* r) {
             dr(r)->mutable_documents(1)->set_reference(
                 Bytes(kMaxShortTextBytes + 1));
           },
           "document_review.documents[1].reference"},
          {"findings empty", [&](v1::Record* r) { dr(r)->clear_findings(); },
           "document_review.findings is required"},
          {"findings too long",
           [&](v1::Record* r) {
             dr(r)->set_findings(Bytes(kMaxLongTextBytes + 1));
           },
           "document_review.findings"},
      });
}

// --- monthly_report ---------------------------------------------------------

TEST(ValidateMonthlyReportTest, MonthFormat) {
  for (const std::string& bad :
       {std::string(""), std::string("2026-5"), std::string("2026/05"),
        std::string("2026-13"), std::string("2026-00"), std::string("1999-12"),
        std::string("2201-01"), std::string("abcd-ef"), std::string("26-05"),
        std::string("2026-05-01"), std::string("2026-+5"),
        std::string("２０２６-05")}) {
    SCOPED_TRACE(bad);
    v1::Record r = Example(RecordKind::kMonthlyReport);
    r.mutable_monthly_report()->set_month(bad);
    FS_EXPECT_INVALID(
        ValidateRecordContent(r),
        absl::StrCat("monthly_report.month \"", bad, "\" must be YYYY-MM"));
  }
  for (const std::string& good :
       {std::string("2000-01"), std::string("2200-12"),
        std::string("2026-10")}) {
    SCOPED_TRACE(good);
    v1::Record r = Example(RecordKind::kMonthlyReport);
    r.mutable_monthly_report()->set_month(good);
    FS_EXPECT_OK(ValidateRecordContent(r));
  }
}

TEST(ValidateMonthlyReportTest, EachRowRule) {
  auto mr = [](v1::Record* r) { return r->mutable_monthly_report(); };
  ExpectEachInvalid(
      RecordKind::kMonthlyReport,
      {
          {"no rows", [&](v1::Record* r) { mr(r)->clear_rows(); },
           "monthly_report.rows needs at least one row"},
          {"row without occupation",
           [&](v1::Record* r) { mr(r)->mutable_rows(1)->clear_occupation(); },
           "monthly_report.rows[1].occupation is required"},
          {"occupation too long",
           [&](v1::Record* r) {
             mr(r)->mutable_rows(0)->set_occupation(
                 Bytes(kMaxShortTextBytes + 1));
           },
           "monthly_report.rows[0].occupation"},
          {"duplicate occupation",
           [&](v1::Record* r) {
             mr(r)->mutable_rows(1)->set_occupation("中式烹调师");
           },
           "monthly_report.rows[1].occupation \"中式烹调师\" appears twice"},
          {"certified > trained",
           [&](v1::Record* r) { mr(r)->mutable_rows(0)->set_certified(121); },
           "monthly_report.rows[0].certified (121) exceeds "
           "monthly_report.rows[0].trained (120)"},
          {"employed > trained",
           [&](v1::Record* r) { mr(r)->mutable_rows(1)->set_employed(61); },
           "monthly_report.rows[1].employed (61) exceeds "
           "monthly_report.rows[1].trained (60)"},
          {"main_practices too long",
           [&](v1::Record* r) {
             mr(r)->set_main_practices(Bytes(kMaxLongTextBytes + 1));
           },
           "monthly_report.main_practices"},
          {"highlights too long",
           [&](v1::Record* r) {
             mr(r)->set_highlights(Bytes(kMaxLongTextBytes + 1));
           },
           "monthly_report.highlights"},
      });
  ExpectEachValid(RecordKind::kMonthlyReport,
                  {
                      {"all trained certified and employed",
                       [&](v1::Record* r) {
                         mr(r)->mutable_rows(0)->set_certified(120);
                         mr(r)->mutable_rows(0)->set_employed(120);
                       }},
                      {"an empty row",
                       [&](v1::Record* r) {
                         auto* row = mr(r)->add_rows();
                         row->set_occupation("育婴员");
                       }},
                  });
}

// --- ValidateRecord: the fields the device fills
// ------------------------------

TEST(ValidateRecordTest, RequiresUuidV7Id) {
  v1::Record r = FullExample(RecordKind::kSpotCheck, DeviceIdOf(1));
  FS_ASSERT_OK(ValidateRecord(r));

  r.clear_id();
  FS_EXPECT_INVALID(ValidateRecord(r),
                    "id must be a 16-byte UUIDv7 (got 0 bytes)");
  r.set_id(NewDeviceId());  // 16 bytes, but version 4
  FS_EXPECT_INVALID(ValidateRecord(r), "id must be a 16-byte UUIDv7");
  r.set_id(std::string(15, '\x70'));
  FS_EXPECT_INVALID(ValidateRecord(r), "(got 15 bytes)");
}

TEST(ValidateRecordTest, RequiresAuthor) {
  v1::Record r = FullExample(RecordKind::kSpotCheck, DeviceIdOf(1));
  r.clear_author();
  FS_EXPECT_INVALID(ValidateRecord(r), "author is required");
  r.set_author("  ");
  FS_EXPECT_INVALID(ValidateRecord(r), "author is required");
  r.set_author(Bytes(kMaxShortTextBytes + 1));
  FS_EXPECT_INVALID(ValidateRecord(r), "author is 513 bytes");
  r.set_author("李检查");
  FS_EXPECT_OK(ValidateRecord(r));
}

TEST(ValidateRecordTest, RequiresSixteenByteDeviceId) {
  v1::Record r = FullExample(RecordKind::kSpotCheck, DeviceIdOf(1));
  r.clear_device_id();
  FS_EXPECT_INVALID(ValidateRecord(r), "device_id must be 16 bytes (got 0)");
  r.set_device_id(std::string(15, 'd'));
  FS_EXPECT_INVALID(ValidateRecord(r), "device_id must be 16 bytes (got 15)");
  r.set_device_id(std::string(17, 'd'));
  FS_EXPECT_INVALID(ValidateRecord(r), "device_id must be 16 bytes (got 17)");
}

TEST(ValidateRecordTest, AlsoAppliesContentRules) {
  v1::Record r = FullExample(RecordKind::kSpotCheck, DeviceIdOf(1));
  r.mutable_spot_check()->set_attendance_counted(41);
  FS_EXPECT_INVALID(ValidateRecord(r), "spot_check.attendance_counted");
}

// --- entity edits
// ---------------------------------------------------------------

v1::EntityEdit TraineeEdit() {
  v1::EntityEdit e;
  e.set_entity_type(v1::ENTITY_TYPE_TRAINEE);
  e.set_entity_id("TRN-640522-00421");
  e.mutable_area()->set_county_code("640522");
  auto* w = e.add_writes();
  w->set_field("employer");
  w->set_value("海原县清真餐饮有限公司");
  w->set_base_hlc(12345);
  w = e.add_writes();
  w->set_field("phone");
  w->set_value("13900000000");
  return e;
}

TEST(ValidateEntityEditTest, ValidEditsOfEachType) {
  FS_EXPECT_OK(ValidateEntityEdit(TraineeEdit()));
  for (v1::EntityType type : {v1::ENTITY_TYPE_INSTITUTION,
                              v1::ENTITY_TYPE_CLASS, v1::ENTITY_TYPE_TRAINEE}) {
    SCOPED_TRACE(v1::EntityType_Name(type));
    v1::EntityEdit e;
    e.set_entity_type(type);
    e.set_entity_id("E-1");
    e.mutable_area()->set_county_code("640522");
    e.mutable_area()->set_township_code("640522100");
    ASSERT_FALSE(EditableFields(type).empty());
    for (const std::string& f : EditableFields(type)) {
      auto* w = e.add_writes();
      w->set_field(f);
      w->set_value("值");
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
       [](v1::EntityEdit* e) { e->mutable_writes(1)->set_field("employer"); },
       "entity_edit.writes[1].field \"employer\" is written twice"},
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
                       "change body has neither record nor entity_edit"));
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

}  // namespace
}  // namespace fieldsync
