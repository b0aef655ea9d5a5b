// How much memory this machine can still give a process (MemAvailable), for refusing oversized
// work, and how much this process has used at most (VmHWM), for reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vdit {

// MemAvailable from `meminfo` (Linux's /proc/meminfo format, "MemAvailable:  123456 kB"), in
// bytes; nullopt when the file or the line is missing (not Linux, or a kernel before 3.14).
std::optional<int64_t> available_memory_bytes(const std::string& meminfo = "/proc/meminfo");

// This process's peak resident set size (VmHWM in Linux's /proc/self/status format, "VmHWM:
// 123456 kB"), in bytes; nullopt when the file or the line is missing.
std::optional<int64_t> peak_resident_bytes(const std::string& status = "/proc/self/status");

// "1.5 GB", "640 MB", "12 kB": for messages.
std::string describe_bytes(double bytes);

}  // namespace vdit
