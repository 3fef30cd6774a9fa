#include "common/roster_import.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/csv.h"
#include "common/personal_data.h"
#include "common/roster.h"
#include "common/status_macros.h"
#include "common/validate.h"

namespace fieldsync {
namespace {

// What a column of the file becomes.
enum class Target { kId, kCounty, kField, kIdNumber, kPhone };

struct Column {
  std::vector<std::string> names;  // canonical first, then aliases
  Target target;
  const char* field;  // the entity field for kField, kIdNumber, kPhone
  bool required;      // the header must have it and every row a value
};

const std::vector<Column>& ColumnsOf(RosterKind kind) {
  using T = Target;
  static const std::vector<Column> kInstitutions = {
      {{"id", "机构编号", "编号"}, T::kId, "", true},
      {{"name", "机构名称", "名称"}, T::kField, "name", true},
      {{"county_code", "县区代码", "县代码"}, T::kCounty, "", true},
      {{"designated", "定点机构", "是否定点"}, T::kField, "designated", false},
      {{"tender_result_published", "招标结果公示", "是否公示招标结果"},
       T::kField,
       "tender_result_published",
       false},
      {{"agreement_signed", "签订培训就业协议", "是否签订协议"},
       T::kField,
       "agreement_signed",
       false}};
  static const std::vector<Column> kClasses = {
      {{"id", "班级编号", "编号"}, T::kId, "", true},
      {{"institution_id", "机构编号"}, T::kField, "institution_id", true},
      {{"occupation", "工种"}, T::kField, "occupation", true},
      {{"county_code", "县区代码", "县代码"}, T::kCounty, "", true},
      {{"township_code", "乡镇代码"}, T::kField, "township_code", false},
      {{"village_code", "村代码"}, T::kField, "village_code", false},
      {{"start_date", "开班日期", "开始日期"}, T::kField, "start_date", true},
      {{"end_date", "结业日期", "结束日期"}, T::kField, "end_date", true},
      {{"theory_hours", "理论课时"}, T::kField, "theory_hours", false},
      {{"practical_hours", "实操课时"}, T::kField, "practical_hours", false}};
  static const std::vector<Column> kTrainees = {
      {{"id", "学员编号", "编号"}, T::kId, "", true},
      {{"name", "姓名"}, T::kField, "name", true},
      {{"category", "类别", "人员类别"}, T::kField, "category", true},
      {{"class_id", "班级编号"}, T::kField, "class_id", true},
      {{"county_code", "县区代码", "县代码"}, T::kCounty, "", true},
      {{"township_code", "乡镇代码"}, T::kField, "township_code", false},
      {{"village_code", "村代码"}, T::kField, "village_code", false},
      {{"phone", "联系电话", "电话"}, T::kPhone, "phone_masked", false},
      {{"id_number", "身份证号", "身份证号码"},
       T::kIdNumber,
       "id_number_masked",
       false}};
  static const std::vector<Column> kTasks = {
      {{"county_code", "县区代码", "县代码"}, T::kCounty, "", true},
      {{"year", "年度"}, T::kField, "year", true},
      {{"trainees_target", "培训任务人数", "任务人数"},
       T::kField,
       "trainees_target",
       true}};
  switch (kind) {
    case RosterKind::kInstitutions:
      return kInstitutions;
    case RosterKind::kClasses:
      return kClasses;
    case RosterKind::kTrainees:
      return kTrainees;
    case RosterKind::kTasks:
      break;
  }
  return kTasks;
}

// Ids travel in clear in every change and are printed in messages: an ID or
// phone number must never be one (people do use the ID number as 学员编号).
bool LooksPersonal(absl::string_view v) {
  const bool mobile =
      v.size() == 11 && v[0] == '1' &&
      v.find_first_not_of("0123456789") == absl::string_view::npos;
  return mobile || ValidateIdNumber(v).ok();
}
constexpr char kPersonalId[] =
    "looks like an ID or phone number, which must not be an id (ids travel in "
    "clear); use the roster's own number (学员编号)";

// One row as read: the entity and the canonical value of each field column.
struct Row {
  int line = 0;
  std::string id;
  std::string county;
  std::map<std::string, std::string> values;  // field -> canonical value
};

class Planner {
 public:
  Planner(const ImportInput& in, RosterView& view)
      : in_(in), view_(view), type_(EntityTypeOf(in.kind)) {}

  absl::StatusOr<ImportPlan> Run();

