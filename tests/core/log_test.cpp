#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "core/error.h"

namespace vdit {
namespace {

TEST(ProcessLogger, PrefixesEachLineWithTimeRankAndLevel) {
  std::ostringstream out;
  const auto logger = make_rank_logger(3, std::make_shared<spdlog::sinks::ostream_sink_mt>(out),
                                       spdlog::level::info);
  logger->warn("step {}: disk full", 4);
  EXPECT_TRUE(std::regex_match(
      out.str(),
      std::regex(
          R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[rank 3\] \[warning\] step 4: disk full\n)")))
      << out.str();
}

TEST(ProcessLogger, DropsLinesBelowItsLevel) {
  std::ostringstream out;
  const auto logger = make_rank_logger(0, std::make_shared<spdlog::sinks::ostream_sink_mt>(out),
                                       parse_log_level("warn"));
  logger->info("hidden");
  logger->debug("hidden too");
  logger->error("shown");
  EXPECT_EQ(out.str().find("hidden"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("[rank 0] [error] shown"), std::string::npos) << out.str();
}

TEST(ParseLogLevel, AcceptsTheFiveLevelNames) {
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
}

TEST(ParseLogLevel, NamesTheFlagAndTheChoicesWhenTheLevelIsUnknown) {
  try {
    parse_log_level("verbose");
    FAIL() << "accepted \"verbose\"";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(),
                 "--log-level: found \"verbose\", expected one of trace, debug, info, warn, error");
  }
}

TEST(LauncherRank, ReadsTheLaunchersRankAndIsZeroWithoutOne) {
  for (const char* variable : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    ::unsetenv(variable);
  }
  EXPECT_EQ(launcher_rank(), 0);
  ::setenv("SLURM_PROCID", "7", 1);
  EXPECT_EQ(launcher_rank(), 7);
  ::setenv("OMPI_COMM_WORLD_RANK", "5", 1);
  EXPECT_EQ(launcher_rank(), 5) << "mpirun's variable comes first";
  ::unsetenv("OMPI_COMM_WORLD_RANK");
  ::unsetenv("SLURM_PROCID");
}

}  // namespace
}  // namespace vdit
