#include "slurm/command_runner.h"

#include <fmt/core.h>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <future>

#include <sys/wait.h>

#include "core/error.h"

namespace vdit::slurm {

namespace bp = boost::process;

std::string CommandResult::message() const {
  std::string text = err.empty() ? out : err;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string describe(const Command& command) {
  std::string text = command.program;
  for (const auto& arg : command.args) text += " " + arg;
  return text;
}

CommandResult run_command(const Command& command) {
  // A path is used as given; a bare name is looked up on PATH.
  const boost::filesystem::path program = command.program.find('/') != std::string::npos
                                              ? boost::filesystem::path(command.program)
                                              : bp::search_path(command.program);
  if (program.empty() || !boost::filesystem::exists(program)) {
    throw RuntimeError(fmt::format(
        "{} is not on PATH: vdit's Slurm commands need Slurm's client tools (Debian: "
        "slurm-client)",
        command.program));
  }
  bp::environment environment = boost::this_process::environment();
  for (const auto& [name, value] : command.environment) {
    if (value) {
      environment[name] = *value;
    } else {
      environment.erase(name);
    }
  }
  boost::asio::io_context io;
  std::future<std::string> out, err;
  CommandResult result;
  try {
    // Both pipes drain concurrently through the io_context, so neither can fill up and stall.
    // stdin from /dev/null, not closed: a daemon started here (the tests start slurmd) would
    // otherwise get its first socket or log file as fd 0 and lose it when it daemonizes.
    bp::child child(program, bp::args(command.args), bp::std_in < "/dev/null", bp::std_out > out,
                    bp::std_err > err, bp::env(environment),
                    bp::start_dir(command.working_dir.empty() ? "." : command.working_dir), io);
    io.run();
    child.wait();
    result.exit_code = child.exit_code();
    const int native = child.native_exit_code();
    if (WIFSIGNALED(native)) result.exit_code = 128 + WTERMSIG(native);
  } catch (const bp::process_error& error) {
    throw RuntimeError(fmt::format("{}: cannot run: {}", describe(command), error.what()));
  }
  result.out = out.get();
  result.err = err.get();
  return result;
}

}  // namespace vdit::slurm
