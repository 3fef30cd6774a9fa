// Planning a roster import (common/roster_import.h) against a roster held
// in memory: every bad row reported together and nothing planned, a
// re-import that writes nothing, a corrected row that writes only its
// changed fields, Chinese headers and values, GB18030, personal data masked
// and never echoed.
#include "common/roster_import.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/roster.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;
using testing::ToGb18030;

class MemoryRoster : public RosterView {
 public:
  absl::StatusOr<RosterEntity> Lookup(v1::EntityType type,
                                      const std::string& id) override {
    ++lookups;
    auto it = entities.find({type, id});
    if (it == entities.end()) return RosterEntity();
    return it->second;
  }
  // Holds what `plan` would write, as if it had been recorded and merged.
  void Adopt(const ImportPlan& plan, uint64_t hlc) {
    for (const v1::EntityEdit& e : plan.edits) {
      RosterEntity& held = entities[{e.entity_type(), e.entity_id()}];
      held.exists = true;
      held.county = e.area().county_code();
      for (const v1::FieldWrite& w : e.writes()) {
        held.fields[w.field()] = {w.value(), hlc};
      }
    }
  }
  std::map<std::pair<v1::EntityType, std::string>, RosterEntity> entities;
  int lookups = 0;
};

ImportInput Input(RosterKind kind, const std::string& bytes,
                  std::vector<std::string> areas = {"640522"}) {
  ImportInput in;
  in.kind = kind;
  in.file_name = "roster.csv";
  in.bytes = bytes;
  in.importer_areas.areas = std::move(areas);
  return in;
}

constexpr char kInstitutions[] =
    "id,name,county_code,designated,tender_result_published,agreement_signed\n"
    "I-1,海原县职业技术学校,640522,yes,是,否\n";

constexpr char kClasses[] =
    "id,institution_id,occupation,county_code,township_code,village_code,"
    "start_date,end_date,theory_hours,practical_hours\n"
    "C-1,I-1,中式烹调师,640522,640522100,640522100201,2026-03-01,2026-03-31,"
    "32,64.0\n";

constexpr char kTrainees[] =
    "id,name,category,class_id,county_code,township_code,village_code,phone,"
    "id_number\n"
    "T-1,马小花,建档立卡,C-1,640522,640522100,640522100201,13812345678,"
    "640522199001011234\n"
    "T-2,\"王, 芳\",two_after,C-1,640522,,,,\n";

// A roster holding institution I-1 and class C-1.
MemoryRoster WithClass() {
  MemoryRoster roster;
  for (auto [kind, file] : {std::pair{RosterKind::kInstitutions, kInstitutions},
                            std::pair{RosterKind::kClasses, kClasses}}) {
    auto plan = PlanRosterImport(Input(kind, file), roster);
    EXPECT_THAT(plan, IsOk());
    EXPECT_TRUE(plan->problems.empty()) << absl::StrJoin(plan->problems, "\n");
    roster.Adopt(*plan, 100);
  }
  return roster;
}

const v1::FieldWrite* Write(const v1::EntityEdit& e, const std::string& f) {
  for (const auto& w : e.writes()) {
    if (w.field() == f) return &w;
  }
  return nullptr;
}

