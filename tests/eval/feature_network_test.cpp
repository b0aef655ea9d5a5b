#include "eval/feature_network.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

// Central differences in float64 on the fixture network (pool, linear, tanh: smooth), so the
// bound can be tight: the truncation error is O(eps^2), far below 1e-6 relative.
TEST(PerceptualLoss, GradientMatchesFiniteDifferencesWhenNetworkIsFrozen) {
  FeatureNetwork network = FeatureNetwork::load(test::fixture("perceptual_tiny.pt"), at::kDouble);
  const at::Tensor target = (test::uniform_matrix(2, 3 * 8 * 8, 5) * 2 - 1).view({2, 3, 8, 8});
  at::Tensor predicted = (test::uniform_matrix(2, 3 * 8 * 8, 6) * 2 - 1).view({2, 3, 8, 8});
  predicted.set_requires_grad(true);
  const at::Tensor loss = perceptual_loss(network, predicted, target);
  loss.backward();
  const at::Tensor gradient = predicted.grad();
  ASSERT_TRUE(gradient.defined());
  EXPECT_GT(gradient.abs().max().item<double>(), 0.0);

  at::NoGradGuard no_grad;
  const double eps = 1e-4;
  for (const int64_t index : {0, 17, 100, 255, 383}) {
    at::Tensor plus = predicted.detach().clone();
    at::Tensor minus = predicted.detach().clone();
    plus.view({-1})[index] += eps;
    minus.view({-1})[index] -= eps;
    const double numeric = (perceptual_loss(network, plus, target).item<double>() -
                            perceptual_loss(network, minus, target).item<double>()) /
                           (2 * eps);
    const double analytic = gradient.view({-1})[index].item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-6 * std::abs(numeric) + 1e-12) << "element " << index;
  }
  for (const at::Tensor& parameter : network.file().module.parameters()) {
    EXPECT_FALSE(parameter.requires_grad());
  }
}

TEST(PerceptualLoss, IsZeroWhenFramesAreEqual) {
  FeatureNetwork network = FeatureNetwork::load(test::fixture("perceptual_tiny.pt"));
  const at::Tensor frames = at::rand({2, 3, 16, 16}) * 2 - 1;
  EXPECT_EQ(perceptual_loss(network, frames, frames.clone()).item<double>(), 0.0);
}

TEST(FeatureNetwork, NamesFileWhenForwardTakesOtherArguments) {
  try {
    FeatureNetwork::load(test::fixture("i3d_tiny.pt"));
    FAIL() << "forward(x, rescale, resize, return_features) was accepted";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("i3d_tiny.pt"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("expected forward(x)"), std::string::npos);
  }
}

}  // namespace
}  // namespace vdit::eval