 private:
  absl::Status MapHeader(const CsvRow& header);
  Row ReadRow(const CsvRow& csv);
  void ReadCell(const Column& col, const std::string& cell, Row* row);
  void CheckRow(const Row& row);
  absl::StatusOr<bool> Exists(v1::EntityType type, const std::string& id);
  absl::Status Diff(const Row& row);
  void Problem(int line, absl::string_view column, absl::string_view reason) {
    plan_.problems.push_back(
        absl::StrCat(in_.file_name, ":", line, ": ", column, ": ", reason));
  }

  const ImportInput& in_;
  RosterView& view_;
  const v1::EntityType type_;
  std::vector<int> index_;  // column -> cell index, -1 if absent
  std::map<std::string, int> seen_ids_;
  std::map<std::string, bool> ref_cache_;
  ImportPlan plan_;
};

absl::Status Planner::MapHeader(const CsvRow& header) {
  const auto& columns = ColumnsOf(in_.kind);
  index_.assign(columns.size(), -1);
  for (size_t cell = 0; cell < header.fields.size(); ++cell) {
    const std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[cell]));
    bool matched = false;
    for (size_t c = 0; c < columns.size() && !matched; ++c) {
      for (const std::string& alias : columns[c].names) {
        if (name != alias) continue;
        if (index_[c] >= 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              in_.file_name, ":", header.line, ": column \"",
              columns[c].names[0], "\" appears twice in the header"));
        }
        index_[c] = static_cast<int>(cell);
        matched = true;
        break;
      }
    }
    if (!matched && !name.empty()) {
      plan_.ignored_columns.push_back(header.fields[cell]);
    }
  }
  std::vector<std::string> missing;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].required && index_[c] < 0) {
      missing.push_back(
          absl::StrCat(columns[c].names[0], " (", columns[c].names[1], ")"));
    }
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        in_.file_name, ":", header.line, ": the header has no column ",
        absl::StrJoin(missing, ", "), "; a ", RosterKindName(in_.kind),
        " file's first row names its columns (docs/ROSTER.md)"));
  }
  return absl::OkStatus();
}

void Planner::ReadCell(const Column& col, const std::string& cell, Row* row) {
  const std::string& name = col.names[0];
  const std::string v(absl::StripAsciiWhitespace(cell));
  if (v.empty()) {
    if (col.required) Problem(row->line, name, "is required");
    if (col.target != Target::kId && col.target != Target::kCounty) {
      row->values[col.field] = "";
    }
    return;
  }
  switch (col.target) {
    case Target::kId:
      if (v.size() > kMaxShortTextBytes) {
        Problem(row->line, name, "is longer than 512 bytes");
        return;
      }
      if (LooksPersonal(v)) {
        Problem(row->line, name, kPersonalId);
        return;
      }
      if (v.find_first_of("\r\n") != std::string::npos) {
        Problem(row->line, name, "must be a single line");
        return;
      }
      row->id = v;
      return;
    case Target::kCounty:
      if (v.size() != kCountyCodeDigits || !ValidateAreaCode(v).ok()) {
        Problem(row->line, name, "must be a 6-digit county code (640522)");
        return;
      }
      row->county = v;
      return;
    case Target::kIdNumber:
    case Target::kPhone: {
      const absl::Status s = col.target == Target::kIdNumber
                                 ? ValidateIdNumber(v)
                                 : ValidatePhone(v);
      if (!s.ok()) {
        Problem(row->line, name, s.message());
        return;
      }
      row->values[col.field] =
          col.target == Target::kIdNumber ? MaskIdNumber(v) : MaskPhone(v);
      return;
    }
    case Target::kField:
      break;
  }
  const RosterField* field = FindRosterField(type_, col.field);
  if (field->type == FieldType::kRef && LooksPersonal(v)) {
    Problem(row->line, name, kPersonalId);
    return;
  }
  absl::StatusOr<std::string> value = NormalizeFieldValue(*field, v);
  if (!value.ok()) {
    Problem(row->line, name, value.status().message());
    return;
  }
  if (value->size() > kMaxShortTextBytes) {
    Problem(row->line, name, "is longer than 512 bytes");
    return;
  }
  row->values[col.field] = *std::move(value);
}

