// What the tests of common/validate.h (validate_test.cc,
// validate_kind_test.cc, validate_entity_edit_test.cc) share: NaN and
// infinity, a mutation of a record with the field its error must name, the
// checks that each mutation of an example is invalid (or stays valid), and
// long texts of ASCII or Chinese characters.
#ifndef FIELDSYNC_TESTS_COMMON_VALIDATE_TEST_SUPPORT_H_
#define FIELDSYNC_TESTS_COMMON_VALIDATE_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "common/record_kind.h"
#include "common/validate.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/common/common_test_helpers.h"

namespace fieldsync::testing {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// A mutation of a record and the field path its error must name.
struct Case {
  std::string name;
  std::function<void(v1::Record*)> mutate;
  std::string field;
};

// Applies each case to a fresh copy of the example of `kind` and expects
// INVALID_ARGUMENT naming the case's field.
inline void ExpectEachInvalid(RecordKind kind, const std::vector<Case>& cases) {
  const v1::Record base = Example(kind);
  ASSERT_TRUE(ValidateRecordContent(base).ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::Record r = base;
    c.mutate(&r);
    FS_EXPECT_INVALID(ValidateRecordContent(r), c.field);
  }
}

// Applies each mutation and expects the record to stay valid.
inline void ExpectEachValid(
    RecordKind kind,
    const std::vector<std::pair<std::string, std::function<void(v1::Record*)>>>&
        cases) {
  const v1::Record base = Example(kind);
  for (const auto& [name, mutate] : cases) {
    SCOPED_TRACE(name);
    v1::Record r = base;
    mutate(&r);
    FS_EXPECT_OK(ValidateRecordContent(r));
  }
}

inline std::string Bytes(size_t n, char c = 'x') { return std::string(n, c); }
// Valid UTF-8 Chinese text of `chars` characters (3 bytes each).
inline std::string Chinese(size_t chars) {
  std::string s;
  for (size_t i = 0; i < chars; ++i) s += "培";
  return s;
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_COMMON_VALIDATE_TEST_SUPPORT_H_
