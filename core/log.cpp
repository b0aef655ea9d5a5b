#include "core/log.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdlib>

#include "core/error.h"

namespace vdit {
namespace {

// Wall-clock time to milliseconds, the logger's name ("rank N"), the level.
constexpr const char* kLogPattern = "[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v";

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> rank_logger(int rank, spdlog::sink_ptr sink, LogLevel level) {
  auto logger = std::make_shared<spdlog::logger>(fmt::format("rank {}", rank), std::move(sink));
  logger->set_pattern(kLogPattern);
  logger->set_level(spdlog_level(level));
  return logger;
}

}  // namespace

LogLevel parse_log_level(const std::string& text) {
  static constexpr std::array<std::pair<const char*, LogLevel>, 5> kLevels = {{
      {"trace", LogLevel::kTrace},
      {"debug", LogLevel::kDebug},
      {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},
      {"error", LogLevel::kError},
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

void install_process_logger(int rank, LogLevel level) {
  // The stderr sink flushes every line, so a log file under Slurm is current when a job dies.
  spdlog::set_default_logger(
      rank_logger(rank, std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), level));
}

void set_log_level(LogLevel level) { spdlog::default_logger_raw()->set_level(spdlog_level(level)); }

void log_line(LogLevel level, std::string_view text) {
  spdlog::default_logger_raw()->log(spdlog_level(level), text);
}

ScopedLogStream::ScopedLogStream(std::ostream& out, int rank, LogLevel level)
    : previous_(spdlog::default_logger()) {
  spdlog::set_default_logger(
      rank_logger(rank, std::make_shared<spdlog::sinks::ostream_sink_mt>(out), level));
}

ScopedLogStream::~ScopedLogStream() { spdlog::set_default_logger(previous_); }

}  // namespace vdit
