#include "common/personal_data.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace fieldsync {
namespace {

bool Digits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int Number(absl::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

std::string PhoneDigits(absl::string_view phone) {
  std::string out;
  for (char c : phone) {
    if (c != ' ' && c != '-') out.push_back(c);
  }
  return out;
}

}  // namespace

absl::Status ValidateIdNumber(absl::string_view id) {
  if (id.size() != 18 || !Digits(id.substr(0, 17)) ||
      !(absl::ascii_isdigit(static_cast<unsigned char>(id[17])) ||
        id[17] == 'X' || id[17] == 'x')) {
    return absl::InvalidArgumentError(
        "an ID number has 18 characters: 17 digits, then a digit or X");
  }
  const int year = Number(id.substr(6, 4));
  const int month = Number(id.substr(10, 2));
  const int day = Number(id.substr(12, 2));
  const absl::CivilDay date(year, month, day);
  if (year < 1900 || date.year() != year || date.month() != month ||
      date.day() != day) {
    return absl::InvalidArgumentError(
        "the ID number's birth date (characters 7 to 14) is not a date");
  }
  // ISO 7064 MOD 11-2: weights 2^(17-i) mod 11.
  static constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                       3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr char kCheck[11] = {'1', '0', 'X', '9', '8', '7',
                                      '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  if (absl::ascii_toupper(static_cast<unsigned char>(id[17])) !=
      kCheck[sum % 11]) {
    return absl::InvalidArgumentError(
        "the ID number's check digit (the last character) is wrong: a digit "
        "was mistyped");
  }
  return absl::OkStatus();
}

std::string MaskIdNumber(absl::string_view id) {
  std::string last(id.substr(14, 4));
  last[3] = absl::ascii_toupper(static_cast<unsigned char>(last[3]));
  return absl::StrCat(id.substr(0, 6), "********", last);
}

bool IsMaskedIdNumber(absl::string_view m) {
  return m.size() == 18 && Digits(m.substr(0, 6)) &&
         m.substr(6, 8) == "********" && Digits(m.substr(14, 3)) &&
         (absl::ascii_isdigit(static_cast<unsigned char>(m[17])) ||
          m[17] == 'X');
}

absl::Status ValidatePhone(absl::string_view phone) {
  const std::string d = PhoneDigits(phone);
  const bool mobile = d.size() == 11 && d[0] == '1' && Digits(d);
  const bool landline =
      d.size() >= 10 && d.size() <= 12 && d[0] == '0' && Digits(d);
  if (!mobile && !landline) {
    return absl::InvalidArgumentError(
        "a phone number is a mobile number (11 digits starting with 1) or a "
        "landline with its area code (0951-1234567)");
  }
  return absl::OkStatus();
}

std::string MaskPhone(absl::string_view phone) {
  const std::string d = PhoneDigits(phone);
  // Four digits hidden whatever the length: 138****5678, 0951****4567 of a
  // 12-digit landline, 01****4567 of a 10-digit one.
  const size_t head = d.size() - 8;
  return absl::StrCat(d.substr(0, head), "****", d.substr(d.size() - 4));
}

bool IsMaskedPhone(absl::string_view m) {
  const size_t stars = m.find("****");
  if (stars < 2 || stars > 4) return false;
  if (m.size() != stars + 8 || !Digits(m.substr(0, stars)) ||
      !Digits(m.substr(stars + 4))) {
    return false;
  }
  return m[0] == '0' || (m[0] == '1' && stars == 3);
}

}  // namespace fieldsync
