// The roster imported on a county officer's device (Client::ImportRoster)
// and synced: the device must know the user's areas first; the files go in
// all or nothing; a re-import records nothing; a GB18030 file from Excel is
// read as Chinese; an inspector's device receives the trainees with their
// ID and phone numbers masked, and neither store holds them in clear.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "absl/strings/str_join.h"
#include "fieldsync/client.h"
#include "server/roster_console.h"
#include "server/sqlite_server_store.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::MakeDevice;
using testing::StatusIs;
using testing::TempDir;
using testing::TestServer;
using testing::ToGb18030;

constexpr char kOfficer[] = "县干部";
constexpr char kClearId[] = "640522199001011234";
constexpr char kClearPhone[] = "13812345678";

RosterImportOptions File(const std::string& kind, const std::string& bytes) {
  RosterImportOptions o;
  o.kind = kind;
  o.file_name = kind + ".csv";
  o.bytes = bytes;
  return o;
}

// How many rows of `table` in the SQLite file at `path` hold `needle`.
int64_t RowsHolding(const std::string& path, const std::string& table,
                    const std::string& column, const std::string& needle) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const std::string sql =
      "SELECT count(*) FROM " + table + " WHERE instr(" + column + ", ?) > 0";
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_blob(st, 1, needle.data(), static_cast<int>(needle.size()),
                    SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

class RosterImportSyncTest : public ::testing::Test {
 protected:
  RosterImportSyncTest() : server_(dir_.Sub("server.db")) {
    server_.AddUser(kOfficer, v1::ROLE_COUNTY_OFFICER, {"640522"});
    officer_ = MakeDevice(dir_.Sub("officer"), server_.address(), kOfficer);
  }

  TempDir dir_;
  TestServer server_;
  std::unique_ptr<Client> officer_;
};

TEST_F(RosterImportSyncTest, ImportedOnADeviceSyncedAndMaskedEverywhere) {
  const std::string institutions =
      "机构编号,机构名称,县区代码,定点机构,招标结果公示,签订培训就业协议\r\n"
      "I-1,海原县职业技术学校,640522,是,是,否\r\n";
  const std::string classes =
      "id,institution_id,occupation,county_code,township_code,start_date,"
      "end_date,theory_hours,practical_hours\n"
      "C-1,I-1,中式烹调师,640522,640522100,2026-03-01,2026-03-31,32,64\n";
  const std::string trainees = ToGb18030(
      "学员编号,姓名,类别,班级编号,县区代码,乡镇代码,联系电话,身份证号,备注\r\n"
      "T-1,马小花,建档立卡,C-1,640522,640522100,13812345678,"
      "640522199001011234,\r\n"
      "T-2,\"王, 芳\",两后生,C-1,640522,640522100,,,\"曾用名\r\n王小芳\"\r\n");

  // The device learns its user's areas at the first sync.
  EXPECT_THAT(
      officer_->ImportRoster(File("institutions", institutions)),
      StatusIs(absl::StatusCode::kFailedPrecondition, "log in and sync once"));
  ASSERT_THAT(officer_->Sync(), IsOk());

  for (const auto& [kind, bytes] :
       {std::pair<std::string, std::string>{"institutions", institutions},
        {"classes", classes},
        {"trainees", trainees}}) {
    SCOPED_TRACE(kind);
    auto r = officer_->ImportRoster(File(kind, bytes));
    ASSERT_THAT(r, IsOk());
    EXPECT_TRUE(r->problems.empty()) << absl::StrJoin(r->problems, "\n");
    EXPECT_EQ(r->changes, r->rows);
    EXPECT_EQ(r->created, r->rows);
  }
  auto status = officer_->Status();
  ASSERT_THAT(status, IsOk());
  EXPECT_EQ(status->pending, 4u);

  // The same file again records nothing.
  auto again = officer_->ImportRoster(File("trainees", trainees));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->changes, 0u);
  EXPECT_EQ(again->unchanged, 2u);
  EXPECT_EQ(officer_->Status()->pending, 4u);

  auto report = officer_->Sync();
  ASSERT_THAT(report, IsOk());
  status = officer_->Status();
  EXPECT_EQ(status->pending, 0u);
  EXPECT_EQ(status->rejected, 0u);
  EXPECT_EQ(status->accepted, 4u);

  // An inspector of the county receives the roster, masked.
  auto inspector = MakeDevice(dir_.Sub("inspector"), server_.address(), "张伟");
  ASSERT_THAT(inspector->Sync(), IsOk());
  auto t1 = inspector->GetEntity(v1::ENTITY_TYPE_TRAINEE, "T-1");
  ASSERT_THAT(t1, IsOk());
  std::map<std::string, std::string> fields;
  for (const EntityFieldView& f : *t1) fields[f.field] = f.value;
  EXPECT_EQ(fields["name"], "马小花");
  EXPECT_EQ(fields["category"], "registered_poor");
  EXPECT_EQ(fields["id_number_masked"], "640522********1234");
  EXPECT_EQ(fields["phone_masked"], "138****5678");
  auto t2 = inspector->GetEntity(v1::ENTITY_TYPE_TRAINEE, "T-2");
  ASSERT_THAT(t2, IsOk());
  EXPECT_EQ((*t2)[0].field, "category");
  EXPECT_EQ((*t2)[0].value, "two_after");
  EXPECT_EQ((*t2)[2].field, "name");
  EXPECT_EQ((*t2)[2].value, "王, 芳");

  for (const std::string& clear :
       {std::string(kClearId), std::string(kClearPhone)}) {
    EXPECT_EQ(RowsHolding(dir_.Sub("server.db"), "changes", "body", clear), 0);
    for (const char* home : {"officer", "inspector"}) {
      const std::string db = dir_.Sub(home) + "/fieldsync.db";
      EXPECT_EQ(RowsHolding(db, "field_writes", "value", clear), 0) << home;
    }
  }
}

