// Every collective of the MPI backend over MPI_COMM_WORLD, against hand-computed values. Runs at
// any world size n; rank r's inputs are built from r so each expectation is a closed form.
#include "parallel/mpi/mpi_communicator.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <vector>

#include "core/error.h"
#include "parallel/mpi_environment.h"

namespace vdit::parallel {
namespace {

Communicator world() { return MpiCommunicator::create(MpiCommunicatorHandle(MPI_COMM_WORLD)); }

TEST(MpiCommunicator, RankAndSizeMatchWorld) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const Communicator communicator = world();
  EXPECT_EQ(communicator.rank(), rank);
  EXPECT_EQ(communicator.size(), size);
  EXPECT_STREQ(communicator.backend_name(), "mpi");
}

TEST(MpiCommunicator, AllReduceSumAddsRanksForEveryDtype) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const int r = communicator.rank();
  for (const auto dtype : {torch::kFloat32, torch::kFloat64, torch::kBFloat16, torch::kFloat16,
                           torch::kInt64, torch::kInt32, torch::kUInt8}) {
    const torch::Tensor tensor = torch::full({5}, r + 1, torch::dtype(dtype));
    communicator.all_reduce_sum(tensor);
    EXPECT_EQ(tensor.scalar_type(), dtype);
    EXPECT_TRUE(torch::equal(tensor, torch::full({5}, n * (n + 1) / 2, torch::dtype(dtype))))
        << c10::toString(dtype) << ": " << tensor;
  }
}

// bf16 has 8 significant bits: at 256 its step is 2, so adding 1.0 in bf16 rank by rank would
// stay at 256. Summing in float and rounding once gives the nearest bf16 to 256 + (n - 1).
TEST(MpiCommunicator, AllReduceSumOfBfloat16RoundsOnceWhenSummedInFloat) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const torch::Tensor tensor =
      torch::full({3}, communicator.rank() == 0 ? 256.0 : 1.0, torch::kBFloat16);
  communicator.all_reduce_sum(tensor);
  const double rounded_once = torch::tensor(256.0 + (n - 1), torch::kBFloat16).item<double>();
  EXPECT_EQ(tensor[0].item<double>(), rounded_once);
}

TEST(MpiCommunicator, AllReduceWritesBackWhenTensorNotContiguous) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const torch::Tensor base = torch::arange(6, torch::kFloat64).reshape({2, 3});
  const torch::Tensor mine = base * (communicator.rank() + 1);
  communicator.all_reduce_sum(mine.t());
  EXPECT_TRUE(torch::equal(mine, base * (n * (n + 1) / 2)));
}

TEST(MpiCommunicator, AllReduceAvgGivesMeanOfRanks) {
  const Communicator communicator = world();
  const torch::Tensor tensor = torch::full({4}, communicator.rank(), torch::kFloat64);
  communicator.all_reduce_avg(tensor);
  EXPECT_TRUE(
      torch::allclose(tensor, torch::full({4}, (communicator.size() - 1) / 2.0, torch::kFloat64)));
}

TEST(MpiCommunicator, AllGatherConcatenatesInRankOrder) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const torch::Tensor row = torch::arange(3, torch::kInt64);
  const torch::Tensor mine = (row + 10 * communicator.rank()).repeat({2, 1});  // [2, 3]
  const torch::Tensor gathered = communicator.all_gather(mine);
  ASSERT_EQ(gathered.sizes(), (std::vector<int64_t>{2 * n, 3}));
  for (int source = 0; source < n; ++source) {
    EXPECT_TRUE(torch::equal(gathered.slice(0, 2 * source, 2 * source + 2),
                             (row + 10 * source).repeat({2, 1})))
        << "block " << source << " of " << gathered;
  }
}

