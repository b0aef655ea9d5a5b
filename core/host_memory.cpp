#include "core/host_memory.h"

#include <fmt/core.h>

#include <fstream>
#include <iterator>

namespace vdit {

namespace {

// The "<key> <n> kB" line of a /proc file, in bytes.
std::optional<int64_t> kilobyte_field(const std::string& path, const std::string& wanted) {
  std::ifstream file(path);
  std::string key;
  while (file >> key) {
    if (key == wanted) {
      int64_t kilobytes = -1;
      std::string unit;
      if (!(file >> kilobytes >> unit) || kilobytes < 0 || unit != "kB") return std::nullopt;
      return kilobytes * 1024;
    }
    file.ignore(1 << 16, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> available_memory_bytes(const std::string& meminfo) {
  return kilobyte_field(meminfo, "MemAvailable:");
}

std::optional<int64_t> peak_resident_bytes(const std::string& status) {
  return kilobyte_field(status, "VmHWM:");
}

std::string describe_bytes(double bytes) {
  constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000;
    ++unit;
  }
  return fmt::format(bytes < 10 && unit > 0 ? "{:.1f} {}" : "{:.0f} {}", bytes, kUnits[unit]);
}

}  // namespace vdit
