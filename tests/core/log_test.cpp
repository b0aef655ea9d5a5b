#include "core/log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "core/error.h"

namespace vdit {
namespace {

TEST(ProcessLogger, PrefixesEachLineWithTimeRankAndLevel) {
  std::ostringstream out;
  {
    const ScopedLogStream log(out, 3, LogLevel::kInfo);
    log_warn("step {}: disk full", 4);
  }
  EXPECT_TRUE(
      std::regex_match(out.str(), std::regex(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] )"
                                             R"(\[rank 3\] \[warning\] step 4: disk full\n)")))
      << out.str();
}

TEST(ProcessLogger, DropsLinesBelowItsLevel) {
  std::ostringstream out;
  {
    const ScopedLogStream log(out, 0, parse_log_level("warn"));
    log_info("hidden");
    log_debug("hidden too");
    log_error("shown");
  }
  EXPECT_EQ(out.str().find("hidden"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("[rank 0] [error] shown"), std::string::npos) << out.str();
}

TEST(ProcessLogger, SetLogLevelChangesWhatPassesAfterwards) {
  std::ostringstream out;
  {
    const ScopedLogStream log(out, 1, LogLevel::kInfo);
    log_debug("before");
    set_log_level(LogLevel::kDebug);
    log_debug("after");
  }
  EXPECT_EQ(out.str().find("before"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("[rank 1] [debug] after"), std::string::npos) << out.str();
}

TEST(ParseLogLevel, AcceptsTheFiveLevelNames) {
  EXPECT_EQ(parse_log_level("trace"), LogLevel::kTrace);
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::kInfo);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::kError);
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
