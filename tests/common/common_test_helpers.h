// Small helpers shared by the tests of common/: an assertion that a status
// is INVALID_ARGUMENT naming a field (tests/util/status_matchers.h has the
// general matchers), fixed device ids, and complete
// records built from the examples.
#ifndef FIELDSYNC_TESTS_COMMON_COMMON_TEST_HELPERS_H_
#define FIELDSYNC_TESTS_COMMON_COMMON_TEST_HELPERS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/record_id.h"
#include "common/record_kind.h"
#include "common/wire_format.h"
#include "fieldsync/v1/records.pb.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync::testing {

// INVALID_ARGUMENT naming `field`.
#define FS_EXPECT_INVALID(expr, field)                \
  EXPECT_THAT((expr), ::fieldsync::testing::StatusIs( \
                          ::absl::StatusCode::kInvalidArgument, (field)))

// A fixed 16-byte device id whose every byte is `n` (so ids order by `n`).
inline std::string DeviceIdOf(uint8_t n) {
  return std::string(kIdBytes, static_cast<char>(n));
}

// The example of `kind` with id (UUIDv7), author and device filled, as a
// device would store it.
inline v1::Record FullExample(RecordKind kind, const std::string& device_id,
                              int64_t now_ms = 1778553000000) {
  v1::Record r = Example(kind);
  FakeClock clock(now_ms);
  r.set_id(NewRecordId(clock));
  r.set_author("inspector.li");
  r.set_device_id(device_id);
  return r;
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_COMMON_COMMON_TEST_HELPERS_H_
