#include "worker/model/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "worker/torch_compat.h"

namespace vdit::model {
namespace {

using AttentionFunction = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&,
                                            const torch::Tensor&);

// The formula as first written: the L x L scores scaled after the product.
torch::Tensor scaled_scores_attention(const torch::Tensor& q, const torch::Tensor& k,
                                      const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return torch::matmul(torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale, -1), v);
}

struct OutputAndGradients {
  torch::Tensor output;
  std::vector<torch::Tensor> gradients;  // d loss / d q, k, v
};

// Self-attention shapes (N 2, H 3, L 17, d 8) with a cross-attention key length (Lk 5) for k and v
// when `cross`; the loss weights every output element differently so no gradient cancels.
OutputAndGradients run(AttentionFunction attend, bool cross) {
  torch::manual_seed(11);
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  auto q = torch::randn({2, 3, 17, 8}, options).requires_grad_(true);
  auto k = torch::randn({2, 3, cross ? 5 : 17, 8}, options).requires_grad_(true);
  auto v = torch::randn({2, 3, cross ? 5 : 17, 8}, options).requires_grad_(true);
  const auto output = attend(q, k, v);  // (2, 3, 17, 8)
  (output * torch::linspace(-1, 2, output.numel(), options).view_as(output)).sum().backward();
  return {output.detach(), {q.grad(), k.grad(), v.grad()}};
}

void expect_same(const OutputAndGradients& a, const OutputAndGradients& b) {
  EXPECT_TRUE(torch::allclose(a.output, b.output, 1e-10, 1e-12));
  for (size_t i = 0; i < a.gradients.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a.gradients[i], b.gradients[i], 1e-10, 1e-12))
        << "gradient "
        << "qkv"[i] << " differs by "
        << (a.gradients[i] - b.gradients[i]).abs().max().item<double>();
  }
}

TEST(Attention, PrescaledQueriesEqualScaledScoresInOutputAndGradients) {
  for (const bool cross : {false, true}) {
    expect_same(run(written_out_attention, cross), run(scaled_scores_attention, cross));
  }
}

#if VDIT_HAS_SDPA
TEST(Attention, FusedKernelEqualsWrittenOutInOutputAndGradients) {
  for (const bool cross : {false, true}) {
    expect_same(run(attention, cross), run(written_out_attention, cross));
  }
}
#endif

}  // namespace
}  // namespace vdit::model
