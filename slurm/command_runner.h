// Runs a program (sbatch, squeue, scontrol, scancel) to completion and captures what it printed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vdit::slurm {

struct Command {
  std::string program;  // a path, or a name looked up on PATH
  std::vector<std::string> args;
  std::string working_dir;  // empty: the current one
  // Environment changes on top of ours: a value sets the variable, nullopt removes it.
  std::map<std::string, std::optional<std::string>> environment;
};

struct CommandResult {
  int exit_code = -1;  // 128 + N when a signal N ended it
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0; }
  // "sbatch: error: ..." trimmed, for messages: stderr, or stdout when stderr is empty.
  std::string message() const;
};

// Runs `command` with stdin from /dev/null and waits for it. Throws RuntimeError when the program is not on
// PATH or cannot start (saying which, and that Slurm's client tools are needed).
CommandResult run_command(const Command& command);

// "sbatch --parsable job.sbatch" for messages (arguments shown as given, unquoted).
std::string describe(const Command& command);

}  // namespace vdit::slurm
