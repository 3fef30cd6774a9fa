// GoogleTest matchers for statuses, shared by every test folder (Debian's
// Abseil ships none). Tests check the specific code, never just "not ok":
//
//   EXPECT_THAT(store->Open(path), StatusIs(absl::StatusCode::kDataLoss));
//   EXPECT_THAT(Parse(x), StatusIs(absl::StatusCode::kInvalidArgument,
//                                  "area.county_code"));
//   EXPECT_THAT(rpc.Upload(...), StatusIs(grpc::StatusCode::UNAUTHENTICATED));
//   EXPECT_THAT(store->Put(x), IsOk());
//
// Each matches an absl::Status, an absl::StatusOr<T> (by its status) or a
// grpc::Status. The optional second argument must occur in the message. A
// gRPC code and an absl code with the same number are the same code.
#ifndef FIELDSYNC_TESTS_UTIL_STATUS_MATCHERS_H_
#define FIELDSYNC_TESTS_UTIL_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rpc/status_conversion.h"

namespace fieldsync::testing {
namespace status_matchers_internal {

inline absl::Status AsStatus(const absl::Status& s) { return s; }
template <typename T>
absl::Status AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
inline absl::Status AsStatus(const grpc::Status& s) {
  return FromGrpcStatus(s);
}

class StatusIsMatcher {
 public:
  StatusIsMatcher(absl::StatusCode code, std::string needle)
      : code_(code), needle_(std::move(needle)) {}

  template <typename S>
  bool MatchAndExplain(const S& value,
                       ::testing::MatchResultListener* listener) const {
    const absl::Status s = AsStatus(value);
    *listener << "whose status is " << s;
    if (s.code() != code_) return false;
    return s.message().find(needle_) != absl::string_view::npos;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "has code " << absl::StatusCodeToString(code_);
    if (!needle_.empty())
      *os << " and a message containing \"" << needle_ << '"';
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "does not ";
    DescribeTo(os);
  }

 private:
  absl::StatusCode code_;
  std::string needle_;
};

}  // namespace status_matchers_internal

inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(absl::StatusCode code, absl::string_view needle = "") {
  return ::testing::MakePolymorphicMatcher(
      status_matchers_internal::StatusIsMatcher(code, std::string(needle)));
}
inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
StatusIs(grpc::StatusCode code, absl::string_view needle = "") {
  return StatusIs(static_cast<absl::StatusCode>(code), needle);
}
inline ::testing::PolymorphicMatcher<status_matchers_internal::StatusIsMatcher>
IsOk() {
  return StatusIs(absl::StatusCode::kOk);
}

}  // namespace fieldsync::testing

#endif  // FIELDSYNC_TESTS_UTIL_STATUS_MATCHERS_H_
