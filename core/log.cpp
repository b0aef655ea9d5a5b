#include "core/log.h"

#include <fmt/core.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "core/error.h"

namespace vdit {

spdlog::level::level_enum parse_log_level(const std::string& text) {
  static constexpr std::array<std::pair<const char*, spdlog::level::level_enum>, 5> kLevels = {{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
  }};
  for (const auto& [name, level] : kLevels) {
    if (text == name) return level;
  }
  throw InputError(fmt::format(
      "--log-level: found \"{}\", expected one of trace, debug, info, warn, error", text));
}

int launcher_rank() {
  for (const char* variable : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr) continue;
    int rank = 0;
    const char* end = value + std::char_traits<char>::length(value);
    const auto [last, error] = std::from_chars(value, end, rank);
    if (error == std::errc() && last == end && rank >= 0) return rank;
  }
  return 0;
}

std::shared_ptr<spdlog::logger> make_rank_logger(int rank, spdlog::sink_ptr sink,
                                                 spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>(fmt::format("rank {}", rank), std::move(sink));
  logger->set_pattern(kLogPattern);
  logger->set_level(level);
  return logger;
}

std::shared_ptr<spdlog::logger> make_process_logger(int rank, spdlog::level::level_enum level) {
  // The stderr sink flushes every line, so a log file under Slurm is current when a job dies.
  return make_rank_logger(rank, std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), level);
}

}  // namespace vdit
