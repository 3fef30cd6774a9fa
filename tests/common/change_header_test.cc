// ReadChangeHeader agrees with a full protobuf parse, and refuses bad bytes.
#include "common/change_header.h"

#include <gtest/gtest.h>

#include "common/record_id.h"
#include "common/validate.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::Example;

TEST(ChangeHeader, AgreesWithAFullParseForEveryKind) {
  FakeClock clock(1'780'000'000'000);
  for (RecordKind k : ObservationKinds()) {
    v1::ChangeBody body;
    *body.mutable_record() = Example(k);
    body.mutable_record()->set_id(NewRecordId(clock));
    body.mutable_record()->set_author("张伟");
    const std::string bytes = body.SerializeAsString();
    auto h = ReadChangeHeader(bytes);
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->kind, KindOf(body));
    EXPECT_EQ(h->record_id, body.record().id());
    EXPECT_EQ(h->county, CountyOf(body));
    EXPECT_EQ(h->author, "张伟");
  }
}

TEST(ChangeHeader, EntityEditAndEmptyBody) {
  v1::ChangeBody body;
  body.mutable_entity_edit()->set_entity_id("TRN-1");
  auto h = ReadChangeHeader(body.SerializeAsString());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kind, RecordKind::kEntityEdit);
  EXPECT_TRUE(h->record_id.empty());
  auto empty = ReadChangeHeader("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->kind, RecordKind::kUnknown);
}

TEST(ChangeHeader, ARecordSplitOverTwoFieldsIsLeftToAFullParse) {
  // Protobuf merges the two; this reader asks for a full parse instead of
  // reading only one half (which would index the wrong id and county).
  v1::ChangeBody first, second;
  first.mutable_record()->set_id(std::string(16, 'i'));
  first.mutable_record()->mutable_area()->set_county_code("640522");
  *second.mutable_record()->mutable_spot_check() =
      Example(RecordKind::kSpotCheck).spot_check();
  const std::string bytes =
      first.SerializeAsString() + second.SerializeAsString();
  v1::ChangeBody merged;
  ASSERT_TRUE(merged.ParseFromString(bytes));
  EXPECT_EQ(merged.record().area().county_code(), "640522");
  EXPECT_EQ(ReadChangeHeader(bytes).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ChangeHeader, MalformedBytesAreInvalidArgument) {
  v1::ChangeBody body;
  *body.mutable_record() = Example(RecordKind::kSpotCheck);
  const std::string bytes = body.SerializeAsString();
  // Every truncation of a valid body is either refused or reads a prefix
  // consistently; none may read past the end (ASan checks that).
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto h = ReadChangeHeader(absl::string_view(bytes).substr(0, n));
    if (!h.ok()) {
      EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(ReadChangeHeader("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadChangeHeader("\x0b").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fieldsync
