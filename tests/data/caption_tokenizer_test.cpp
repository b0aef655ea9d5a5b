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