TEST_F(RosterImportSyncTest, AFileWithBadRowsRecordsNothing) {
  ASSERT_THAT(officer_->Sync(), IsOk());
  const std::string institutions =
      "id,name,county_code,designated\n"
      "I-1,海原县职业技术学校,640522,是\n"
      "I-2,西吉县培训中心,640422,是\n"  // another county
      "I-3,固原市技工学校,640522,也许\n";
  auto r = officer_->ImportRoster(File("institutions", institutions));
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->problems.size(), 2u) << absl::StrJoin(r->problems, "\n");
  EXPECT_EQ(r->problems[0],
            "institutions.csv:3: county_code: county 640422 is outside your "
            "areas (640522)");
  EXPECT_EQ(r->problems[1],
            "institutions.csv:4: designated: must be yes or no (是 or 否)");
  EXPECT_EQ(r->changes, 0u);
  EXPECT_EQ(officer_->Status()->pending, 0u);
  EXPECT_THAT(officer_->GetEntity(v1::ENTITY_TYPE_INSTITUTION, "I-1"),
              StatusIs(absl::StatusCode::kNotFound));

  // A dry run of a good file says what it would do and records nothing.
  RosterImportOptions dry = File("institutions",
                                 "id,name,county_code\nI-1,海原县职业技术学校,"
                                 "640522\n");
  dry.dry_run = true;
  r = officer_->ImportRoster(dry);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->created, 1u);
  EXPECT_EQ(r->changes, 0u);
  EXPECT_EQ(officer_->Status()->pending, 0u);
}

// The same files imported at the office on the server: the edits enter the
// feed as the roster console's changes, devices receive them, a re-import
// writes nothing, and bad rows stop the whole file.
TEST_F(RosterImportSyncTest, ImportedOnTheServerReachesTheDevices) {
  ImportInput in;
  in.file_name = "institutions.csv";
  in.kind = RosterKind::kInstitutions;
  in.bytes =
      "id,name,county_code,designated\n"
      "I-1,海原县职业技术学校,640522,是\n"
      "I-2,西吉县培训中心,640422,否\n";
  const int64_t now = 1'780'000'000'000;
  auto plan = ImportRosterOnServer(*server_.store(), in, "管理员", now, false);
  ASSERT_THAT(plan, IsOk());
  EXPECT_TRUE(plan->problems.empty()) << absl::StrJoin(plan->problems, "\n");
  EXPECT_EQ(plan->created, 2u);
  auto head = server_.store()->FeedHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(*head, 2u);

  // Again: nothing new in the feed.
  plan =
      ImportRosterOnServer(*server_.store(), in, "管理员", now + 1000, false);
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->unchanged, 2u);
  EXPECT_EQ(*server_.store()->FeedHead(), 2u);

  // A corrected file writes the one changed field, as a later change that
  // wins; a file with a bad row writes nothing.
  in.bytes =
      "id,name,county_code,designated\n"
      "I-1,海原县职业技术学校,640522,否\n"
      "I-2,西吉县培训中心,640422,否\n";
  plan =
      ImportRosterOnServer(*server_.store(), in, "管理员", now + 2000, false);
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->fields_written, 1u);
  in.bytes = "id,name,county_code,designated\nI-3,x,640522,也许\n";
  plan =
      ImportRosterOnServer(*server_.store(), in, "管理员", now + 3000, false);
  ASSERT_THAT(plan, IsOk());
  EXPECT_EQ(plan->problems.size(), 1u);
  EXPECT_EQ(*server_.store()->FeedHead(), 3u);

  // The county's devices receive their county's institution, corrected.
  ASSERT_THAT(officer_->Sync(), IsOk());
  auto i1 = officer_->GetEntity(v1::ENTITY_TYPE_INSTITUTION, "I-1");
  ASSERT_THAT(i1, IsOk());
  std::map<std::string, std::string> fields;
  for (const EntityFieldView& f : *i1) fields[f.field] = f.value;
  EXPECT_EQ(fields["designated"], "no");
  EXPECT_EQ(fields["name"], "海原县职业技术学校");
  EXPECT_THAT(officer_->GetEntity(v1::ENTITY_TYPE_INSTITUTION, "I-2"),
              StatusIs(absl::StatusCode::kNotFound));
  // The audit trail names who imported.
  EXPECT_EQ(RowsHolding(dir_.Sub("server.db"), "audit", "actor", "管理员"), 2);
}

