// The process's logger: every log line, on any rank, carries time, rank and level, on stderr.
//
// One spdlog logger per process, built by main() at start-up (install_process_logger) and
// registered once as spdlog's default logger; spdlog keeps it, nothing else in vdit holds logger
// state, and any layer logs with log_info(...) / log_warn(...) without a logger threaded through
// every constructor. spdlog stays behind this header (linked privately by vdit_core), so the rest
// of the code compiles without its headers and definitions. Command results a user reads or pipes
// (tables, "wrote FILE", JSON) stay on stdout through fmt::print.
#pragma once

#include <fmt/core.h>

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace spdlog {
class logger;
}

namespace vdit {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };

// "trace" | "debug" | "info" | "warn" | "error" -> its level; InputError naming --log-level, the
// value found and the values expected otherwise.
LogLevel parse_log_level(const std::string& text);

// This process's world rank as its launcher announced it (OMPI_COMM_WORLD_RANK from mpirun,
// PMIX_RANK from srun --mpi=pmix, PMI_RANK, SLURM_PROCID), before MPI_Init: it equals the
// MPI_COMM_WORLD rank MPI assigns. 0 without a launcher (one process: coordinator and worker).
int launcher_rank();

// Registers the logger of this process as spdlog's default: stderr, lines as
//   [2026-12-03 09:41:07.123] [rank 2] [info] text
// (level names colored on a terminal). Called once, by main().
void install_process_logger(int rank, LogLevel level);
void set_log_level(LogLevel level);

// One line through the process's logger (spdlog's own default logger, on stdout, before main()
// installs one, e.g. in unit tests).
void log_line(LogLevel level, std::string_view text);

template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kDebug, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kWarn, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  log_line(LogLevel::kError, fmt::format(format, std::forward<Args>(args)...));
}

// For tests: log lines go to `out`, with the same pattern, until this is destroyed; then the
// logger before it is back.
class ScopedLogStream {
 public:
  ScopedLogStream(std::ostream& out, int rank, LogLevel level);
  ~ScopedLogStream();
  ScopedLogStream(const ScopedLogStream&) = delete;
  ScopedLogStream& operator=(const ScopedLogStream&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace vdit
