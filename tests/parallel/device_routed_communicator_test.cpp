#include "parallel/device_routed_communicator.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "tests/parallel/recording_backend.h"

namespace vdit::parallel {
namespace {

using testing::RecordingBackend;

TEST(DeviceRoutedCommunicator, SendsCpuTensorsToHostAndOthersToDevice) {
  auto host = std::make_shared<RecordingBackend>(1, 2);
  auto device = std::make_shared<RecordingBackend>(1, 2);
  DeviceRoutedCommunicator routed(host, device);
  routed.all_reduce_sum(torch::ones({2}));
  // A meta tensor stands in for a CUDA one: Debian's LibTorch cannot allocate on CUDA.
  routed.broadcast(torch::empty({2}, torch::Device(torch::kMeta)), 0);
  routed.barrier();
  EXPECT_EQ(host->calls, (std::vector<std::string>{"all_reduce_sum", "barrier"}));
  EXPECT_EQ(device->calls, (std::vector<std::string>{"broadcast"}));
}

TEST(DeviceRoutedCommunicator, ThrowsWhenBackendsSpanDifferentGroups) {
  EXPECT_THROW(DeviceRoutedCommunicator(std::make_shared<RecordingBackend>(0, 2),
                                        std::make_shared<RecordingBackend>(0, 4)),
               RuntimeError);
}

}  // namespace
}  // namespace vdit::parallel