TEST(RosterImportTest, ValuesAreCanonicalAndPersonalDataMasked) {
  MemoryRoster roster = WithClass();
  const RosterEntity& cls = roster.entities[{v1::ENTITY_TYPE_CLASS, "C-1"}];
  EXPECT_EQ(cls.fields.at("practical_hours").value, "64");
  const RosterEntity& inst =
      roster.entities[{v1::ENTITY_TYPE_INSTITUTION, "I-1"}];
  EXPECT_EQ(inst.fields.at("tender_result_published").value, "yes");
  EXPECT_EQ(inst.fields.at("agreement_signed").value, "no");

  auto plan = PlanRosterImport(Input(RosterKind::kTrainees, kTrainees), roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_TRUE(plan->problems.empty()) << absl::StrJoin(plan->problems, "\n");
  ASSERT_EQ(plan->edits.size(), 2u);
  EXPECT_EQ(plan->created, 2u);
  const v1::EntityEdit& t1 = plan->edits[0];
  EXPECT_EQ(t1.entity_id(), "T-1");
  EXPECT_EQ(t1.area().township_code(), "640522100");
  EXPECT_EQ(t1.area().village_code(), "640522100201");
  EXPECT_EQ(Write(t1, "category")->value(), "registered_poor");
  EXPECT_EQ(Write(t1, "id_number_masked")->value(), "640522********1234");
  EXPECT_EQ(Write(t1, "phone_masked")->value(), "138****5678");
  const std::string bytes = t1.SerializeAsString();
  EXPECT_EQ(bytes.find("640522199001011234"), std::string::npos);
  EXPECT_EQ(bytes.find("13812345678"), std::string::npos);
  // Empty cells of a new entity write nothing.
  const v1::EntityEdit& t2 = plan->edits[1];
  EXPECT_EQ(Write(t2, "name")->value(), "王, 芳");
  EXPECT_EQ(Write(t2, "phone_masked"), nullptr);
  EXPECT_EQ(t2.area().township_code(), "");
}

TEST(RosterImportTest, ImportingTheSameFileTwiceWritesNothing) {
  MemoryRoster roster = WithClass();
  auto first =
      PlanRosterImport(Input(RosterKind::kTrainees, kTrainees), roster);
  ASSERT_THAT(first, IsOk());
  roster.Adopt(*first, 200);
  auto again =
      PlanRosterImport(Input(RosterKind::kTrainees, kTrainees), roster);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->problems.empty());
  EXPECT_TRUE(again->edits.empty());
  EXPECT_EQ(again->unchanged, 2u);
  EXPECT_EQ(again->rows, 2u);
  EXPECT_EQ(again->fields_written, 0u);
}

TEST(RosterImportTest, ACorrectedRowWritesOnlyTheChangedFields) {
  MemoryRoster roster = WithClass();
  auto first =
      PlanRosterImport(Input(RosterKind::kTrainees, kTrainees), roster);
  ASSERT_THAT(first, IsOk());
  roster.Adopt(*first, 200);
  std::string corrected = kTrainees;
  corrected.replace(corrected.find("建档立卡"), std::string("建档立卡").size(),
                    "十二五移民");
  auto plan = PlanRosterImport(Input(RosterKind::kTrainees, corrected), roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->edits.size(), 1u);
  EXPECT_EQ(plan->changed, 1u);
  EXPECT_EQ(plan->unchanged, 1u);
  const v1::EntityEdit& e = plan->edits[0];
  ASSERT_EQ(e.writes_size(), 1);
  EXPECT_EQ(e.writes(0).field(), "category");
  EXPECT_EQ(e.writes(0).value(), "resettled");
  EXPECT_EQ(e.writes(0).base_hlc(), 200u);  // it saw the value it replaces
}

TEST(RosterImportTest, EveryBadRowIsReportedAndNothingIsPlanned) {
  MemoryRoster roster = WithClass();
  const std::string file =
      "id,name,category,class_id,county_code,phone,id_number\n"
      "T-1,马小花,建档立卡,C-1,640522,13812345678,640522199001011234\n"
      "T-2,王芳,poor,C-1,640522,,\n"                     // 3 category
      "T-3,李娜,other,C-9,640522,,\n"                    // 4 class
      "T-4,张伟,other,C-1,6405,,\n"                      // 5 county
      "T-1,马小花,other,C-1,640522,,\n"                  // 6 duplicate
      "T-6,刘洋,other,C-1,640522,,640522199001011235\n"  // 7 check digit
      "T-7,陈静,other,C-1,640521,,\n"                    // 8 outside
      "T-8,,other,C-1,640522,1381234,\n";                // 9 name, phone
  auto plan = PlanRosterImport(Input(RosterKind::kTrainees, file), roster);
  ASSERT_THAT(plan, IsOk());
  EXPECT_TRUE(plan->edits.empty());
  const std::vector<std::string> expected = {
      "roster.csv:3: category: must be one of registered_poor",
      "roster.csv:5: county_code: must be a 6-digit county code",
      "roster.csv:6: id: duplicate trainee T-1 (first on line 2)",
      "roster.csv:7: id_number: the ID number's check digit",
      "roster.csv:8: county_code: county 640521 is outside your areas",
      "roster.csv:9: name: is required",
      "roster.csv:9: phone: a phone number is a mobile number",
      "roster.csv:4: class_id: unknown class C-9: import the class first",
  };
  ASSERT_EQ(plan->problems.size(), expected.size())
      << absl::StrJoin(plan->problems, "\n");
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(plan->problems[i].rfind(expected[i], 0), 0u)
        << plan->problems[i] << "\nexpected: " << expected[i];
  }
  const std::string all = absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(all.find("640522199001011235"), std::string::npos);
  EXPECT_EQ(all.find("1381234"), std::string::npos);
}

