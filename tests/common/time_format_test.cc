#include "common/time_format.h"

#include <gtest/gtest.h>

namespace fieldsync {
namespace {

TEST(TimeFormatTest, WritesUtcAndSaysSo) {
  // 2026-05-12 10:00 in Beijing is 02:00 UTC.
  EXPECT_EQ(FormatTimeMs(1778551200000), "2026-05-12 02:00:00 UTC");
  EXPECT_EQ(FormatTimeMsBare(1778551200000), "2026-05-12 02:00:00");
  EXPECT_EQ(FormatTimeMs(0), "1970-01-01 00:00:00 UTC");
}

}  // namespace
}  // namespace fieldsync
