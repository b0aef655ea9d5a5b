#include "slurm/task_launch.h"

#include <fmt/core.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

extern char** environ;

namespace vdit::slurm {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGUSR1:
      return "USR1";
    case SIGUSR2:
      return "USR2";
    case SIGTERM:
      return "TERM";
    case SIGINT:
      return "INT";
    default:
      return std::to_string(signal);
  }
}

std::vector<char*> argv_of(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

// `mask` plus the stop signals. vdit train starts with them blocked and unblocks them once its
// handlers are in place (core/stop_signals.cpp): a warning that comes while it loads is held, not
// fatal (SIGUSR2's default action ends the process).
sigset_t start_up_mask(const sigset_t& mask) {
  sigset_t blocked = mask;
  for (const int signal : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT}) sigaddset(&blocked, signal);
  return blocked;
}

// Runs the command as a child with the stop signals blocked here: they are taken synchronously
// with sigwaitinfo and passed on (the launcher may signal only this process, or the whole task;
// a second delivery is harmless because vdit train acts on the first). No handler, no global.
int run_as_child(const TaskRequest& request) {
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (const int signal : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGCHLD}) sigaddset(&forwarded, signal);
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &forwarded, &previous);

  // The child starts with the stop signals blocked too (see start_up_mask).
  const sigset_t child_mask = start_up_mask(previous);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setsigmask(&attributes, &child_mask);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv = argv_of(request.command);
  pid_t child = 0;
  const int spawned = posix_spawnp(&child, argv[0], nullptr, &attributes, argv.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    throw RuntimeError(
        fmt::format("vdit slurm task: cannot start {}: {}", argv[0], std::strerror(spawned)));
  }

  TaskExit exit;
  while (true) {
    siginfo_t info{};
    const int signal = sigwaitinfo(&forwarded, &info);
    if (signal < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (signal == SIGCHLD) {
      int status = 0;
      const pid_t done = waitpid(child, &status, WNOHANG);
      if (done != child) continue;  // another child, or a stop/continue report
      exit.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (exit.signal.empty()) {
      exit.signal = signal_name(signal);
      exit.signal_time = std::time(nullptr);
    }
    kill(child, signal);
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (!request.exit_file.empty()) write_task_exit(request.exit_file, exit);
  return exit.exit_code;
}

}  // namespace

TaskEnvironment TaskEnvironment::from_process() {
  return {variable("OMPI_COMM_WORLD_RANK"), variable("PMIX_RANK"), variable("SLURM_PROCID"),
          variable("CUDA_VISIBLE_DEVICES")};
}

int world_rank_of(const TaskEnvironment& environment) {
  for (const auto& value :
       {environment.ompi_rank, environment.pmix_rank, environment.slurm_procid}) {
    if (!value) continue;
    try {
      return std::stoi(*value);
    } catch (const std::exception&) {
      throw RuntimeError(fmt::format("vdit slurm task: the launcher's rank '{}' is no number",
                                     *value));
    }
  }
  throw RuntimeError(
      "vdit slurm task: no rank in the environment (OMPI_COMM_WORLD_RANK, PMIX_RANK, "
      "SLURM_PROCID): run it through srun or mpirun, as the job script does");
}

std::optional<std::string> visible_devices_for(int world_rank, int64_t workers_per_node,
                                               int64_t gpus_per_node,
                                               const std::optional<std::string>& node_devices) {
  if (gpus_per_node <= 0) return std::nullopt;
  if (world_rank == 0) return std::string();  // the coordinator computes nothing
  const int64_t local = (world_rank - 1) % workers_per_node;
  if (!node_devices) return std::to_string(local);
  const std::vector<std::string> devices = split_commas(*node_devices);
  if (local >= static_cast<int64_t>(devices.size())) {
    throw RuntimeError(fmt::format(
        "vdit slurm task: world rank {} is worker {} of its node, but Slurm gave the node only "
        "CUDA_VISIBLE_DEVICES={}",
        world_rank, local, *node_devices));
  }
  return devices[static_cast<size_t>(local)];
}

void write_task_exit(const std::string& path, const TaskExit& exit) {
  const nlohmann::json record = {
      {"exit_code", exit.exit_code}, {"signal", exit.signal}, {"signal_time", exit.signal_time}};
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << record.dump() << "\n";
    if (!out) throw RuntimeError(fmt::format("{}: cannot write the task's exit record", temporary));
  }
  std::filesystem::rename(temporary, path);
}

std::optional<TaskExit> read_task_exit(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const auto record = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!record.is_object() || !record.contains("exit_code")) return std::nullopt;
  TaskExit exit;
  exit.exit_code = record.value("exit_code", 0);
  exit.signal = record.value("signal", std::string());
  exit.signal_time = record.value("signal_time", int64_t{0});
  return exit;
}

int run_task(const TaskRequest& request) {
  if (request.command.empty()) throw InputError("vdit slurm task: no command after --");
  if (request.workers_per_node < 1) {
    throw InputError(fmt::format("--workers-per-node: found {}, expected 1 or more",
                                 request.workers_per_node));
  }
  const TaskEnvironment environment = TaskEnvironment::from_process();
  const int rank = world_rank_of(environment);
  const auto devices = visible_devices_for(rank, request.workers_per_node, request.gpus_per_node,
                                           environment.cuda_visible_devices);
  if (devices) setenv("CUDA_VISIBLE_DEVICES", devices->c_str(), 1);
  if (rank == 0) return run_as_child(request);
  sigset_t current;
  sigprocmask(SIG_SETMASK, nullptr, &current);
  const sigset_t blocked = start_up_mask(current);
  sigprocmask(SIG_SETMASK, &blocked, nullptr);  // kept across exec
  std::vector<char*> argv = argv_of(request.command);
  execvp(argv[0], argv.data());
  sigprocmask(SIG_SETMASK, &current, nullptr);
  throw RuntimeError(
      fmt::format("vdit slurm task: cannot run {}: {}", argv[0], std::strerror(errno)));
}

}  // namespace vdit::slurm
