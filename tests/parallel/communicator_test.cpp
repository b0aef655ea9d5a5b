#include "parallel/communicator.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "tests/parallel/recording_backend.h"

namespace vdit::parallel {
namespace {

using testing::RecordingBackend;

TEST(Communicator, ReduceScatterThrowsBeforeCommunicatingWhenDim0NotDivisible) {
  auto backend = std::make_shared<RecordingBackend>(0, 4);
  const Communicator communicator(backend);
  try {
    communicator.reduce_scatter_sum(torch::zeros({6, 2}));
    FAIL() << "expected vdit::RuntimeError";
  } catch (const RuntimeError& error) {
    EXPECT_EQ(std::string(error.what()),
              "reduce_scatter_sum: dim 0 of shape [6, 2] must divide by the 4 ranks of the group");
  }
  EXPECT_TRUE(backend->calls.empty());
}

TEST(Communicator, AllToAllThrowsWhenScatterDimNotDivisible) {
  auto backend = std::make_shared<RecordingBackend>(0, 2);
  const Communicator communicator(backend);
  EXPECT_THROW(communicator.all_to_all(torch::zeros({1, 4, 3, 8}), 2, 1), RuntimeError);
  EXPECT_THROW(communicator.all_to_all(torch::zeros({1, 4, 4, 8}), 4, 1), RuntimeError);
  EXPECT_TRUE(backend->calls.empty());
}

// With every rank holding the same tensor, Ulysses' all-to-all yields [B, L*n, H/n, D] made of n
// copies of this rank's head slice stacked along tokens; checks the handle's block layout.
TEST(Communicator, AllToAllLaysOutBlocksByScatterAndGatherDims) {
  const int ranks = 2;
  const Communicator communicator(std::make_shared<RecordingBackend>(1, ranks));
  const torch::Tensor local = torch::arange(2 * 3 * 4 * 5, torch::kFloat32).reshape({2, 3, 4, 5});
  const torch::Tensor output = communicator.all_to_all(local, 2, 1);
  ASSERT_EQ(output.sizes(), (std::vector<int64_t>{2, 6, 2, 5}));
  // Received block j is what this rank sent to rank j: head chunk j.
  for (int source = 0; source < ranks; ++source) {
    EXPECT_TRUE(torch::equal(output.slice(1, source * 3, source * 3 + 3),
                             local.slice(2, source * 2, source * 2 + 2)))
        << "block from rank " << source;
  }
}

TEST(Communicator, AllReduceWritesBackWhenTensorNotContiguous) {
  const Communicator communicator(std::make_shared<RecordingBackend>(0, 2));
  const torch::Tensor base = torch::arange(6, torch::kFloat32).reshape({2, 3});
  const torch::Tensor transposed = base.t();
  communicator.all_reduce_avg(transposed);  // the recording backend sums nothing, so: halves
  EXPECT_TRUE(torch::equal(base, torch::arange(6, torch::kFloat32).reshape({2, 3}) / 2));
}

TEST(Communicator, AllReduceAvgThrowsWhenTensorIsInteger) {
  const Communicator communicator(std::make_shared<RecordingBackend>(0, 2));
  EXPECT_THROW(communicator.all_reduce_avg(torch::ones({3}, torch::kInt64)), RuntimeError);
}

TEST(Communicator, BroadcastThrowsWhenRootOutsideGroup) {
  const Communicator communicator(std::make_shared<RecordingBackend>(0, 2));
  EXPECT_THROW(communicator.broadcast(torch::ones({3}), 2), RuntimeError);
  EXPECT_THROW(communicator.send(torch::ones({3}), -1), RuntimeError);
}

}  // namespace
}  // namespace vdit::parallel