TEST(RosterImportTest, EveryProblemOfOneRowIsReportedTogether) {
  MemoryRoster roster = WithClass();
  auto plan =
      PlanRosterImport(Input(RosterKind::kTrainees,
                             "id,name,category,class_id,county_code,id_number\n"
                             "T-9,张三,贫困户,C-9,640521,640522199001011235\n"),
                       roster);
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(
      absl::StrJoin(plan->problems, "\n"),
      "roster.csv:2: category: must be one of registered_poor (建档立卡), "
      "resettled (十二五移民), two_after (两后生), other (其他)\n"
      "roster.csv:2: id_number: the ID number's check digit (the last "
      "character) is wrong: a digit was mistyped\n"
      "roster.csv:2: county_code: county 640521 is outside your areas "
      "(640522)\n"
      "roster.csv:2: class_id: unknown class C-9: import the class "
      "first");
}

TEST(RosterImportTest, ExcelsEmptyRowsAreSkippedAndValuesAreCanonical) {
  MemoryRoster roster = WithClass();
  auto plan = PlanRosterImport(
      Input(RosterKind::kClasses,
            "id,institution_id,occupation,county_code,start_date,end_date,"
            "theory_hours\r\n"
            "C-2, I-1 ,电工,640522,2026-04-01,2026-04-30, 32.50 \r\n"
            ",,,,,,\r\n,,,,,,\r\n"),
      roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_TRUE(plan->problems.empty()) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->rows, 1u);
  ASSERT_EQ(plan->edits.size(), 1u);
  EXPECT_EQ(Write(plan->edits[0], "theory_hours")->value(), "32.5");
  EXPECT_EQ(Write(plan->edits[0], "institution_id")->value(), "I-1");
  // What validation accepts is only the canonical form, so every path
  // writes the same string for the same value.
  const RosterField& hours =
      *FindRosterField(v1::ENTITY_TYPE_CLASS, "theory_hours");
  EXPECT_THAT(
      ValidateFieldValue(hours, "32.50", "640522"),
      StatusIs(absl::StatusCode::kInvalidArgument, "must be written 32.5"));
  EXPECT_THAT(
      ValidateFieldValue(*FindRosterField(v1::ENTITY_TYPE_TASK, "year"),
                         "02026", "640522"),
      StatusIs(absl::StatusCode::kInvalidArgument, "must be written 2026"));
}

TEST(RosterImportTest, AnIdNumberIsNeverAnIdAndIsNotEchoed) {
  MemoryRoster roster = WithClass();
  auto plan =
      PlanRosterImport(Input(RosterKind::kTrainees,
                             "id,name,category,class_id,county_code\n"
                             "640522199001011234,马小花,other,C-1,640522\n"
                             "T-2,王芳,other,13812345678,640522\n"),
                       roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->problems.size(), 2u) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->problems[0].rfind("roster.csv:2: id: looks like an ID or "
                                    "phone number",
                                    0),
            0u);
  EXPECT_EQ(plan->problems[1].rfind("roster.csv:3: class_id: looks like", 0),
            0u);
  const std::string all = absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(all.find("640522199001011234"), std::string::npos);
  EXPECT_EQ(all.find("13812345678"), std::string::npos);
}

TEST(RosterImportTest, ClassRulesDatesAndInstitution) {
  MemoryRoster roster = WithClass();
  const std::string file =
      "id,institution_id,occupation,county_code,start_date,end_date\n"
      "C-2,I-1,电工,640522,2026-04-30,2026-04-01\n"
      "C-3,I-1,电工,640522,2026-02-30,2026-04-01\n"
      "C-4,I-9,电工,640522,2026-04-01,2026-04-30\n";
  auto plan = PlanRosterImport(Input(RosterKind::kClasses, file), roster);
  ASSERT_THAT(plan, IsOk());
  EXPECT_TRUE(plan->edits.empty());
  ASSERT_EQ(plan->problems.size(), 3u) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->problems[0],
            "roster.csv:2: end_date: the class ends (2026-04-01) before it "
            "starts (2026-04-30)");
  EXPECT_EQ(plan->problems[1],
            "roster.csv:3: start_date: must be a date written YYYY-MM-DD "
            "(2026-03-01)");
  EXPECT_EQ(plan->problems[2],
            "roster.csv:4: institution_id: unknown institution I-9: import "
            "the institution first");
}

