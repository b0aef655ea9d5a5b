#include "worker/training/autocast_guard.h"

#include <gtest/gtest.h>

namespace vdit::training {
namespace {

TEST(AutocastGuard, EnablesBf16CudaAutocastForItsScopeAndRestoresTheStateAfter) {
  ASSERT_FALSE(compat::cuda_autocast_enabled());
  const at::ScalarType before = compat::cuda_autocast_dtype();
  {
    AutocastGuard outer(true);
    EXPECT_TRUE(compat::cuda_autocast_enabled());
    EXPECT_EQ(compat::cuda_autocast_dtype(), at::kBFloat16);
    {
      AutocastGuard inner(true, at::kHalf);
      EXPECT_EQ(compat::cuda_autocast_dtype(), at::kHalf);
    }
    EXPECT_TRUE(compat::cuda_autocast_enabled());
    EXPECT_EQ(compat::cuda_autocast_dtype(), at::kBFloat16);
  }
  EXPECT_FALSE(compat::cuda_autocast_enabled());
  EXPECT_EQ(compat::cuda_autocast_dtype(), before);
}

TEST(AutocastGuard, ChangesNothingWhenDisabled) {
  AutocastGuard off(false);
  EXPECT_FALSE(compat::cuda_autocast_enabled());
}

}  // namespace
}  // namespace vdit::training
