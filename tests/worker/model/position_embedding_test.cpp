#include "worker/model/position_embedding.h"

#include <gtest/gtest.h>

namespace vdit::model {
namespace {

// Columns of each axis in sincos_3d for D = 12: t gets D - 2 * 2 * (12 / 6) = 4, h and w 4 each.
constexpr int64_t kDim = 12;
constexpr int64_t kAxisDim = 4;

torch::Tensor axis(const torch::Tensor& embedding, int64_t which) {  // 0 = t, 1 = h, 2 = w
  return embedding.narrow(1, which * kAxisDim, kAxisDim);
}

TEST(SinCos3d, EveryTokenOfAFrameHasThatFramesTemporalEmbedding) {
  const PatchGrid grid{3, 2, 5};  // 10 tokens a frame
  const auto embedding = sincos_3d(grid, kDim, 0, grid.tokens());
  ASSERT_EQ(embedding.sizes(), (std::vector<int64_t>{30, kDim}));
  for (int64_t frame = 0; frame < grid.frames; ++frame) {
    const auto temporal = axis(embedding, 0).narrow(0, frame * 10, 10);
    EXPECT_TRUE(torch::allclose(temporal, temporal[0].expand_as(temporal))) << "frame " << frame;
    // Frame f is sin/cos of f: the first column is sin(f * 1).
    EXPECT_NEAR(temporal[0][0].item<float>(), std::sin(static_cast<double>(frame)), 1e-6);
  }
  EXPECT_FALSE(torch::allclose(axis(embedding, 0)[9], axis(embedding, 0)[10]));
}

TEST(SinCos3d, RowAndColumnEmbeddingsDependOnlyOnTheirOwnCoordinate) {
  const PatchGrid grid{2, 3, 4};
  const auto embedding = sincos_3d(grid, kDim, 0, grid.tokens());
  for (int64_t t = 0; t < grid.frames; ++t) {
    for (int64_t h = 0; h < grid.height; ++h) {
      for (int64_t w = 0; w < grid.width; ++w) {
        const int64_t token = (t * grid.height + h) * grid.width + w;
        EXPECT_TRUE(torch::allclose(axis(embedding, 1)[token], axis(embedding, 1)[h * grid.width]))
            << "row of token " << token;
        EXPECT_TRUE(torch::allclose(axis(embedding, 2)[token], axis(embedding, 2)[w]))
            << "column of token " << token;
      }
    }
  }
}

TEST(SinCos3d, ASliceEqualsTheSameRowsOfTheWholeGrid) {
  // A sequence-parallel rank embeds only its own tokens.
  const PatchGrid grid{4, 3, 3};
  const auto whole = sincos_3d(grid, kDim, 0, grid.tokens());
  EXPECT_TRUE(torch::equal(sincos_3d(grid, kDim, 13, 11), whole.narrow(0, 13, 11)));
}

}  // namespace
}  // namespace vdit::model
