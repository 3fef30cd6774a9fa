// One row of the server's change feed (the `changes` table, see
// sqlite_server_store.h) as the batch writer inserts it: its columns listed
// once, so the SQL that names them, its placeholders and the binding of a
// change to row k of a multi-row INSERT cannot disagree.
//
// Invariant: in an INSERT of n rows built by InsertChangeRowsSql, row k
// (0-based) takes the parameters ChangeRowParam(k, column) for each
// ChangeColumn, that is k * kChangeRowColumns + 1 + column: the columns in
// kChangeColumnNames order, row after row, with no gap and no other
// parameter. A static_assert ties the names to the ChangeColumn values.
#ifndef FIELDSYNC_SERVER_CHANGE_ROW_H_
#define FIELDSYNC_SERVER_CHANGE_ROW_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "absl/strings/string_view.h"
#include "common/sqlite_db.h"
#include "server/server_store.h"

namespace fieldsync {

// The columns of a change row, in the order of its parameters.
enum class ChangeColumn : int {
  kSeq,         // server_seq
  kDeviceId,    // origin: the sending device
  kDeviceSeq,   // origin: the device's sequence
  kKind,        // RecordKind of the record or entity edit
  kCounty,      // the county code
  kHlc,         // the effective HLC (after any clamping)
  kFlags,       // ChangeFlag bits
  kReceivedMs,  // server time of the batch
  kBody,        // the serialized ChangeBody, byte-exact
  kTownship,    // "" when the change names none
};

// The column names, indexed by ChangeColumn.
inline constexpr const char* kChangeColumnNames[] = {
    "seq", "device_id", "device_seq",  "kind", "county",
    "hlc", "flags",     "received_ms", "body", "township"};

// Parameters per change row.
inline constexpr int kChangeRowColumns =
    static_cast<int>(std::size(kChangeColumnNames));
static_assert(static_cast<int>(ChangeColumn::kTownship) + 1 ==
                  kChangeRowColumns,
              "a ChangeColumn without a name, or a name without a column");

// The 1-based parameter of `column` in row `row` of a multi-row INSERT.
constexpr int ChangeRowParam(size_t row, ChangeColumn column) {
  return static_cast<int>(row) * kChangeRowColumns + 1 +
         static_cast<int>(column);
}

// "<insert> INTO changes(seq, ..., township) VALUES(?,...),(?,...)" with
// `rows` rows of kChangeRowColumns placeholders; `insert` is the verb
// ("INSERT", "INSERT OR IGNORE").
std::string InsertChangeRowsSql(absl::string_view insert, size_t rows);

// Binds change `c`, stored at `seq` from `device_id` at `received_ms`, to row
// `row` of `stmt` (a statement of InsertChangeRowsSql). `c.parsed` must be
// set. Text and blobs are bound without copying: `device_id`, `c.body` and
// `*c.parsed` must stay valid until the statement is run or reset.
void BindChangeRow(Stmt& stmt, size_t row, absl::string_view device_id,
                   const PreparedChange& c, uint64_t seq, int64_t received_ms);

}  // namespace fieldsync

#endif  // FIELDSYNC_SERVER_CHANGE_ROW_H_