// Every cell is read, so a row's problems are all reported at once; a cell
// that is wrong leaves its value out of the row.
Row Planner::ReadRow(const CsvRow& csv) {
  const auto& columns = ColumnsOf(in_.kind);
  Row row;
  row.line = csv.line;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (index_[c] < 0) continue;
    const size_t cell = static_cast<size_t>(index_[c]);
    const std::string empty;
    ReadCell(columns[c], cell < csv.fields.size() ? csv.fields[cell] : empty,
             &row);
  }
  const auto year = row.values.find("year");
  if (in_.kind == RosterKind::kTasks && !row.county.empty() &&
      year != row.values.end()) {
    int y = 0;
    if (absl::SimpleAtoi(year->second, &y)) {
      row.id = TaskEntityId(row.county, y);
    }
  }
  return row;
}

absl::StatusOr<bool> Planner::Exists(v1::EntityType type,
                                     const std::string& id) {
  const std::string key = absl::StrCat(static_cast<int>(type), "/", id);
  auto it = ref_cache_.find(key);
  if (it != ref_cache_.end()) return it->second;
  FS_ASSIGN_OR_RETURN(RosterEntity e, view_.Lookup(type, id));
  ref_cache_[key] = e.exists;
  return e.exists;
}

// Rules over a row as a whole; problems are added, nothing is returned.
void Planner::CheckRow(const Row& row) {
  const auto township = row.values.find("township_code");
  const std::string t = township == row.values.end() ? "" : township->second;
  if (!row.county.empty() && !in_.importer_areas.Covers(row.county, t)) {
    Problem(row.line, "county_code",
            absl::StrCat("county ", row.county,
                         t.empty() ? "" : absl::StrCat(" township ", t),
                         " is outside your areas (",
                         in_.importer_areas.ToString(), ")"));
  }
  for (const auto& [field, value] : row.values) {
    const RosterField* f = FindRosterField(type_, field);
    const absl::Status s = ValidateFieldValue(*f, value, row.county);
    if (!s.ok()) Problem(row.line, field, s.message());
  }
  const auto village = row.values.find("village_code");
  if (village != row.values.end() && !village->second.empty() &&
      village->second.substr(0, t.size()) != t) {
    Problem(row.line, "village_code",
            t.empty() ? "needs township_code"
                      : "must start with the code of its township");
  }
  const auto start_it = row.values.find("start_date");
  const auto end_it = row.values.find("end_date");
  if (start_it != row.values.end() && end_it != row.values.end() &&
      !start_it->second.empty() && !end_it->second.empty()) {
    const std::string& start = start_it->second;
    const std::string& end = end_it->second;
    if (end < start) {
      Problem(row.line, "end_date",
              absl::StrCat("the class ends (", end, ") before it starts (",
                           start, ")"));
    }
  }
  if (row.id.empty()) return;
  const auto [first, fresh] = seen_ids_.emplace(row.id, row.line);
  if (!fresh) {
    Problem(row.line, in_.kind == RosterKind::kTasks ? "year" : "id",
            absl::StrCat("duplicate ", EntityTypeName(type_), " ", row.id,
                         " (first on line ", first->second, ")"));
  }
}

absl::Status Planner::Diff(const Row& row) {
  FS_ASSIGN_OR_RETURN(RosterEntity held, view_.Lookup(type_, row.id));
  if (held.exists && held.county != row.county) {
    Problem(row.line, "county_code",
            absl::StrCat(EntityTypeName(type_), " ", row.id, " is in county ",
                         held.county, "; an entity stays in its county"));
    return absl::OkStatus();
  }
  v1::EntityEdit edit;
  edit.set_entity_type(type_);
  edit.set_entity_id(row.id);
  v1::AreaRef* area = edit.mutable_area();
  area->set_county_code(row.county);
  const auto t = row.values.find("township_code");
  if (t != row.values.end() && !t->second.empty()) {
    area->set_township_code(t->second);
    const auto v = row.values.find("village_code");
    if (v != row.values.end()) area->set_village_code(v->second);
  }
  for (const auto& [field, value] : row.values) {
    const auto current = held.fields.find(field);
    const std::string& now =
        current == held.fields.end() ? std::string() : current->second.value;
    if (now == value) continue;
    v1::FieldWrite* w = edit.add_writes();
    w->set_field(field);
    w->set_value(value);
    if (current != held.fields.end()) w->set_base_hlc(current->second.hlc);
  }
  if (edit.writes().empty()) {
    ++plan_.unchanged;
    return absl::OkStatus();
  }
  const absl::Status valid = ValidateEntityEdit(edit);
  if (!valid.ok()) {
    Problem(row.line, "row", valid.message());
    return absl::OkStatus();
  }
  ++(held.exists ? plan_.changed : plan_.created);
  plan_.fields_written += edit.writes_size();
  plan_.edits.push_back(std::move(edit));
  return absl::OkStatus();
}

