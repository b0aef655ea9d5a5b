#include "worker/device_peak.h"

#include <gtest/gtest.h>

namespace vdit {
namespace {

TEST(DatasheetPeakFlops, NamesTheDenseTensorCorePeakOfKnownGpus) {
  EXPECT_EQ(datasheet_peak_flops("NVIDIA H200", "bf16"), 989.4e12);
  EXPECT_EQ(datasheet_peak_flops("NVIDIA H100 80GB HBM3", "bf16"), 989.4e12);
  EXPECT_EQ(datasheet_peak_flops("NVIDIA H100 PCIe", "bf16"), 756.0e12);
  EXPECT_EQ(datasheet_peak_flops("NVIDIA A100-SXM4-80GB", "bf16"), 312.0e12);
  EXPECT_EQ(datasheet_peak_flops("NVIDIA A100-SXM4-80GB", "fp32"), 19.5e12);
}

TEST(DatasheetPeakFlops, IsUnknownForAnUnlistedDevice) {
  EXPECT_EQ(datasheet_peak_flops("NVIDIA GeForce GTX 1080", "bf16"), std::nullopt);
  EXPECT_EQ(datasheet_peak_flops("cpu", "fp32"), std::nullopt);
}

}  // namespace
}  // namespace vdit
