#include "worker/worker_device.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "core/error.h"

namespace vdit {
namespace {

TrainingConfig training_on(const std::string& device) {
  TrainingConfig training;
  training.device = device;
  return training;
}

std::string device_error(const CudaAvailability& cuda) {
  try {
    check_device_available(training_on("cuda"), "run.toml", cuda);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(WorkerDevice, CudaIsRefusedNamingTheFieldAndWhyItIsMissing) {
  const std::string no_cuda = device_error({false, 0});
  EXPECT_EQ(no_cuda.rfind("run.toml: training.device: found \"cuda\", but this LibTorch has no "
                          "CUDA",
                          0),
            0u)
      << no_cuda;
  const std::string no_gpu = device_error({true, 0});
  EXPECT_EQ(no_gpu.rfind("run.toml: training.device: found \"cuda\", but no GPU is visible", 0), 0u)
      << no_gpu;
  EXPECT_EQ(device_error({true, 1}), "");
}

TEST(WorkerDevice, TakesGpuLocalRankModuloDeviceCount) {
  const CudaAvailability four_gpus{true, 4};
  EXPECT_EQ(choose_worker_device(training_on("cuda"), "run.toml", four_gpus, 1),
            torch::Device(torch::kCUDA, 1));
  EXPECT_EQ(choose_worker_device(training_on("cuda"), "run.toml", four_gpus, 6),
            torch::Device(torch::kCUDA, 2));
  EXPECT_EQ(choose_worker_device(training_on("cpu"), "run.toml", four_gpus, 6),
            torch::Device(torch::kCPU));
}

// Restores a variable of the test process's environment on exit.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedVariable() {
    if (old_.empty()) {
      unsetenv(name_);
    } else {
      setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

TEST(WorkerDevice, LocalRankComesFromOpenMpiThenSlurm) {
  {
    ScopedVariable ompi("OMPI_COMM_WORLD_LOCAL_RANK", "3"), slurm("SLURM_LOCALID", "5");
    EXPECT_EQ(launcher_local_rank(), 3);
  }
  {
    ScopedVariable ompi("OMPI_COMM_WORLD_LOCAL_RANK", nullptr), slurm("SLURM_LOCALID", "5");
    EXPECT_EQ(launcher_local_rank(), 5);
  }
  {
    ScopedVariable ompi("OMPI_COMM_WORLD_LOCAL_RANK", nullptr), slurm("SLURM_LOCALID", nullptr);
    EXPECT_EQ(launcher_local_rank(), 0);
  }
  ScopedVariable ompi("OMPI_COMM_WORLD_LOCAL_RANK", "two");
  try {
    launcher_local_rank();
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("OMPI_COMM_WORLD_LOCAL_RANK: found \"two\""),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace vdit
