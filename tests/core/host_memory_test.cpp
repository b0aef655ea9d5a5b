#include "core/host_memory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

TEST(DescribeBytes, UsesDecimalUnits) {
  EXPECT_EQ(describe_bytes(512), "512 B");
  EXPECT_EQ(describe_bytes(1.5e9), "1.5 GB");
  EXPECT_EQ(describe_bytes(640e6), "640 MB");
}

}  // namespace
}  // namespace vdit
