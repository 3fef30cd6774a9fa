// ValidateRecordContent over the records of each kind (spot_check,
// follow_up_visit, interview_note, document_review, monthly_report): each
// rule on its own names its field, boundary values and unset optional fields
// pass; and ValidateRecord over the fields the device fills (UUIDv7 id,
// author, 16-byte device id). The shared helpers are in
// validate_test_support.h.
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/validate.h"
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
  r.set_id(NewDeviceId());  // 16 bytes, but version 4: says so
  FS_EXPECT_INVALID(ValidateRecord(r),
                    "is 16 bytes but not a UUIDv7 (version 4, variant bits 2");
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
  r.set_device_id(std::string(16, '\0'));
  FS_EXPECT_INVALID(ValidateRecord(r), "device_id is all zero bytes");
}

TEST(ValidateRecordTest, AlsoAppliesContentRules) {
  v1::Record r = FullExample(RecordKind::kSpotCheck, DeviceIdOf(1));
  r.mutable_spot_check()->set_attendance_counted(41);
  FS_EXPECT_INVALID(ValidateRecord(r), "spot_check.attendance_counted");
}

}  // namespace
}  // namespace fieldsync
