// The process's logger: every log line, on any rank, carries time, rank and level, on stderr.
//
// One logger per process, built by main() at start-up and registered once as spdlog's default
// logger (spdlog keeps it; nothing else in vdit holds logger state), so any layer logs with
// spdlog::info(...) / spdlog::warn(...) without a logger threaded through every constructor.
// Command results a user reads or pipes (tables, "wrote FILE", JSON) stay on stdout via fmt::print.
#pragma once

#include <spdlog/common.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace vdit {

// "[2026-12-03 09:41:07.123] [rank 2] [info] text": wall-clock time to milliseconds.
inline constexpr const char* kLogPattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";

// "trace" | "debug" | "info" | "warn" | "error" -> its level; InputError naming --log-level, the
// value found and the values expected otherwise.
spdlog::level::level_enum parse_log_level(const std::string& text);

// This process's world rank as its launcher announced it (OMPI_COMM_WORLD_RANK from mpirun,
// PMIX_RANK from srun --mpi=pmix, PMI_RANK, SLURM_PROCID), before MPI_Init: it equals the
// MPI_COMM_WORLD rank MPI assigns. 0 without a launcher (one process: coordinator and worker).
int launcher_rank();

// A logger named "rank <rank>" writing to `sink` with kLogPattern, at `level`.
std::shared_ptr<spdlog::logger> make_rank_logger(int rank, spdlog::sink_ptr sink,
                                                 spdlog::level::level_enum level);

// The logger main() registers: make_rank_logger on stderr (level names colored on a terminal).
std::shared_ptr<spdlog::logger> make_process_logger(int rank, spdlog::level::level_enum level);

}  // namespace vdit
