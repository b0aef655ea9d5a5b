// Gradient reduction overlapped with backward, over MPI_COMM_WORLD. Weights, inputs and loss
// coefficients are small integers, so every gradient and every sum of them is exact in float32 and
// results compare bitwise whatever order MPI sums in.
#include "parallel/overlapped_gradient_reducer.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "parallel/mpi/mpi_communicator.h"

namespace vdit::parallel {
namespace {

Communicator world() { return MpiCommunicator::create(MpiCommunicatorHandle(MPI_COMM_WORLD)); }

// (5, 4) -> (5, 8) -> (5, 8) -> (5, 3); six parameters, 147 floats in all.
torch::nn::Sequential integer_chain() {
  torch::manual_seed(7);  // the same weights on every rank
  torch::nn::Sequential chain(torch::nn::Linear(4, 8), torch::nn::Linear(8, 8),
                              torch::nn::Linear(8, 3));
  torch::NoGradGuard no_grad;
  for (auto& parameter : chain->parameters()) {
    parameter.copy_(torch::randint(-2, 3, parameter.sizes(), torch::kFloat32));
  }
  return chain;
}

// Backward of this rank's micro-batch `micro` of step `step`.
void backward_of(torch::nn::Sequential& chain, int step, int micro) {
  torch::manual_seed(1000 * step + 10 * world().rank() + micro);
  const torch::Tensor input = torch::randint(-2, 3, {5, 4}, torch::kFloat32);
  const torch::Tensor coefficients = torch::randint(-2, 3, {5, 3}, torch::kFloat32);
  (chain->forward(input) * coefficients).sum().backward();
}

// Each gradient after `micro_batches` backwards, averaged over ranks by one blocking all-reduce
// per tensor.
std::vector<torch::Tensor> blocking_reference(int step, int micro_batches) {
  torch::nn::Sequential chain = integer_chain();
  for (int micro = 0; micro < micro_batches; ++micro) backward_of(chain, step, micro);
  std::vector<torch::Tensor> grads;
  for (const auto& parameter : chain->parameters()) {
    grads.push_back(parameter.grad().clone());
    world().all_reduce_avg(grads.back());
  }
  return grads;
}

// One step through the reducer: zero, micro-batches, finish.
void reduced_step(OverlappedGradientReducer& reducer, torch::nn::Sequential& chain, int step,
                  int micro_batches) {
  reducer.zero_grad();
  for (int micro = 0; micro < micro_batches; ++micro) {
    reducer.begin_backward(/*last=*/micro == micro_batches - 1, /*graph_key=*/0);
    backward_of(chain, step, micro);
  }
  reducer.finish();
}

TEST(OverlappedGradientReducer, AveragesLikeBlockingAllReduceWhenModelSpansSeveralBuckets) {
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), /*owners=*/{}, /*bucket_bytes=*/128);
  EXPECT_GE(reducer.bucket_count(), 4u);
  for (int step = 0; step < 3; ++step) {
    reduced_step(reducer, chain, step, /*micro_batches=*/2);
    const std::vector<torch::Tensor> expected = blocking_reference(step, 2);
    const std::vector<torch::Tensor> parameters = chain->parameters();
    for (size_t i = 0; i < parameters.size(); ++i) {
      EXPECT_TRUE(torch::equal(parameters[i].grad(), expected[i]))
          << "step " << step << " parameter " << i << ":\n"
          << parameters[i].grad() << "\nexpected\n"
          << expected[i];
    }
  }
}

TEST(OverlappedGradientReducer, StartsEveryBucketInsideBackwardAfterFirstStepOfGraph) {
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), /*owners=*/{}, /*bucket_bytes=*/128);
  reduced_step(reducer, chain, 0, 1);
  EXPECT_EQ(reducer.buckets_started_in_backward(), 0u) << "the first step only counts";
  reduced_step(reducer, chain, 1, 1);
  EXPECT_EQ(reducer.buckets_started_in_backward(), reducer.bucket_count());
}

