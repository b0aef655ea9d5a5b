// Single-process tests of the tp regions: identity on a solo group, and which collective each
// direction triggers on a recording group of two (the values themselves are checked under MPI in
// tensor_parallel_regions_mpi_test.cpp).
#include "parallel/tensor_parallel_regions.h"

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

// Runs forward and backward of `region` on a leaf [4, 6]; returns the leaf's gradient for an
// upstream gradient equal to `upstream` (shaped like the region's output).
template <typename Region>
torch::Tensor gradient_through(Region&& region, const torch::Tensor& input,
                               const torch::Tensor& upstream) {
  const torch::Tensor leaf = input.clone().requires_grad_();
  region(leaf).backward(upstream);
  return leaf.grad();
}

TEST(TensorParallelRegions, EveryRegionIsIdentityForwardAndBackwardWhenGroupIsSolo) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor x = torch::randn({4, 6});
  const torch::Tensor upstream = torch::randn({4, 6});
  const std::vector<std::function<torch::Tensor(const torch::Tensor&)>> regions = {
      [&](const torch::Tensor& t) { return copy_to_tp(t, solo); },
      [&](const torch::Tensor& t) { return reduce_from_tp(t, solo); },
      [&](const torch::Tensor& t) { return gather_from_tp(t, solo, 1); },
      [&](const torch::Tensor& t) { return scatter_to_tp(t, solo, -1); },
  };
  for (const auto& region : regions) {
    EXPECT_TRUE(torch::equal(region(x), x));
    EXPECT_TRUE(torch::equal(gradient_through(region, x, upstream), upstream));
  }
}

TEST(TensorParallelRegions, CopyToTpReducesOnlyInBackward) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator tp(backend);
  const torch::Tensor leaf = torch::randn({4, 6}).requires_grad_();
  const torch::Tensor y = copy_to_tp(leaf, tp);
  EXPECT_TRUE(torch::equal(y, leaf));
  EXPECT_EQ(backend->calls, Calls{});
  y.sum().backward();
  EXPECT_EQ(backend->calls, Calls{"all_reduce_sum"});
}

TEST(TensorParallelRegions, ReduceFromTpReducesOnlyInForward) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator tp(backend);
  const torch::Tensor leaf = torch::randn({4, 6}).requires_grad_();
  const torch::Tensor y = reduce_from_tp(leaf, tp);
  EXPECT_EQ(backend->calls, Calls{"all_reduce_sum"});
  const torch::Tensor upstream = torch::randn({4, 6});
  y.backward(upstream);
  EXPECT_EQ(backend->calls, Calls{"all_reduce_sum"});
  EXPECT_TRUE(torch::equal(leaf.grad(), upstream));
}

TEST(TensorParallelRegions, ScatterToTpKeepsOwnSliceWithoutCommunicating) {
  auto backend = std::make_shared<RecordingBackend>(1, 3);
  const Communicator tp(backend);
  const torch::Tensor x = torch::arange(24, torch::kFloat32).reshape({2, 12});
  const torch::Tensor mine = scatter_to_tp(x, tp, 1);
  EXPECT_TRUE(torch::equal(mine, x.slice(1, 4, 8)));
  EXPECT_TRUE(mine.is_contiguous());
  EXPECT_EQ(backend->calls, Calls{});
}

TEST(TensorParallelRegions, GatherFromTpBackwardKeepsOwnSliceWithoutCommunicating) {
  auto backend = std::make_shared<RecordingBackend>(1, 2);
  const Communicator tp(backend);
  const torch::Tensor leaf = torch::randn({3, 2}).requires_grad_();
  const torch::Tensor gathered = gather_from_tp(leaf, tp, -1);
  EXPECT_EQ(gathered.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(backend->calls, Calls{"all_gather"});
  const torch::Tensor upstream = torch::arange(12, torch::kFloat32).reshape({3, 4});
  gathered.backward(upstream);
  EXPECT_TRUE(torch::equal(leaf.grad(), upstream.slice(1, 2, 4)));
  EXPECT_EQ(backend->calls, Calls{"all_gather"});
}

TEST(TensorParallelRegions, OutputsCanBeModifiedInPlaceWhenGradientsAreTracked) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator tp(backend);
  const torch::Tensor leaf = torch::randn({4, 6}).requires_grad_();
  EXPECT_NO_THROW(gather_from_tp(leaf, tp, 1).mul_(2).sum().backward());
  EXPECT_NO_THROW(scatter_to_tp(leaf, tp, 0).mul_(2).sum().backward());
  EXPECT_NO_THROW(reduce_from_tp(leaf, tp).mul_(2).sum().backward());
}

TEST(TensorParallelRegions, ScatterThrowsNamingShapeWhenDimNotDivisible) {
  auto backend = std::make_shared<RecordingBackend>(0, 4);
  const Communicator tp(backend);
  try {
    scatter_to_tp(torch::zeros({2, 6}), tp, 1);
    FAIL() << "expected vdit::RuntimeError";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()),
              "scatter_to_tp: dim 1 of shape [2, 6] must divide by the 4 ranks of the tp group");
  }
}

TEST(TensorParallelRegions, DimOutsideTensorThrowsEvenWhenGroupIsSolo) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor x = torch::zeros({2, 6});
  EXPECT_THROW(gather_from_tp(x, solo, 2), RuntimeError);
  EXPECT_THROW(scatter_to_tp(x, solo, -3), RuntimeError);
}

}  // namespace
}  // namespace vdit::parallel
