#include "core/host_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace vdit {
namespace {

std::string write_meminfo(const std::string& text) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("vdit_meminfo_test_" + std::to_string(::getpid())))
          .string();
  std::ofstream(path) << text;
  return path;
}

TEST(AvailableMemoryBytes, ReadsMemAvailableInBytes) {
  const std::string path = write_meminfo(
      "MemTotal:       16384000 kB\nMemFree:          123456 kB\nMemAvailable:    8000000 kB\n");
  EXPECT_EQ(available_memory_bytes(path), int64_t{8000000} * 1024);
  std::filesystem::remove(path);
}

TEST(AvailableMemoryBytes, IsUnknownWhenTheLineOrFileIsMissing) {
  const std::string path = write_meminfo("MemTotal:       16384000 kB\n");
  EXPECT_EQ(available_memory_bytes(path), std::nullopt);
  std::filesystem::remove(path);
  EXPECT_EQ(available_memory_bytes(path), std::nullopt);
}

TEST(AvailableMemoryBytes, FindsThisMachinesMemory) {
  const std::optional<int64_t> bytes = available_memory_bytes();
  ASSERT_TRUE(bytes.has_value());
  EXPECT_GT(*bytes, 0);
}

TEST(PeakResidentBytes, ReadsVmHwmInBytes) {
  const std::string path =
      write_meminfo("Name:\tvdit\nVmPeak:\t  900000 kB\nVmHWM:\t  250000 kB\nVmRSS:\t  1000 kB\n");
  EXPECT_EQ(peak_resident_bytes(path), int64_t{250000} * 1024);
  std::filesystem::remove(path);
}

// A process that has touched 64 MB holds at least that much at its peak.
TEST(PeakResidentBytes, CoversMemoryThisProcessTouched) {
  std::vector<char> block(64 << 20, 1);
  // The filled block escapes, so the compiler cannot drop it.
  asm volatile("" : : "r"(block.data()) : "memory");
  const std::optional<int64_t> bytes = peak_resident_bytes();
  ASSERT_TRUE(bytes.has_value());
  EXPECT_GE(*bytes, static_cast<int64_t>(block.size()));
}

TEST(DescribeBytes, UsesDecimalUnits) {
  EXPECT_EQ(describe_bytes(512), "512 B");
  EXPECT_EQ(describe_bytes(1.5e9), "1.5 GB");
  EXPECT_EQ(describe_bytes(640e6), "640 MB");
}

}  // namespace
}  // namespace vdit
