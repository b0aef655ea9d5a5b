// `vdit submit --dry-run` against committed golden scripts, and user errors (exit 2, naming the
// flag or field), without a Slurm: nothing here submits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "slurm/command_runner.h"
#include "slurm/shell_quote.h"

namespace vdit::slurm {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(VDIT_SOURCE_DIR) / "tests/slurm/golden";

CommandResult vdit(const std::vector<std::string>& args) { return run_command({VDIT_BINARY, args}); }

std::string read(const fs::path& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

// The dry-run script with this build's vdit path replaced by a fixed one, so it can be committed.
std::string dry_run_script(const std::string& launcher) {
  const CommandResult result =
      vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--run-dir", "/shared/runs/dit b",
            "--dry-run", "--cpus-per-worker", "8", "--qos", "high", "--constraint", "a100&ib",
            "--launcher", launcher});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::string script = result.out;
  const std::string binary = shell_quote(VDIT_BINARY, "vdit");
  for (size_t at; (at = script.find(binary)) != std::string::npos;)
    script.replace(at, binary.size(), "'/opt/vdit/bin/vdit'");
  return script;
}

// Set VDIT_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change (then review the
// diff).
void expect_golden(const std::string& actual, const fs::path& golden) {
  if (std::getenv("VDIT_UPDATE_GOLDEN") != nullptr) std::ofstream(golden) << actual;
  EXPECT_EQ(actual, read(golden)) << "differs from " << golden
                                  << " (VDIT_UPDATE_GOLDEN=1 rewrites it)";
}

TEST(SubmitDryRun, MatchesTheGoldenScriptForTwoNodesOfFourGpusWithSrun) {
  expect_golden(dry_run_script("srun"), kGolden / "srun-2x4.sbatch");
}

TEST(SubmitDryRun, MatchesTheGoldenScriptForTwoNodesOfFourGpusWithMpirun) {
  expect_golden(dry_run_script("mpirun"), kGolden / "mpirun-2x4.sbatch");
}

TEST(SubmitDryRun, GoldenScriptsAreValidBash) {
  for (const char* name : {"srun-2x4.sbatch", "mpirun-2x4.sbatch"}) {
    const CommandResult result = run_command({"bash", {"-n", (kGolden / name).string()}});
    EXPECT_EQ(result.exit_code, 0) << name << ": " << result.err;
  }
}

TEST(SubmitDryRun, WritesNothing) {
  const fs::path run = fs::temp_directory_path() / ("vdit_dry_" + std::to_string(getpid()));
  const CommandResult result =
      vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--run-dir", run.string(), "--dry-run"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(fs::exists(run));
}

// Hostile paths: the script parses, and its value lines give bash back exactly the paths.
TEST(SubmitDryRun, HostileRunFolderAndConfigPathsCannotBreakOrInjectIntoTheScript) {
  const fs::path root = fs::temp_directory_path() / ("vdit_hostile_" + std::to_string(getpid()));
  const fs::path run = root / "run 'q' \"dq\" $(touch INJECTED) `touch INJECTED` *";
  const fs::path config = root / "con'fig $(touch INJECTED)\n.toml";
  fs::create_directories(root);
  std::ofstream(config) << "[training]\nsteps = 2\n";
  const CommandResult result =
      vdit({"submit", config.string(), "--run-dir", run.string(), "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& script = result.out;
  EXPECT_EQ(run_command({"bash", {"-n", "-c", script}}).exit_code, 0);
  // The job name is the only place the run's name reaches a #SBATCH line: sanitized.
  EXPECT_NE(script.find("#SBATCH --job-name=vdit-run__q___dq____touch_INJECTED___touch_INJECTED___\n"),
            std::string::npos)
      << script;
  // Run the script's value block (up to `chain=`) and print the values bash sees.
  const std::string values = script.substr(0, script.find("chain="));
  const CommandResult read_back = run_command(
      {"bash", {"-c", values + "printf '%s\\n%s' \"$run_dir\" \"$config\""}, root.string()});
  ASSERT_EQ(read_back.exit_code, 0) << read_back.err;
  EXPECT_EQ(read_back.out, run.string() + "\n" + (run / "config.toml").string());
  EXPECT_FALSE(fs::exists(root / "INJECTED"));
  fs::remove_all(root);
}

TEST(SubmitErrors, FlagErrorExitsTwoNamingTheFlagAndValue) {
  const CommandResult result = vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--run-dir",
                                     "/tmp/x", "--dry-run", "--signal-lead", "ten"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--signal-lead: found 'ten', expected a whole number"),
            std::string::npos)
      << result.err;
}

TEST(SubmitErrors, ConfigFieldErrorExitsTwoNamingTheFileAndField) {
  const fs::path config = fs::temp_directory_path() / ("vdit_bad_" + std::to_string(getpid()) + ".toml");
  std::ofstream(config) << "[slurm]\nlauncher = \"ssh\"\n";
  const CommandResult result = vdit({"submit", config.string(), "--run-dir", "/tmp/x", "--dry-run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(config.string() + ": slurm.launcher: found 'ssh', expected srun or mpirun"),
            std::string::npos)
      << result.err;
  fs::remove(config);
}

TEST(SubmitErrors, MeshThatDoesNotFitTheJobExitsTwo) {
  const CommandResult result = vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--run-dir",
                                     "/tmp/x", "--dry-run", "--nodes", "1"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("= 8 worker ranks, but the job has 1 nodes x 4 workers per node"),
            std::string::npos)
      << result.err;
}

TEST(SubmitErrors, RunFolderWithANewlineExitsTwoSayingWhy) {
  const CommandResult result = vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--run-dir",
                                     "/tmp/a\nb", "--dry-run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--run-dir: found a path with a newline"), std::string::npos)
      << result.err;
}

TEST(SubmitErrors, MissingRunDirExitsTwo) {
  const CommandResult result = vdit({"submit", (kGolden / "gpu-2x4.toml").string(), "--dry-run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--run-dir: missing"), std::string::npos) << result.err;
}

TEST(SubmitErrors, EvalSweepsAreNotOfferedYet) {
  const CommandResult result = vdit({"submit-eval", "sweep.toml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown command 'submit-eval'"), std::string::npos) << result.err;
}

TEST(StatusCommand, RunWithoutJobsSaysSoWithoutNeedingSlurm) {
  const fs::path run = fs::temp_directory_path() / ("vdit_status_" + std::to_string(getpid()));
  fs::create_directories(run);
  const CommandResult result = vdit({"status", run.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("no Slurm job was submitted for this run"), std::string::npos)
      << result.out;
  fs::remove_all(run);
}

TEST(StatusCommand, MissingRunFolderExitsTwo) {
  const CommandResult result = vdit({"status", "/nonexistent/run"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("RUN: found '/nonexistent/run', expected a run folder"),
            std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace vdit::slurm