TEST(MpiCommunicator, ReduceScatterSumGivesThisRanksRowsOfTheSum) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const int r = communicator.rank();
  // Row i on rank q holds i + 10 q, so row i of the sum is n i + 10 n (n - 1) / 2 (small enough
  // to be exact in bfloat16 up to n = 5).
  const torch::Tensor rows = torch::arange(2 * n, torch::kFloat32).unsqueeze(1).repeat({1, 3});
  for (const auto dtype : {torch::kFloat32, torch::kBFloat16, torch::kInt32}) {
    const torch::Tensor mine = (rows + 10 * r).to(dtype);
    const torch::Tensor slice = communicator.reduce_scatter_sum(mine);
    const torch::Tensor expected =
        (rows.slice(0, 2 * r, 2 * r + 2) * n + 10 * n * (n - 1) / 2).to(dtype);
    EXPECT_TRUE(torch::equal(slice, expected)) << c10::toString(dtype) << ": " << slice;
  }
}

// The Ulysses exchange: each rank holds its L/n tokens with all H heads; afterwards all L tokens
// with its H/n heads, i.e. exactly the matching slice of the global tensor. The inverse exchange
// restores the input.
TEST(MpiCommunicator, AllToAllTurnsTokenShardsIntoHeadShardsAndBack) {
  const Communicator communicator = world();
  const int64_t n = communicator.size();
  const int64_t r = communicator.rank();
  const int64_t batch = 2, tokens = 3 * n, heads = 2 * n, head_dim = 4;
  const torch::Tensor global = torch::arange(batch * tokens * heads * head_dim, torch::kFloat32)
                                   .reshape({batch, tokens, heads, head_dim});
  const int64_t my_tokens = tokens / n, my_heads = heads / n;
  const torch::Tensor token_shard = global.slice(1, r * my_tokens, (r + 1) * my_tokens);

  const torch::Tensor head_shard = communicator.all_to_all(token_shard, 2, 1);
  EXPECT_TRUE(torch::equal(head_shard, global.slice(2, r * my_heads, (r + 1) * my_heads)));

  const torch::Tensor restored = communicator.all_to_all(head_shard, 1, 2);
  EXPECT_TRUE(torch::equal(restored, token_shard));

  const torch::Tensor bf16_shard = communicator.all_to_all(token_shard.to(torch::kBFloat16), 2, 1);
  EXPECT_TRUE(torch::equal(bf16_shard, head_shard.to(torch::kBFloat16)));
}

TEST(MpiCommunicator, BroadcastCopiesRootTensorToEveryRank) {
  const Communicator communicator = world();
  const int root = communicator.size() - 1;
  const torch::Tensor expected = torch::arange(7, torch::kFloat32).to(torch::kBFloat16);
  const torch::Tensor tensor =
      communicator.rank() == root ? expected.clone() : torch::zeros({7}, torch::kBFloat16);
  communicator.broadcast(tensor, root);
  EXPECT_TRUE(torch::equal(tensor, expected));
}

TEST(MpiCommunicator, SendRecvPassesTensorAroundRing) {
  const Communicator communicator = world();
  const int n = communicator.size();
  const int r = communicator.rank();
  if (n == 1) GTEST_SKIP() << "a ring needs two ranks";
  const int next = (r + 1) % n;
  const int previous = (r + n - 1) % n;
  const torch::Tensor outgoing = torch::arange(4, torch::kInt64) + 10 * r;
  const torch::Tensor incoming = torch::empty({4}, torch::kInt64);
  // Even ranks send first and odd ranks receive first, so blocking sends cannot all wait at once.
  if (r % 2 == 0) {
    communicator.send(outgoing, next);
    communicator.recv(incoming, previous);
  } else {
    communicator.recv(incoming, previous);
    communicator.send(outgoing, next);
  }
  EXPECT_TRUE(torch::equal(incoming, torch::arange(4, torch::kInt64) + 10 * previous));
}

TEST(MpiCommunicator, AllReduceThrowsOnEveryRankWhenDtypeUnsupported) {
  const Communicator communicator = world();
  EXPECT_THROW(communicator.all_reduce_sum(torch::ones({2}, torch::kBool)), RuntimeError);
  communicator.barrier();  // every rank is still in step afterwards
}

TEST(MpiEnvironment, InitializeThrowsWhenMpiAlreadyInitialized) {
  EXPECT_THROW(MpiEnvironment::initialize(nullptr, nullptr), RuntimeError);
}

}  // namespace
}  // namespace vdit::parallel