// `fieldsync-server roster import` is another process on the database of
// a running server: the server must number its next changes after the
// import's and serve the import in its feed.
TEST_F(RosterImportSyncTest, ImportedOnTheServerWhileItRuns) {
  ASSERT_THAT(officer_->Sync(), IsOk());
  auto r = officer_->ImportRoster(File(
      "institutions", "id,name,county_code\nI-1,海原县职业技术学校,640522\n"));
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(officer_->Sync(), IsOk());  // feed: 1 change

  auto other = SqliteServerStore::Open(dir_.Sub("server.db"));
  ASSERT_THAT(other, IsOk());
  ImportInput in;
  in.file_name = "institutions.csv";
  in.kind = RosterKind::kInstitutions;
  in.bytes = "id,name,county_code\nI-2,海原县宏达职业技能培训学校,640522\n";
  auto plan =
      ImportRosterOnServer(**other, in, "管理员", 1'780'000'000'000, false);
  ASSERT_THAT(plan, IsOk());
  ASSERT_EQ(plan->created, 1u);

  r = officer_->ImportRoster(
      File("institutions",
           "id,name,county_code\nI-1,海原县职业技术学校,640522\n"
           "I-3,海原县农广校,640522\n"));
  ASSERT_THAT(r, IsOk());
  auto report = officer_->Sync();
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->accepted, 1u);
  EXPECT_EQ(report->rejected, 0u);
  EXPECT_THAT(officer_->GetEntity(v1::ENTITY_TYPE_INSTITUTION, "I-2"), IsOk());
  auto summary = server_.store()->Summarize();
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->changes, 3u);
  EXPECT_EQ(summary->feed_head, 3u);
}

TEST(RosterConsoleTest, ExitCodesOfTheServersRosterCommand) {
  TempDir dir;
  const std::string db = dir.Sub("server.db");
  const std::string examples =
      std::string(FIELDSYNC_SOURCE_DIR) + "/examples/roster/";
  EXPECT_EQ(RunRoster(db, {"import", "people", "x.csv"}), 2);
  EXPECT_EQ(RunRoster(db, {"import", "trainees"}), 2);
  EXPECT_EQ(RunRoster("", {"import", "trainees", "x.csv"}), 2);
  EXPECT_EQ(RunRoster(db, {"import", "trainees", "x.csv", "--bogus"}), 2);
  EXPECT_EQ(RunRoster(db, {"import", "trainees", dir.Sub("missing.csv")}), 1);
  // Trainees before their classes: every row refused, nothing stored.
  EXPECT_EQ(
      RunRoster(db, {"import", "trainees", examples + "trainees-gb18030.csv"}),
      1);
  for (const char* kind : {"institutions", "classes"}) {
    EXPECT_EQ(RunRoster(db, {"import", kind, examples + kind + ".csv", "--as",
                             "管理员"}),
              0);
  }
  EXPECT_EQ(
      RunRoster(db, {"import", "trainees", examples + "trainees-gb18030.csv",
                     "--encoding", "gb18030"}),
      0);
  auto store = SqliteServerStore::Open(db);
  ASSERT_THAT(store, IsOk());
  auto summary = (*store)->Summarize();
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->changes, 8u);
  EXPECT_EQ(summary->entities, 8u);
  EXPECT_EQ(summary->devices, 1u);  // the roster console
}

}  // namespace
}  // namespace fieldsync
