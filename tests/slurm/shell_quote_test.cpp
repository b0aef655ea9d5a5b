// Hostile values survive shell quoting byte for byte and run nothing.
#include "slurm/shell_quote.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "slurm/command_runner.h"
#include "tests/slurm/hostile_names.h"

namespace vdit::slurm {
namespace {

namespace fs = std::filesystem;

TEST(ShellQuote, BashReadsBackEveryHostileValueExactlyAndRunsNothing) {
  const fs::path folder = fs::temp_directory_path() / ("vdit_quote_" + std::to_string(getpid()));
  fs::create_directories(folder);
  for (const std::string& value : testing::hostile_values(folder.string())) {
    const std::string script = "value=" + shell_quote(value, "test") + "\nprintf '%s' \"$value\"";
    const CommandResult result = run_command({"bash", {"-c", script}});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, value);
  }
  EXPECT_FALSE(fs::exists(folder / "INJECTED")) << "a quoted value ran a command";
  fs::remove_all(folder);
}

TEST(ShellQuote, RefusesANulByteNamingTheValue) {
  try {
    shell_quote(std::string("a\0b", 3), "--run-dir");
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("--run-dir"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace vdit::slurm
