// Rows of a CSV file (RFC 4180, as Excel writes it): fields separated by
// commas, quoted fields that hold commas, quotes ("") and line breaks, rows
// ended by LF or CRLF. Parsing is Debian's libcsv in strict mode; this adds
// the line each row starts on, so errors can say FILE:LINE.
//
// Blank lines (nothing but spaces) are skipped. Spaces around an unquoted
// field are trimmed (a quoted field keeps its spaces). A file whose lines
// end in CR alone (old Macintosh) is read as if they ended in LF. Input must
// already be UTF-8 (common/text_encoding.h).
#ifndef FIELDSYNC_COMMON_CSV_H_
#define FIELDSYNC_COMMON_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fieldsync {

struct CsvRow {
  int line = 0;  // 1-based line of the file where the row starts
  std::vector<std::string> fields;
};

// INVALID_ARGUMENT "FILE:LINE: reason" for malformed quoting (a quote
// inside an unquoted field, text after a closing quote, a quote never
// closed); `file_name` is only for that message.
absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text,
                                             absl::string_view file_name);

}  // namespace fieldsync

#endif  // FIELDSYNC_COMMON_CSV_H_
