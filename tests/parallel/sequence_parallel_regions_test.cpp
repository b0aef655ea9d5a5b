// Single-process tests of the sp regions: identity on a solo group, and which collective each
// direction triggers on a recording group of two (values are checked under MPI in
// sequence_parallel_regions_mpi_test.cpp).
#include "parallel/sequence_parallel_regions.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "parallel/solo_communicator.h"
#include "tests/parallel/recording_backend.h"

namespace vdit::parallel {
namespace {

using testing::RecordingBackend;
using Calls = std::vector<std::string>;

TEST(SequenceParallelRegions, EveryRegionIsIdentityForwardAndBackwardWhenGroupIsSolo) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor x = torch::randn({2, 4, 6, 3});  // [B, L, H, d]
  const torch::Tensor upstream = torch::randn({2, 4, 6, 3});
  const std::vector<std::function<torch::Tensor(const torch::Tensor&)>> regions = {
      [&](const torch::Tensor& t) { return all_to_all_sp(t, solo, 2, 1); },
      [&](const torch::Tensor& t) { return all_to_all_sp(t, solo, -3, -2); },
      [&](const torch::Tensor& t) { return gather_from_sp(t, solo, 1); },
      [&](const torch::Tensor& t) { return reduce_from_sp(t, solo); },
  };
  for (const auto& region : regions) {
    const torch::Tensor leaf = x.clone().requires_grad_();
    const torch::Tensor y = region(leaf);
    EXPECT_TRUE(torch::equal(y, x));
    y.backward(upstream);
    EXPECT_TRUE(torch::equal(leaf.grad(), upstream));
  }
}

TEST(SequenceParallelRegions, AllToAllSpExchangesOnceEachWayWithDimsSwappedInBackward) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator sp(backend);
  const torch::Tensor leaf = torch::randn({1, 3, 4, 5}).requires_grad_();  // [B, L/sp, H, d]
  const torch::Tensor y = all_to_all_sp(leaf, sp, /*scatter_dim=*/2, /*gather_dim=*/1);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 6, 2, 5}));
  EXPECT_EQ(backend->calls, Calls{"all_to_all"});
  y.mul_(2).sum().backward();  // the output may be modified in place
  EXPECT_EQ(backend->calls, (Calls{"all_to_all", "all_to_all"}));
  EXPECT_EQ(leaf.grad().sizes(), leaf.sizes());
}

TEST(SequenceParallelRegions, AllToAllSpThrowsWhenScatterDimNotDivisible) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator sp(backend);
  EXPECT_THROW(all_to_all_sp(torch::zeros({1, 4, 3, 8}), sp, 2, 1), RuntimeError);
  EXPECT_TRUE(backend->calls.empty());
}

TEST(SequenceParallelRegions, AllToAllSpThrowsNamingShapeWhenDimOutsideTensorEvenIfSolo) {
  const Communicator solo = make_solo_communicator();
  try {
    all_to_all_sp(torch::zeros({1, 4, 3, 8}), solo, 4, 1);
    FAIL() << "expected vdit::RuntimeError";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()),
              "all_to_all_sp: scatter_dim 4 and gather_dim 1 must lie in [-4, 4) for shape "
              "[1, 4, 3, 8]");
  }
}

TEST(SequenceParallelRegions, GatherFromSpThrowsNamingItselfWhenDimOutsideTensor) {
  const Communicator solo = make_solo_communicator();
  try {
    gather_from_sp(torch::zeros({2, 6}), solo, 2);
    FAIL() << "expected vdit::RuntimeError";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()),
              "gather_from_sp: dim 2 is outside shape [2, 6] (valid: -2 .. 1)");
  }
}

TEST(SequenceParallelRegions, ReduceFromSpSumsInForwardOnly) {
  auto backend = std::make_shared<RecordingBackend>(1, 2);
  const Communicator sp(backend);
  const torch::Tensor leaf = torch::randn({2, 5}).requires_grad_();
  reduce_from_sp(leaf, sp).sum().backward();
  EXPECT_EQ(backend->calls, Calls{"all_reduce_sum"});
  EXPECT_TRUE(torch::equal(leaf.grad(), torch::ones({2, 5})));
}

}  // namespace
}  // namespace vdit::parallel
