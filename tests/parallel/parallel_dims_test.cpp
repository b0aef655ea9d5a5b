#include "parallel/parallel_dims.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace vdit::parallel {
namespace {

// Returns the InputError text `action` throws, failing the test if it throws nothing.
template <typename Action>
std::string input_error_of(Action&& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected vdit::InputError";
  return "";
}

TEST(ParallelDims, CreateKeepsDegreesWhenProductMatchesWorkers) {
  const ParallelDims dims = ParallelDims::create(2, 3, 4, 24);
  EXPECT_EQ(dims.dp(), 2);
  EXPECT_EQ(dims.sp(), 3);
  EXPECT_EQ(dims.tp(), 4);
  EXPECT_EQ(dims.worker_count(), 24);
  EXPECT_EQ(dims.to_string(), "dp(2) x sp(3) x tp(4)");
}

TEST(ParallelDims, CreateNamesEveryFactorWhenProductDiffersFromWorkers) {
  EXPECT_EQ(input_error_of([] { ParallelDims::create(2, 2, 2, 6); }),
            "dp(2) x sp(2) x tp(2) = 8 worker ranks, but there are 6 worker ranks");
}

TEST(ParallelDims, CreateRejectsDegreeWhenBelowOne) {
  EXPECT_EQ(input_error_of([] { ParallelDims::create(0, 1, 4, 0); }),
            "every parallel degree must be at least 1, got dp(0) x sp(1) x tp(4)");
}

TEST(ParallelDims, SingleIsOneWorkerWithoutParallelism) {
  EXPECT_EQ(ParallelDims::single(), ParallelDims::create(1, 1, 1, 1));
}

TEST(ParallelDims, ValidateHeadsNamesValueWhenNotMultipleOfTpTimesSp) {
  const ParallelDims dims = ParallelDims::create(1, 4, 2, 8);
  EXPECT_NO_THROW(dims.validate_heads(16));
  EXPECT_EQ(input_error_of([&] { dims.validate_heads(12, "model.heads"); }),
            "model.heads (12) must be a positive multiple of tp(2) x sp(4) = 8");
}

TEST(ParallelDims, ValidateHiddenNamesValueWhenNotMultipleOfTp) {
  const ParallelDims dims = ParallelDims::create(1, 1, 3, 3);
  EXPECT_NO_THROW(dims.validate_hidden(1152));
  EXPECT_EQ(input_error_of([&] { dims.validate_hidden(1000, "mlp hidden size"); }),
            "mlp hidden size (1000) must be a positive multiple of tp(3)");
}

TEST(ParallelDims, ValidateTokensNamesValueWhenNotMultipleOfSp) {
  const ParallelDims dims = ParallelDims::create(2, 2, 1, 4);
  EXPECT_NO_THROW(dims.validate_tokens(1024));
  EXPECT_EQ(input_error_of([&] { dims.validate_tokens(1001); }),
            "token count (1001) must be a positive multiple of sp(2)");
  EXPECT_THROW(dims.validate_tokens(0), InputError);
}

}  // namespace
}  // namespace vdit::parallel
