#include "client_core/cli/cli_common.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/time_format.h"
#include "google/protobuf/util/json_util.h"

namespace fieldsync::cli {

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "fieldsync: %s\n(see fieldsync --help)\n", msg.c_str());
  return 2;
}

int Failure(const absl::Status& s) {
  std::fprintf(stderr, "fieldsync: %s\n", std::string(s.message()).c_str());
  return 1;
}

std::string Bytes(uint64_t n) {
  if (n < 1024) return absl::StrCat(n, " B");
  if (n < 1024 * 1024) return absl::StrFormat("%.1f KiB", n / 1024.0);
  return absl::StrFormat("%.1f MiB", n / (1024.0 * 1024.0));
}

std::string Time(int64_t ms) {
  if (ms == 0) return "never";
  return FormatTimeMs(ms);
}

std::string Prefix(const std::string& text, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < text.size() && chars < max_chars) {
    const auto c = static_cast<unsigned char>(text[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  if (i >= text.size()) return text;
  return text.substr(0, i) + "…";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 ||
               static_cast<unsigned char>(c) == 0x7F) {
      out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

absl::StatusOr<std::unique_ptr<Client>> OpenClient(const Cli& cli) {
  ClientOptions o;
  o.home = cli.home;
  return Client::Open(o);
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    ss << in.rdbuf();
  }
  return ss.str();
}

std::string RecordJson(const v1::Record& r) {
  v1::Record copy = r;
  copy.clear_id();
  copy.clear_device_id();
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(copy, &json, opts);
  return json;
}

}  // namespace fieldsync::cli
