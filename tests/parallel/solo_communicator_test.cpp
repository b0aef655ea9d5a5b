#include "parallel/solo_communicator.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"

namespace vdit::parallel {
namespace {

TEST(SoloCommunicator, IsRankZeroOfOne) {
  const Communicator solo = make_solo_communicator();
  EXPECT_EQ(solo.rank(), 0);
  EXPECT_EQ(solo.size(), 1);
  EXPECT_STREQ(solo.backend_name(), "solo");
}

TEST(SoloCommunicator, ReductionsAndBroadcastLeaveTensorUnchanged) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor expected = torch::arange(6, torch::kFloat32).reshape({2, 3});
  const torch::Tensor tensor = expected.clone();
  solo.all_reduce_sum(tensor);
  solo.all_reduce_avg(tensor);
  solo.broadcast(tensor, 0);
  solo.barrier();
  EXPECT_TRUE(torch::equal(tensor, expected));
}

TEST(SoloCommunicator, GathersAndExchangesReturnInputValuesInInputShape) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor input = torch::randn({4, 3, 2});
  const torch::Tensor gathered = solo.all_gather(input);
  const torch::Tensor scattered = solo.reduce_scatter_sum(input);
  const torch::Tensor exchanged = solo.all_to_all(input, /*scatter_dim=*/2, /*gather_dim=*/1);
  for (const torch::Tensor& output : {gathered, scattered, exchanged}) {
    EXPECT_EQ(output.sizes(), input.sizes());
    EXPECT_TRUE(torch::equal(output, input));
    EXPECT_FALSE(output.is_same(input));  // a fresh tensor, as from a real group
  }
}

TEST(SoloCommunicator, AcceptsNonContiguousInput) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor input = torch::randn({3, 5}).t();
  EXPECT_TRUE(torch::equal(solo.all_gather(input), input));
}

TEST(SoloCommunicator, SendAndRecvThrowBecauseNoPeerExists) {
  const Communicator solo = make_solo_communicator();
  const torch::Tensor tensor = torch::zeros({2});
  EXPECT_THROW(solo.send(tensor, 0), RuntimeError);
  EXPECT_THROW(solo.recv(tensor, 0), RuntimeError);
  EXPECT_THROW(solo.send(tensor, 1), RuntimeError);
}

}  // namespace
}  // namespace vdit::parallel
