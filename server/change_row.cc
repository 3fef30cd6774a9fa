#include "server/change_row.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/areas.h"
#include "common/record_kind.h"
#include "common/validate.h"

namespace fieldsync {

std::string InsertChangeRowsSql(absl::string_view insert, size_t rows) {
  std::string row = "(";
  for (int i = 0; i < kChangeRowColumns; ++i) {
    absl::StrAppend(&row, i == 0 ? "?" : ",?");
  }
  row += ")";
  std::string sql =
      absl::StrCat(insert, " INTO changes(",
                   absl::StrJoin(kChangeColumnNames, ", "), ") VALUES");
  for (size_t i = 0; i < rows; ++i) {
    absl::StrAppend(&sql, i == 0 ? "" : ",", row);
  }
  return sql;
}

void BindChangeRow(Stmt& stmt, size_t row, absl::string_view device_id,
                   const PreparedChange& c, uint64_t seq, int64_t received_ms) {
  using C = ChangeColumn;
  stmt.Bind(ChangeRowParam(row, C::kSeq), static_cast<int64_t>(seq))
      .BindBlobNoCopy(ChangeRowParam(row, C::kDeviceId), device_id)
      .Bind(ChangeRowParam(row, C::kDeviceSeq),
            static_cast<int64_t>(c.device_seq))
      .Bind(ChangeRowParam(row, C::kKind), static_cast<int>(KindOf(*c.parsed)))
      .BindTextNoCopy(ChangeRowParam(row, C::kCounty), CountyOf(*c.parsed))
      .Bind(ChangeRowParam(row, C::kHlc), static_cast<int64_t>(c.effective_hlc))
      .Bind(ChangeRowParam(row, C::kFlags), c.flags)
      .Bind(ChangeRowParam(row, C::kReceivedMs), received_ms)
      .BindBlobNoCopy(ChangeRowParam(row, C::kBody), c.body)
      .BindTextNoCopy(ChangeRowParam(row, C::kTownship), TownshipOf(*c.parsed));
}

}  // namespace fieldsync
