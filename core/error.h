// Typed errors. The CLI maps them to exit codes: usage/config errors -> 2, runtime -> 1.
#pragma once

#include <stdexcept>
#include <string>

namespace vdit {

// A failure at run time: I/O, a library call, a worker that went silent. Exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Input the user can fix: a config field, a flag, a shard, a checkpoint. Exit code 2.
// Messages name the file, the field, the value found and the value expected.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit codes of the vdit binary.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,
  kExitInputError = 2,
  // The run stopped on SIGUSR1/SIGUSR2/SIGTERM after saving: the job should be requeued.
  kExitRequeue = 75,
};

}  // namespace vdit
