#include "data/patchify.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace vdit::data {
namespace {

TEST(Patchify, RoundTripRestoresTheClip) {
  const BucketShape bucket{4, 8, 12};
  const PatchSize patch{2, 4};
  std::vector<uint8_t> clip(static_cast<size_t>(4 * 8 * 12 * 3));
  for (size_t i = 0; i < clip.size(); ++i) clip[i] = static_cast<uint8_t>(i * 13 % 251);
  const std::vector<uint8_t> tokens = patchify_hwc(clip, bucket, 3, patch);
  EXPECT_NE(tokens, clip);
  EXPECT_EQ(unpatchify_hwc(tokens, bucket, 3, patch), clip);
}

TEST(Patchify, TokensFollowTheDocumentedLayout) {
  // T=2, H=W=4, C=2, patch [2, 2, 2]: grid 1x2x2, token_dim 16.
  const BucketShape bucket{2, 4, 4};
  const PatchSize patch{2, 2};
  const int64_t channels = 2;
  std::vector<float> clip(static_cast<size_t>(2 * 4 * 4 * channels));
  const auto at = [&](int64_t t, int64_t y, int64_t x, int64_t c) {
    return static_cast<float>(((t * 4 + y) * 4 + x) * channels + c);
  };
  for (int64_t t = 0; t < 2; ++t)
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t x = 0; x < 4; ++x)
        for (int64_t c = 0; c < channels; ++c)
          clip[static_cast<size_t>(at(t, y, x, c))] = at(t, y, x, c);
  const std::vector<float> tokens = patchify_hwc(clip, bucket, channels, patch);
  // Token 1 = grid (t=0, h=0, w=1): pixels x in {2, 3}, y in {0, 1}, both frames.
  const int64_t dim = 16;
  size_t i = static_cast<size_t>(1 * dim);
  for (int64_t dt = 0; dt < 2; ++dt)
    for (int64_t dy = 0; dy < 2; ++dy)
      for (int64_t dx = 0; dx < 2; ++dx)
        for (int64_t c = 0; c < channels; ++c) EXPECT_EQ(tokens[i++], at(dt, dy, 2 + dx, c));
}

TEST(Patchify, ThrowsInputErrorWhenBucketDoesNotDivideIntoPatches) {
  const std::vector<uint8_t> clip(static_cast<size_t>(1 * 6 * 6 * 3));
  EXPECT_THROW(patchify_hwc(clip, BucketShape{1, 6, 6}, 3, PatchSize{1, 4}), InputError);
}

TEST(Patchify, ThrowsInputErrorWhenClipSizeIsWrong) {
  const std::vector<uint8_t> clip(10);
  EXPECT_THROW(patchify_hwc(clip, BucketShape{1, 4, 4}, 3, PatchSize{1, 2}), InputError);
}

}  // namespace
}  // namespace vdit::data
