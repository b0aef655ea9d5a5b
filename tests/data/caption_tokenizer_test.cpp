#include "data/caption_tokenizer.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace vdit::data {
namespace {

TEST(CaptionTokenizer, RoundTripRestoresTheCaption) {
  const CaptionTokenizer tokenizer(64);
  const std::string caption = "a small blue square bouncing up and down \xc3\xa9";
  const std::vector<int32_t> ids = tokenizer.encode(caption);
  ASSERT_EQ(ids.size(), 64u);
  EXPECT_EQ(ids[0], 'a' + 1);
  EXPECT_EQ(ids[caption.size()], CaptionTokenizer::kPaddingId);
  EXPECT_EQ(tokenizer.decode(ids), caption);
}

TEST(CaptionTokenizer, TruncatesWhenCaptionIsLongerThanLength) {
  const CaptionTokenizer tokenizer(5);
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("a red circle")), "a red");
}

// "caf\xc3\xa9" cut at 4 bytes used to keep the lone lead byte 0xc3 of the "\xc3\xa9".
TEST(CaptionTokenizer, CutsAtACharacterBoundaryWhenTruncatingUtf8) {
  const std::string cafe = "caf\xc3\xa9";  // 5 bytes, 4 characters
  EXPECT_EQ(CaptionTokenizer(4).decode(CaptionTokenizer(4).encode(cafe)), "caf");
  EXPECT_EQ(CaptionTokenizer(4).kept_bytes(cafe), 3u);
  EXPECT_FALSE(CaptionTokenizer(4).fits(cafe));
  EXPECT_TRUE(CaptionTokenizer(5).fits(cafe));
  const std::string emoji =
      "a\xf0\x9f\x98\x80"
      "b";  // a, one 4-byte character, b
  for (int64_t length = 1; length <= 4; ++length) {
    EXPECT_EQ(CaptionTokenizer(length).kept_bytes(emoji), 1u) << length;
  }
  EXPECT_EQ(CaptionTokenizer(5).kept_bytes(emoji), 5u);
  // Not UTF-8 (continuation bytes only): cut where the length says, as bytes.
  EXPECT_EQ(CaptionTokenizer(2).kept_bytes("\x80\x80\x80\x80\x80\x80"), 2u);
}

TEST(CaptionTruncationWarning, CountsTheCutCaptionsOnceWhenSomeAreCut) {
  EXPECT_EQ(caption_truncation_warning(0, 200, 32, "set --caption-length to keep them whole"), "");
  const std::string warning =
      caption_truncation_warning(113, 200, 32, "set --caption-length to keep them whole");
  EXPECT_NE(warning.find("113 of 200 captions are longer than 32 bytes"), std::string::npos)
      << warning;
  EXPECT_NE(warning.find("(set --caption-length to keep them whole)"), std::string::npos)
      << warning;
}

TEST(CaptionTokenizer, IdsStayInsideTheVocabulary) {
  const CaptionTokenizer tokenizer(3);
  const std::vector<int32_t> ids = tokenizer.encode("\xff\x01");
  EXPECT_EQ(ids[0], 256);
  EXPECT_EQ(ids[1], 2);
  EXPECT_EQ(ids[2], 0);
}

TEST(CaptionTokenizer, ThrowsInputErrorWhenIdIsOutsideVocabulary) {
  const CaptionTokenizer tokenizer(2);
  EXPECT_THROW(tokenizer.decode({300, 0}), InputError);
  EXPECT_THROW(CaptionTokenizer(0), InputError);
}

}  // namespace
}  // namespace vdit::data