absl::StatusOr<ImportPlan> Planner::Run() {
  absl::StatusOr<std::string> text = DecodeText(in_.bytes, in_.encoding);
  if (!text.ok()) {
    return absl::Status(
        text.status().code(),
        absl::StrCat(in_.file_name, ": ", text.status().message()));
  }
  FS_ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseCsv(*text, in_.file_name));
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(in_.file_name, ": the file is empty"));
  }
  FS_RETURN_IF_ERROR(MapHeader(rows[0]));
  std::vector<Row> read;
  for (size_t i = 1; i < rows.size(); ++i) {
    // Excel writes rows of empty cells (",,,,") below a table: not rows.
    bool empty = true;
    for (const std::string& cell : rows[i].fields) {
      empty = empty && absl::StripAsciiWhitespace(cell).empty();
    }
    if (empty) continue;
    ++plan_.rows;
    Row row = ReadRow(rows[i]);
    rows[i] = CsvRow();  // the cells are in `row` now
    CheckRow(row);
    read.push_back(std::move(row));
  }
  for (const Row& row : read) {
    const char* ref = in_.kind == RosterKind::kClasses    ? "institution_id"
                      : in_.kind == RosterKind::kTrainees ? "class_id"
                                                          : nullptr;
    if (ref == nullptr) continue;
    const v1::EntityType ref_type = in_.kind == RosterKind::kClasses
                                        ? v1::ENTITY_TYPE_INSTITUTION
                                        : v1::ENTITY_TYPE_CLASS;
    const auto value = row.values.find(ref);
    if (value == row.values.end() || value->second.empty()) continue;
    const std::string& id = value->second;
    FS_ASSIGN_OR_RETURN(bool exists, Exists(ref_type, id));
    if (!exists) {
      Problem(
          row.line, ref,
          absl::StrCat("unknown ", EntityTypeName(ref_type), " ", id,
                       ": import the ", EntityTypeName(ref_type), " first"));
    }
  }
  if (plan_.rows == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(in_.file_name, ": the file has no rows below its header"));
  }
  // Also with problems already found, so every problem is reported at once
  // (a row whose id or county was unreadable has nothing to compare).
  for (const Row& row : read) {
    if (!row.id.empty() && !row.county.empty()) FS_RETURN_IF_ERROR(Diff(row));
  }
  if (!plan_.problems.empty()) plan_.edits.clear();
  return std::move(plan_);
}

}  // namespace

absl::StatusOr<RosterKind> ParseRosterKind(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "institutions" || n == "培训机构") return RosterKind::kInstitutions;
  if (n == "classes" || n == "培训班") return RosterKind::kClasses;
  if (n == "trainees" || n == "学员") return RosterKind::kTrainees;
  if (n == "tasks" || n == "培训任务") return RosterKind::kTasks;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown roster \"", name,
                   "\": institutions, classes, trainees or tasks"));
}

absl::string_view RosterKindName(RosterKind kind) {
  switch (kind) {
    case RosterKind::kInstitutions:
      return "institutions";
    case RosterKind::kClasses:
      return "classes";
    case RosterKind::kTrainees:
      return "trainees";
    case RosterKind::kTasks:
      break;
  }
  return "tasks";
}

v1::EntityType EntityTypeOf(RosterKind kind) {
  switch (kind) {
    case RosterKind::kInstitutions:
      return v1::ENTITY_TYPE_INSTITUTION;
    case RosterKind::kClasses:
      return v1::ENTITY_TYPE_CLASS;
    case RosterKind::kTrainees:
      return v1::ENTITY_TYPE_TRAINEE;
    case RosterKind::kTasks:
      break;
  }
  return v1::ENTITY_TYPE_TASK;
}

const std::vector<std::vector<std::string>>& RosterColumns(RosterKind kind) {
  static const auto kAll = [] {
    std::map<RosterKind, std::vector<std::vector<std::string>>> all;
    for (RosterKind k : {RosterKind::kInstitutions, RosterKind::kClasses,
                         RosterKind::kTrainees, RosterKind::kTasks}) {
      for (const Column& c : ColumnsOf(k)) all[k].push_back(c.names);
    }
    return all;
  }();
  return kAll.at(kind);
}

absl::StatusOr<ImportPlan> PlanRosterImport(const ImportInput& input,
                                            RosterView& view) {
  return Planner(input, view).Run();
}

}  // namespace fieldsync
