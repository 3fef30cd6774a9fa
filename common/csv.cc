#include "common/csv.h"

#include <csv.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fieldsync {
namespace {

struct Collector {
  std::vector<CsvRow> rows;
  CsvRow current;
  int current_start = 0;  // line the row in progress started on; 0 = none
  int line = 0;           // line being fed

  static void OnField(void* data, size_t len, void* self) {
    auto* c = static_cast<Collector*>(self);
    c->current.fields.emplace_back(static_cast<const char*>(data), len);
  }
  static void OnRowEnd(int /*terminator*/, void* self) {
    auto* c = static_cast<Collector*>(self);
    c->current.line = c->current_start != 0 ? c->current_start : c->line;
    c->rows.push_back(std::move(c->current));
    c->current = CsvRow();
    c->current_start = 0;
  }
};

// Owns a libcsv parser.
class Parser {
 public:
  Parser() { ok_ = csv_init(&p_, CSV_STRICT | CSV_STRICT_FINI) == 0; }
  ~Parser() {
    if (ok_) csv_free(&p_);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
  bool ok() const { return ok_; }
  csv_parser* get() { return &p_; }

 private:
  csv_parser p_{};
  bool ok_ = false;
};

// A line libcsv reads as no row at all: empty, or only spaces and tabs
// (which it trims) before the line end.
bool IsBlankLine(absl::string_view line) {
  return line.find_first_not_of(" \t\r\n") == absl::string_view::npos;
}

}  // namespace

absl::StatusOr<std::vector<CsvRow>> ParseCsv(absl::string_view text,
                                             absl::string_view file_name) {
  Parser parser;
  if (!parser.ok()) return absl::ResourceExhaustedError("out of memory");
  // Old Macintosh line ends (Excel's "CSV (Macintosh)"): CR alone. Lines
  // are counted on LF, so such a file is read as if its CRs were LFs.
  std::string mac;
  if (text.find('\n') == absl::string_view::npos &&
      text.find('\r') != absl::string_view::npos) {
    mac = std::string(text);
    for (char& c : mac) {
      if (c == '\r') c = '\n';
    }
    text = mac;
  }
  Collector c;
  // Fed one line at a time so a row knows the line it started on.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    end = end == absl::string_view::npos ? text.size() : end + 1;
    const absl::string_view line = text.substr(pos, end - pos);
    ++c.line;
    if (c.current_start == 0 && c.current.fields.empty() &&
        !IsBlankLine(line)) {
      c.current_start = c.line;
    }
    if (csv_parse(parser.get(), line.data(), line.size(), Collector::OnField,
                  Collector::OnRowEnd, &c) != line.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_name, ":", c.line, ": ", csv_strerror(csv_error(parser.get())),
          " (a quote inside a field must be doubled, and a quoted field must "
          "end with a quote before the next comma)"));
    }
    pos = end;
  }
  if (csv_fini(parser.get(), Collector::OnField, Collector::OnRowEnd, &c) !=
      0) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_name, ":", c.current_start != 0 ? c.current_start : c.line,
        ": a quoted field is never closed (a missing quote)"));
  }
  return std::move(c.rows);
}

}  // namespace fieldsync
