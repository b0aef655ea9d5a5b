// The sp regions over MPI_COMM_WORLD as the sp group, at any world size n: Ulysses attention on
// L/n tokens per rank must match full attention, and sequence reductions must see every token.
// Every rank draws the same full tensors from one seed and cuts its own slices.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <vector>

#include "parallel/mpi/mpi_communicator.h"
#include "parallel/sequence_halo.h"
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

TEST(SequenceParallelRegions, AllGatherSpStacksSlicesAndSumsEveryRanksGradient) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  torch::manual_seed(12);
  const torch::Tensor slices = torch::randn({n, 2, 3});      // rank r's x is slices[r]
  const torch::Tensor weights = torch::randn({n, n, 2, 3});  // rank r weighs the stack by [r]
  const torch::Tensor mine = leaf(slices.narrow(0, sp.rank(), 1));
  const torch::Tensor stacked = all_gather_sp(mine, sp);  // (n, 2, 3) on every rank
  EXPECT_TRUE(torch::equal(stacked, slices));
  (stacked * weights[sp.rank()]).sum().backward();
  // Every rank used the stack its own way: my slice's gradient sums their weights for it.
  EXPECT_TRUE(close(mine.grad(), weights.select(1, sp.rank()).sum(0).unsqueeze(0)));
}

// For slices longer and shorter than the halo, so it comes from one or several lower ranks.
TEST(SequenceParallelRegions, PrecedingTokensAreTheTokensBeforeTheSliceWithTheirGradient) {
  const Communicator sp = world();
  const int64_t n = sp.size();
  for (const int64_t per_rank : {int64_t{1}, int64_t{2}, int64_t{5}}) {
    for (const int64_t count : {int64_t{1}, int64_t{3}}) {
      torch::manual_seed(13);
      const torch::Tensor tokens = torch::randn({2, per_rank * n, 4});  // (B, L, D)
      const torch::Tensor weights = torch::randn({n, 2, count, 4});     // rank r's use of its halo
      const int64_t begin = per_rank * sp.rank();
      const torch::Tensor mine = leaf(tokens.narrow(1, begin, per_rank));
      const torch::Tensor halo = preceding_tokens(mine, sp, count);
      const int64_t expected = std::min(count, begin);
      ASSERT_EQ(halo.size(1), expected) << per_rank << " tokens per rank, count " << count;
      EXPECT_TRUE(close(halo, tokens.narrow(1, begin - expected, expected)));
      (halo * weights[sp.rank()].narrow(1, count - expected, expected)).sum().backward();
      // Token i's gradient: the weight every later rank whose halo holds it put on it.
      torch::Tensor gradient = torch::zeros_like(tokens);
      for (int64_t rank = 0; rank < n; ++rank) {
        const int64_t their_begin = per_rank * rank, held = std::min(count, their_begin);
        gradient.narrow(1, their_begin - held, held) += weights[rank].narrow(1, count - held, held);
      }
      EXPECT_TRUE(close(mine.grad(), gradient.narrow(1, begin, per_rank)))
          << per_rank << " tokens per rank, count " << count;
    }
  }
}

}  // namespace
}  // namespace vdit::parallel