TEST(OverlappedGradientReducer, LeavesEarlierMicroBatchesLocalUntilLastBackward) {
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), /*owners=*/{}, /*bucket_bytes=*/128);
  reduced_step(reducer, chain, 0, 1);  // records the graph, so hooks would start buckets
  reducer.zero_grad();
  reducer.begin_backward(/*last=*/false, 0);
  backward_of(chain, 1, 0);
  EXPECT_EQ(reducer.buckets_started_in_backward(), 0u);
  torch::nn::Sequential local = integer_chain();
  backward_of(local, 1, 0);
  const std::vector<torch::Tensor> parameters = chain->parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(torch::equal(parameters[i].grad(), local->parameters()[i].grad())) << i;
  }
  reducer.begin_backward(/*last=*/true, 0);
  backward_of(chain, 1, 1);
  reducer.finish();
  const std::vector<torch::Tensor> expected = blocking_reference(1, 2);
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(torch::equal(parameters[i].grad(), expected[i])) << i;
  }
}

TEST(OverlappedGradientReducer, ThrowsWhenGradientArrivesAfterItsBucketStarted) {
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), /*owners=*/{}, /*bucket_bytes=*/128);
  reduced_step(reducer, chain, 0, 1);
  reducer.zero_grad();
  reducer.begin_backward(/*last=*/true, 0);
  backward_of(chain, 1, 0);  // every bucket has started
  try {
    backward_of(chain, 1, 1);  // a second backward in the same graph: too many contributions
    FAIL() << "a contribution after the bucket started was accepted";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("after its bucket's all-reduce had started"),
              std::string::npos)
        << error.what();
  }
  reducer.finish();  // the started buckets still complete on every rank
}

TEST(OverlappedGradientReducer, ThrowsWhenGradientWasReplaced) {
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), /*owners=*/{}, /*bucket_bytes=*/128);
  reducer.zero_grad();
  reducer.begin_backward(/*last=*/true, 0);
  chain->zero_grad(/*set_to_none=*/true);
  backward_of(chain, 0, 0);
  EXPECT_THROW(reducer.finish(), std::exception);
}

// Owner of each of the chain's six parameters: runs from the back, as ZeRO-1 assigns them.
std::vector<int> owners_from_back(int ranks) {
  std::vector<int> owners(6);
  for (int i = 0; i < 6; ++i) owners[i] = std::min(ranks - 1, (5 - i) * ranks / 6);
  return owners;
}

TEST(OverlappedGradientReducer, SumsEachBucketToItsOwnerWhenSharded) {
  const int rank = world().rank();
  const std::vector<int> owners = owners_from_back(world().size());
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), owners, /*bucket_bytes=*/128);
  for (int step = 0; step < 2; ++step) {  // the first step counts, the second overlaps
    reduced_step(reducer, chain, step, /*micro_batches=*/2);
    const std::vector<torch::Tensor> expected = blocking_reference(step, 2);
    const std::vector<torch::Tensor> parameters = chain->parameters();
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (owners[i] != rank) continue;
      EXPECT_TRUE(torch::equal(parameters[i].grad(), expected[i]))
          << "step " << step << " parameter " << i;
    }
  }
  EXPECT_EQ(reducer.buckets_started_in_backward(), reducer.bucket_count());
}

TEST(OverlappedGradientReducer, GivesEveryRankTheOwnersParametersWhenGathering) {
  const int rank = world().rank();
  const std::vector<int> owners = owners_from_back(world().size());
  torch::nn::Sequential chain = integer_chain();
  OverlappedGradientReducer reducer(world(), chain->parameters(), owners, /*bucket_bytes=*/128);
  std::vector<torch::Tensor> parameters = chain->parameters();
  {
    torch::NoGradGuard no_grad;
    // Owners write their own rank into their parameters, everyone else garbage.
    for (size_t i = 0; i < parameters.size(); ++i) {
      parameters[i].fill_(owners[i] == rank ? 100.0 * (owners[i] + 1) + i : -1.0);
    }
  }
  reducer.gather_parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(torch::equal(parameters[i],
                             torch::full_like(parameters[i], 100.0 * (owners[i] + 1) + i)))
        << "parameter " << i << " of owner " << owners[i];
  }
}

TEST(OverlappedGradientReducer, RejectsOwnersThatDecreaseFromTheBack) {
  torch::nn::Sequential chain = integer_chain();
  if (world().size() < 2) GTEST_SKIP() << "one rank owns everything";
  EXPECT_THROW(OverlappedGradientReducer(world(), chain->parameters(), {0, 0, 0, 0, 0, 1}),
               std::exception);
}

}  // namespace
}  // namespace vdit::parallel