TEST(RosterImportTest, ChineseHeadersAGb18030FileAndABom) {
  MemoryRoster roster = WithClass();
  const std::string utf8 =
      "学员编号,姓名,类别,班级编号,县区代码,身份证号,备注\r\n"
      "T-1,马小花,两后生,C-1,640522,64052219851120789x,"
      "\"第一行\r\n第二行\"\r\n";
  for (const std::string& bytes :
       {ToGb18030(utf8), absl::StrCat("\xEF\xBB\xBF", utf8), utf8}) {
    auto plan = PlanRosterImport(Input(RosterKind::kTrainees, bytes), roster);
    ASSERT_THAT(plan, IsOk());
    ASSERT_TRUE(plan->problems.empty()) << absl::StrJoin(plan->problems, "\n");
    ASSERT_EQ(plan->edits.size(), 1u);
    EXPECT_EQ(Write(plan->edits[0], "name")->value(), "马小花");
    EXPECT_EQ(Write(plan->edits[0], "category")->value(), "two_after");
    EXPECT_EQ(Write(plan->edits[0], "id_number_masked")->value(),
              "640522********789X");
    EXPECT_EQ(plan->ignored_columns, std::vector<std::string>{"备注"});
  }
}

TEST(RosterImportTest, TasksAreNamedByCountyAndYear) {
  MemoryRoster roster;
  auto plan = PlanRosterImport(
      Input(RosterKind::kTasks,
            "county_code,year,trainees_target\n640522,2026,1200\n"
            "640522,2026,1300\n640522,1999,5\n"),
      roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->problems.size(), 2u) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->problems[0],
            "roster.csv:3: year: duplicate task 640522-2026 (first on line 2)");
  EXPECT_EQ(plan->problems[1],
            "roster.csv:4: year: must be a year from 2000 to 2100");
  plan =
      PlanRosterImport(Input(RosterKind::kTasks,
                             "县区代码,年度,培训任务人数\n640522,2026,1200\n"),
                       roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->edits.size(), 1u);
  EXPECT_EQ(plan->edits[0].entity_id(), "640522-2026");
  EXPECT_EQ(plan->edits[0].entity_type(), v1::ENTITY_TYPE_TASK);
}

TEST(RosterImportTest, AnEntityStaysInItsCounty) {
  MemoryRoster roster = WithClass();
  // Reported with the other rows' problems, not only once they are fixed.
  auto plan = PlanRosterImport(
      Input(RosterKind::kInstitutions,
            "id,name,county_code\nI-1,海原县职业技术学校,640521\nI-2,,640522\n",
            {"640521", "640522"}),
      roster);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->problems.size(), 2u) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->problems[0], "roster.csv:3: name: is required");
  plan->problems.erase(plan->problems.begin());
  EXPECT_EQ(plan->problems[0],
            "roster.csv:2: county_code: institution I-1 is in county 640522; "
            "an entity stays in its county");
}

TEST(RosterImportTest, FilesThatAreNotARosterAreRefusedWhole) {
  MemoryRoster roster;
  EXPECT_THAT(PlanRosterImport(Input(RosterKind::kTrainees, ""), roster),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "roster.csv: the file is empty"));
  EXPECT_THAT(
      PlanRosterImport(Input(RosterKind::kTrainees, "id,name\nT-1,x\n"),
                       roster),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "roster.csv:1: the header has no column category (类别), "
               "class_id (班级编号), county_code (县区代码)"));
  EXPECT_THAT(
      PlanRosterImport(
          Input(RosterKind::kTasks, "county_code,year,trainees_target\n"),
          roster),
      StatusIs(absl::StatusCode::kInvalidArgument, "no rows below its header"));
  EXPECT_THAT(
      PlanRosterImport(Input(RosterKind::kTasks, "a\xFF\xFF\n"), roster),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "roster.csv: the file is neither UTF-8 nor GB18030"));
  EXPECT_THAT(PlanRosterImport(
                  Input(RosterKind::kTasks, "county_code,year,year\n"), roster),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "column \"year\" appears twice"));
}

TEST(RosterImportTest, KindNames) {
  EXPECT_EQ(*ParseRosterKind("trainees"), RosterKind::kTrainees);
  EXPECT_EQ(*ParseRosterKind("培训班"), RosterKind::kClasses);
  EXPECT_THAT(ParseRosterKind("people"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "institutions, classes, trainees or tasks"));
}

}  // namespace
}  // namespace fieldsync
