// The tp regions over MPI_COMM_WORLD as the tp group, at any world size n: a Megatron MLP split
// across n ranks must match the unsplit MLP, and gather/scatter must be each other's inverse.
// Every rank draws the same full tensors from one seed and cuts its own slices.
#include <gtest/gtest.h>
#include <mpi.h>

#include <vector>

#include "parallel/mpi/mpi_communicator.h"
#include "parallel/tensor_parallel_regions.h"

namespace vdit::parallel {
namespace {

Communicator world() { return MpiCommunicator::create(MpiCommunicatorHandle(MPI_COMM_WORLD)); }

constexpr double kTolerance = 1e-5;

bool close(const torch::Tensor& actual, const torch::Tensor& expected) {
  return actual.sizes() == expected.sizes() &&
         torch::allclose(actual, expected, /*rtol=*/kTolerance, /*atol=*/kTolerance);
}

torch::Tensor leaf(const torch::Tensor& values) { return values.clone().requires_grad_(); }

// Y = gelu(X W1^T + b1) W2^T + b2, with W1 [hidden, D] split by rows (column-parallel: each rank
// computes hidden/n features) and W2 [D, hidden] split by columns (row-parallel: each rank's
// partial product is summed over tp).
TEST(TensorParallelRegions, SplitMlpMatchesUnsplitMlpInOutputAndEveryGradient) {
  const Communicator tp = world();
  const int64_t n = tp.size();
  const int64_t rank = tp.rank();
  const int64_t model_dim = 8;
  const int64_t hidden = 4 * n;
  const int64_t hidden_per_rank = hidden / n;

  torch::manual_seed(1234);
  const torch::Tensor x = torch::randn({3, 5, model_dim});  // (N, L, D)
  const torch::Tensor w1 = torch::randn({hidden, model_dim}) / 3;
  const torch::Tensor b1 = torch::randn({hidden});
  const torch::Tensor w2 = torch::randn({model_dim, hidden}) / 3;
  const torch::Tensor b2 = torch::randn({model_dim});
  const torch::Tensor upstream = torch::randn({3, 5, model_dim});

  // Unsplit reference.
  const torch::Tensor x_full = leaf(x);
  const torch::Tensor w1_full = leaf(w1);
  const torch::Tensor b1_full = leaf(b1);
  const torch::Tensor w2_full = leaf(w2);
  const torch::Tensor b2_full = leaf(b2);
  const torch::Tensor y_full = torch::linear(torch::gelu(torch::linear(x_full, w1_full, b1_full)),
                                             w2_full, b2_full);  // (N, L, D)
  y_full.backward(upstream);

  // Split: this rank holds rows rank*h .. rank*h + h - 1 of W1 and b1, the same columns of W2.
  const torch::Tensor x_mine = leaf(x);
  const torch::Tensor w1_mine = leaf(w1.narrow(0, rank * hidden_per_rank, hidden_per_rank));
  const torch::Tensor b1_mine = leaf(b1.narrow(0, rank * hidden_per_rank, hidden_per_rank));
  const torch::Tensor w2_mine = leaf(w2.narrow(1, rank * hidden_per_rank, hidden_per_rank));
  const torch::Tensor b2_mine = leaf(b2);
  const torch::Tensor h = torch::gelu(torch::linear(copy_to_tp(x_mine, tp), w1_mine, b1_mine));
  const torch::Tensor y = reduce_from_tp(torch::linear(h, w2_mine), tp) + b2_mine;  // (N, L, D)
  y.backward(upstream);

  EXPECT_TRUE(close(y, y_full));
  EXPECT_TRUE(close(x_mine.grad(), x_full.grad())) << "copy_to_tp must sum input gradients";
  EXPECT_TRUE(
      close(w1_mine.grad(), w1_full.grad().narrow(0, rank * hidden_per_rank, hidden_per_rank)));
  EXPECT_TRUE(
      close(b1_mine.grad(), b1_full.grad().narrow(0, rank * hidden_per_rank, hidden_per_rank)));
  EXPECT_TRUE(
      close(w2_mine.grad(), w2_full.grad().narrow(1, rank * hidden_per_rank, hidden_per_rank)));
  EXPECT_TRUE(close(b2_mine.grad(), b2_full.grad()));
}

TEST(TensorParallelRegions, GatherFromTpConcatenatesInRankOrderAlongEveryDim) {
  const Communicator tp = world();
  const int64_t n = tp.size();
  torch::manual_seed(7);
  const torch::Tensor full = torch::randn({2 * n, 3 * n, 4 * n});
  for (const int64_t dim : {0, 1, 2, -1}) {
    const int64_t slice = full.size(dim) / n;
    const torch::Tensor mine = full.narrow(dim, tp.rank() * slice, slice);
    EXPECT_TRUE(torch::equal(gather_from_tp(mine, tp, dim), full)) << "dim " << dim;
    EXPECT_TRUE(torch::equal(scatter_to_tp(full, tp, dim), mine)) << "dim " << dim;
  }
}

TEST(TensorParallelRegions, ScatterThenGatherRoundTripsValuesAndGradients) {
  const Communicator tp = world();
  const int64_t n = tp.size();
  torch::manual_seed(8);
  const torch::Tensor full = torch::randn({3, 2 * n, 5});
  const torch::Tensor upstream = torch::randn({3, 2 * n, 5});
  const torch::Tensor x = leaf(full);
  const torch::Tensor round_trip = gather_from_tp(scatter_to_tp(x, tp, 1), tp, 1);
  EXPECT_TRUE(torch::equal(round_trip, full));
  round_trip.backward(upstream);
  EXPECT_TRUE(torch::equal(x.grad(), upstream));
}

// Rank r's loss weighs the gathered tensor with the same `weights` everywhere: the gradient of its
// slice is its slice of the weights.
TEST(TensorParallelRegions, GatherFromTpGradientIsOwnSliceOfUpstream) {
  const Communicator tp = world();
  const int64_t n = tp.size();
  torch::manual_seed(9);
  const torch::Tensor weights = torch::randn({4, 3 * n});
  const torch::Tensor mine = leaf(torch::randn({4, 3}));
  (gather_from_tp(mine, tp, 1) * weights).sum().backward();
  EXPECT_TRUE(torch::equal(mine.grad(), weights.narrow(1, 3 * tp.rank(), 3)));
}

// Each rank's loss uses only its slice; backward all-gathers, so every rank's replicated input
// receives the gradient of every slice.
TEST(TensorParallelRegions, ScatterToTpGradientGathersEveryRanksSlice) {
  const Communicator tp = world();
  const int64_t n = tp.size();
  torch::manual_seed(10);
  const torch::Tensor weights = torch::randn({2 * n, 3});
  const torch::Tensor full = leaf(torch::randn({2 * n, 3}));
  (scatter_to_tp(full, tp, 0) * weights.narrow(0, 2 * tp.rank(), 2)).sum().backward();
  EXPECT_TRUE(torch::equal(full.grad(), weights));
}

}  // namespace
}  // namespace vdit::parallel
