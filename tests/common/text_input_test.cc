// Text as people's files bring it (common/text_encoding.h, common/csv.h):
// UTF-8 with and without a BOM, GB18030 as Excel writes it on a Chinese
// Windows, bytes that are neither refused with their offset; CSV with CRLF,
// quoted commas, quotes and line breaks, each row knowing its line.
#include <gtest/gtest.h>

#include <string>

#include "common/csv.h"
#include "common/text_encoding.h"
#include "tests/util/status_matchers.h"
#include "tests/util/test_util.h"

namespace fieldsync {
namespace {

using testing::IsOk;
using testing::StatusIs;

// "马小花,是,建档立卡" in GB18030 (iconv -f UTF-8 -t GB18030).
constexpr char kGbRow[] =
    "\xc2\xed\xd0\xa1\xbb\xa8,\xca\xc7,\xbd\xa8\xb5\xb5\xc1\xa2\xbf\xa8";

TEST(TextEncodingTest, Utf8WithOrWithoutBomIsUtf8WithoutIt) {
  EXPECT_EQ(*DecodeText("姓名,类别", TextEncoding::kAuto), "姓名,类别");
  EXPECT_EQ(*DecodeText("\xEF\xBB\xBF姓名,类别", TextEncoding::kAuto),
            "姓名,类别");
  EXPECT_EQ(*DecodeText("\xEF\xBB\xBFid", TextEncoding::kUtf8), "id");
}

TEST(TextEncodingTest, Gb18030IsReadAsChineseNotMojibake) {
  EXPECT_EQ(*DecodeText(kGbRow, TextEncoding::kAuto), "马小花,是,建档立卡");
  EXPECT_EQ(*DecodeText(kGbRow, TextEncoding::kGb18030), "马小花,是,建档立卡");
  // The four-byte GB18030 sequences (outside GBK) too: U+20000 𠀀.
  EXPECT_EQ(*DecodeText("\x95\x32\x82\x36", TextEncoding::kGb18030),
            "\xF0\xA0\x80\x80");
}

TEST(TextEncodingTest, BytesThatAreNeitherAreRefusedWithTheirOffset) {
  EXPECT_THAT(DecodeText("ab\xFF\xFF", TextEncoding::kAuto),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "neither UTF-8 nor GB18030: byte 2"));
  // A GB18030 file read as UTF-8 on request is refused, with the way out.
  EXPECT_THAT(DecodeText(kGbRow, TextEncoding::kUtf8),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "byte 0 is not part of a UTF-8 character (a GB18030 "
                       "file: use --encoding gb18030)"));
  // A lead byte cut off at the end.
  EXPECT_THAT(DecodeText("\xc2\xed\xd0", TextEncoding::kGb18030),
              StatusIs(absl::StatusCode::kInvalidArgument, "byte 2"));
}

TEST(TextEncodingTest, AUtf8FileReadAsGb18030IsRefusedNotGarbled) {
  EXPECT_THAT(DecodeText("姓名,类别", TextEncoding::kGb18030),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the file is UTF-8, not GB18030"));
  EXPECT_EQ(*DecodeText("id,name", TextEncoding::kGb18030), "id,name");
  // Neither: both offsets, so a UTF-8 file with one stray byte is found.
  EXPECT_THAT(DecodeText("名字\xFF\xFF", TextEncoding::kAuto),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "(as UTF-8, byte 6 is wrong)"));
}

TEST(TextEncodingTest, Utf8ValidationRefusesOverlongsSurrogatesAndTooHigh) {
  size_t at = 99;
  EXPECT_TRUE(IsValidUtf8("ascii 中文 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("x\xC0\xAF", &at));  // overlong '/'
  EXPECT_EQ(at, 1u);
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));          // cut off
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a lone continuation
}

TEST(TextEncodingTest, EncodingNames) {
  EXPECT_EQ(*ParseTextEncoding("GB18030"), TextEncoding::kGb18030);
  EXPECT_EQ(*ParseTextEncoding("gbk"), TextEncoding::kGb18030);
  EXPECT_EQ(*ParseTextEncoding("UTF-8"), TextEncoding::kUtf8);
  EXPECT_EQ(*ParseTextEncoding("auto"), TextEncoding::kAuto);
  EXPECT_THAT(ParseTextEncoding("latin1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "use auto, utf-8 or gb18030"));
}

TEST(CsvTest, CrlfQuotedCommasQuotesAndLineBreaksWithTheirLines) {
  const std::string text =
      "id,name,note\r\n"
      "T-1,\"马, 小花\",\"she said \"\"yes\"\"\"\r\n"
      "\r\n"
      "T-2,王芳,\"two\r\nlines\"\r\n"
      "T-3, 李娜 ,\" kept \"\r\n";
  auto rows = ParseCsv(text, "t.csv");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].line, 1);
  EXPECT_EQ((*rows)[1].line, 2);
  EXPECT_EQ((*rows)[1].fields,
            (std::vector<std::string>{"T-1", "马, 小花", "she said \"yes\""}));
  EXPECT_EQ((*rows)[2].line, 4);  // the blank line 3 is skipped
  EXPECT_EQ((*rows)[2].fields[2], "two\r\nlines");
  EXPECT_EQ((*rows)[3].line, 6);  // after a row of two lines
  EXPECT_EQ((*rows)[3].fields,
            (std::vector<std::string>{"T-3", "李娜", " kept "}));
}

TEST(CsvTest, LastRowWithoutLineEndAndEmptyCells) {
  auto rows = ParseCsv("a,b,c\n1,,3", "t.csv");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].fields, (std::vector<std::string>{"1", "", "3"}));
  EXPECT_EQ((*rows)[1].line, 2);
}

TEST(CsvTest, LinesOfSpacesAreBlankAndOldMacLineEndsAreLines) {
  auto rows = ParseCsv("a,b\n  \t \n1,2\n", "t.csv");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].line, 3);
  rows = ParseCsv("a,b\r1,2\r3,4\r", "t.csv");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].line, 3);
  EXPECT_EQ((*rows)[2].fields, (std::vector<std::string>{"3", "4"}));
}

TEST(CsvTest, MalformedQuotingNamesFileAndLine) {
  EXPECT_THAT(ParseCsv("a,b\n1,\"open\n2,3\n", "t.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "t.csv:2: a quoted field is never closed"));
  EXPECT_THAT(ParseCsv("a,b\n1,2\n3,\"x\"y\n", "t.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, "t.csv:3: "));
}

}  // namespace
}  // namespace fieldsync
