// Bucketed all-reduce over MPI_COMM_WORLD: many tensors of mixed shapes and dtypes, with buckets
// small enough that the list spans several of them.
#include "parallel/bucketed_all_reduce.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <vector>

#include "parallel/mpi/mpi_communicator.h"

namespace vdit::parallel {
namespace {

Communicator world() { return MpiCommunicator::create(MpiCommunicatorHandle(MPI_COMM_WORLD)); }

// At step s rank r's gradient i is (r + 1 + s) * base_i, so the sum is
// base_i * (n (n + 1) / 2 + n s).
std::vector<torch::Tensor> bases() {
  return {torch::arange(6, torch::kFloat32).reshape({2, 3}),
          torch::arange(5, torch::kFloat32),
          torch::arange(40, torch::kFloat32).reshape({4, 10}),  // 160 bytes: a bucket of its own
          torch::arange(3, torch::kFloat64),                    // dtype change starts a bucket
          torch::arange(8, torch::kFloat32).to(torch::kBFloat16),
          torch::arange(12, torch::kFloat32).reshape({3, 4}).t(),  // not contiguous, shares a
          torch::arange(2, torch::kFloat32)};                      // bucket with this one
}

TEST(BucketedAllReducer, SumsEveryTensorWhenListSpansSeveralBuckets) {
  const Communicator communicator = world();
  const int n = communicator.size();
  BucketedAllReducer reducer(communicator, /*bucket_bytes=*/64);
  // Twice: the second call reuses the plan and buffers of the first.
  for (int step = 0; step < 2; ++step) {
    std::vector<torch::Tensor> gradients;
    for (const torch::Tensor& base : bases()) {
      gradients.push_back(base * (communicator.rank() + 1 + step));
    }
    reducer.all_reduce(gradients);
    const std::vector<torch::Tensor> expected = bases();
    const int rank_sum = n * (n + 1) / 2 + n * step;
    for (size_t i = 0; i < gradients.size(); ++i) {
      EXPECT_EQ(gradients[i].scalar_type(), expected[i].scalar_type()) << "tensor " << i;
      EXPECT_TRUE(torch::equal(gradients[i], expected[i] * rank_sum))
          << "step " << step << " tensor " << i << ": " << gradients[i];
    }
  }
}

TEST(BucketedAllReducer, AveragesWhenAskedWithDefaultBuckets) {
  const Communicator communicator = world();
  const torch::Tensor first = torch::full({3, 3}, communicator.rank(), torch::kFloat32);
  const torch::Tensor second = torch::full({7}, 2.0 * communicator.rank(), torch::kFloat32);
  BucketedAllReducer(communicator).all_reduce({first, second}, Reduction::kAverage);
  const double mean_rank = (communicator.size() - 1) / 2.0;
  EXPECT_TRUE(torch::allclose(first, torch::full({3, 3}, mean_rank)));
  EXPECT_TRUE(torch::allclose(second, torch::full({7}, 2.0 * mean_rank)));
}

}  // namespace
}  // namespace vdit::parallel
