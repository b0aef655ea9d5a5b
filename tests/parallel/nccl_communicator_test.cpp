// The NCCL bootstrap under mpirun (builds with -DVDIT_WITH_NCCL=ON only). Debian's LibTorch cannot
// allocate CUDA tensors, so this checks bootstrap and teardown, not collectives on data.
#include "parallel/nccl/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <string>

#include "core/error.h"

namespace vdit::parallel {
namespace {

int visible_gpus() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess ? count : 0;
}

TEST(NcclCommunicator, BootstrapThrowsOnEveryRankWhenNoGpu) {
  if (visible_gpus() > 0) GTEST_SKIP() << "a GPU is visible";
  try {
    NcclCommunicator::bootstrap(MPI_COMM_WORLD, 0);
    ADD_FAILURE() << "expected vdit::RuntimeError";
  } catch (const RuntimeError& error) {
    // The check macros name the failing call's file and line.
    EXPECT_NE(std::string(error.what()).find("nccl_comm_handle.cpp:"), std::string::npos)
        << error.what();
    std::printf("bootstrap without a GPU: %s\n", error.what());
  }
  MPI_Barrier(MPI_COMM_WORLD);  // every rank got its error; none waits in ncclCommInitRank
}

TEST(NcclCommunicator, BootstrapMatchesMpiRanksWhenEachRankHasAGpu) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (visible_gpus() < size) GTEST_SKIP() << "needs one GPU per rank";
  const auto communicator = NcclCommunicator::bootstrap(MPI_COMM_WORLD, rank);
  EXPECT_EQ(communicator->rank(), rank);
  EXPECT_EQ(communicator->size(), size);
  communicator->barrier();
}

}  // namespace
}  // namespace vdit::parallel
