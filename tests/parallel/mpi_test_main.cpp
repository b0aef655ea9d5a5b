// main() of the multi-rank tests: one MpiEnvironment for the process, one torch thread per rank,
// rank 0 prints the usual report and other ranks print only their failures, and the exit code is
// non-zero on every rank if any rank failed.
#include <gtest/gtest.h>
#include <mpi.h>
#include <torch/torch.h>

#include <cstdio>

#include "parallel/mpi_environment.h"

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}

  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name(), result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto environment = vdit::parallel::MpiEnvironment::initialize(&argc, &argv);
  // Ranks share the machine's cores; more threads per rank only contend (see ENVIRONMENT.md).
  torch::set_num_threads(1);
  if (environment.world_rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(environment.world_rank()));
  }
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
