// The sp regions over MPI_COMM_WORLD as the sp group, at any world size n: Ulysses attention on
// L/n tokens per rank must match full attention, and sequence reductions must see every token.
// Every rank draws the same full tensors from one seed and cuts its own slices.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <vector>

#include "parallel/mpi/mpi_communicator.h"
#include "parallel/sequence_parallel_regions.h"

namespace vdit::parallel {
namespace {

Communicator world() { return MpiCommunicator::create(MpiCommunicatorHandle(MPI_COMM_WORLD)); }

constexpr double kTolerance = 1e-5;

bool close(const torch::Tensor& actual, const torch::Tensor& expected) {
  return actual.sizes() == expected.sizes() &&
         torch::allclose(actual, expected, /*rtol=*/kTolerance, /*atol=*/kTolerance);
}

torch::Tensor leaf(const torch::Tensor& values) { return values.clone().requires_grad_(); }

// softmax(q k^T / sqrt(d)) v per head, on [B, L, H, d] tensors.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const torch::Tensor scores =
      torch::matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(-2, -1)) *
      scale;                                                                    // (B, H, L, L)
  return torch::matmul(scores.softmax(-1), v.transpose(1, 2)).transpose(1, 2);  // (B, L, H, d)
}

TEST(SequenceParallelRegions, UlyssesAttentionMatchesFullAttentionInOutputAndGradients) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  const int64_t batch = 2;
  const int64_t tokens = 3 * n;
  const int64_t heads = 2 * n;
  const int64_t head_dim = 4;
  const int64_t my_tokens = tokens / n;
  const int64_t first_token = sp.rank() * my_tokens;

  torch::manual_seed(4321);
  const torch::Tensor q = torch::randn({batch, tokens, heads, head_dim});
  const torch::Tensor k = torch::randn({batch, tokens, heads, head_dim});
  const torch::Tensor v = torch::randn({batch, tokens, heads, head_dim});
  const torch::Tensor upstream = torch::randn({batch, tokens, heads, head_dim});

  const torch::Tensor q_full = leaf(q);
  const torch::Tensor k_full = leaf(k);
  const torch::Tensor v_full = leaf(v);
  const torch::Tensor out_full = attention(q_full, k_full, v_full);
  out_full.backward(upstream);

  const torch::Tensor q_mine = leaf(q.narrow(1, first_token, my_tokens));  // (B, L/n, H, d)
  const torch::Tensor k_mine = leaf(k.narrow(1, first_token, my_tokens));
  const torch::Tensor v_mine = leaf(v.narrow(1, first_token, my_tokens));
  auto to_heads = [&](const torch::Tensor& t) {  // (B, L/n, H, d) -> (B, L, H/n, d)
    return all_to_all_sp(t, sp, /*scatter_dim=*/2, /*gather_dim=*/1);
  };
  const torch::Tensor out_heads = attention(to_heads(q_mine), to_heads(k_mine), to_heads(v_mine));
  const torch::Tensor out_mine =
      all_to_all_sp(out_heads, sp, /*scatter_dim=*/1, /*gather_dim=*/2);  // (B, L/n, H, d)
  out_mine.backward(upstream.narrow(1, first_token, my_tokens));

  EXPECT_TRUE(close(out_mine, out_full.narrow(1, first_token, my_tokens)));
  EXPECT_TRUE(close(q_mine.grad(), q_full.grad().narrow(1, first_token, my_tokens)));
  EXPECT_TRUE(close(k_mine.grad(), k_full.grad().narrow(1, first_token, my_tokens)));
  EXPECT_TRUE(close(v_mine.grad(), v_full.grad().narrow(1, first_token, my_tokens)));
}

TEST(SequenceParallelRegions, AllToAllSpThereAndBackRoundTripsValuesAndGradients) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  torch::manual_seed(5);
  const torch::Tensor values = torch::randn({2, 3, 2 * n, 4});
  const torch::Tensor upstream = torch::randn({2, 3, 2 * n, 4});
  const torch::Tensor x = leaf(values);
  const torch::Tensor round_trip = all_to_all_sp(all_to_all_sp(x, sp, -2, 1), sp, 1, -2);
  EXPECT_TRUE(torch::equal(round_trip, values));
  round_trip.backward(upstream);
  EXPECT_TRUE(torch::equal(x.grad(), upstream));
}

// Tokens [B, L, D] split across ranks; each rank gathers the whole sequence and weighs it with the
// same weights, so its slice's gradient is its slice of the weights.
TEST(SequenceParallelRegions, GatherFromSpGivesWholeSequenceAndOwnSliceOfGradient) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  torch::manual_seed(6);
  const torch::Tensor tokens = torch::randn({2, 3 * n, 5});
  const torch::Tensor weights = torch::randn({2, 3 * n, 5});
  const torch::Tensor mine = leaf(tokens.narrow(1, 3 * sp.rank(), 3));
  const torch::Tensor gathered = gather_from_sp(mine, sp, 1);
  EXPECT_TRUE(torch::equal(gathered, tokens));
  (gathered * weights).sum().backward();
  EXPECT_TRUE(torch::equal(mine.grad(), weights.narrow(1, 3 * sp.rank(), 3)));
}

TEST(SequenceParallelRegions, ReduceFromSpOfTokenSumsIsFullSumWithIdentityGradient) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  torch::manual_seed(11);
  const torch::Tensor tokens = torch::randn({2, 3 * n, 5});  // (B, L, D)
  const torch::Tensor weights = torch::randn({2, 5});
  const torch::Tensor mine = leaf(tokens.narrow(1, 3 * sp.rank(), 3));
  const torch::Tensor total = reduce_from_sp(mine.sum(1), sp);  // (B, D): a sum over all L
  EXPECT_TRUE(close(total, tokens.sum(1)));
  (total * weights).sum().backward();
  EXPECT_TRUE(torch::equal(mine.grad(), weights.unsqueeze(1).expand({2, 3, 5})));
}

}  // namespace
}  // namespace vdit::parallel
