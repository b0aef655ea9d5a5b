// vdit entry point: dispatch to a subcommand, map errors to exit codes (see core/error.h).
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <iterator>
#include <map>
#include <string>

#include "cli/commands.h"
#include "core/cpu_runtime.h"
#include "core/error.h"
#include "core/log.h"

namespace {

struct Subcommand {
  std::function<int(const vdit::cli::Args&)> run;
  const char* summary;
};

const std::map<std::string, Subcommand>& subcommands() {
  static const std::map<std::string, Subcommand> table = {
      {"train", {vdit::cli::run_train, "train a video DiT from a TOML run config"}},
      {"sample", {vdit::cli::run_sample, "generate videos from a checkpoint: GIF, MP4, PNG"}},
      {"data", {vdit::cli::run_data, "synth | pack | inspect HDF5 patch shards"}},
      {"ckpt",
       {vdit::cli::run_ckpt,
        "inspect a checkpoint | export its weights as safetensors (python/vdit_model.py)"}},
      {"eval",
       {vdit::cli::run_eval,
        "FID / FVD / KID / CLIP score of videos, shards or features; sweep a run's checkpoints"}},
      {"plot",
       {vdit::cli::run_plot, "draw a run's metrics.jsonl as an SVG (loss, samples/s, stages)"}},
      {"submit",
       {vdit::cli::run_submit,
        "submit a training run to Slurm (requeued on time limit and preemption)"}},
      {"status", {vdit::cli::run_status, "a run's Slurm jobs and progress"}},
      {"cancel", {vdit::cli::run_cancel, "cancel a run's Slurm jobs (--graceful: save first)"}},
      {"slurm",
       {vdit::cli::run_slurm, "task | finish: steps of the job script vdit submit writes"}},
  };
  return table;
}

void print_usage() {
  fmt::print("usage: vdit <command> [--help] [--log-level LEVEL] [args]\n\ncommands:\n");
  for (const auto& [name, command] : subcommands()) {
    fmt::print("  {:<8} {}\n", name, command.summary);
  }
  fmt::print(
      "\nexit codes: 0 ok, 1 runtime failure, 2 usage or input error, {} stopped for requeue\n",
      int{vdit::kExitRequeue});
  fmt::print(
      "\n--log-level trace|debug|info|warn|error (any command; default info): log lines go to "
      "stderr\nas [time] [rank N] [level] text; results stay on stdout\n");
}

// Takes `--log-level LEVEL` or `--log-level=LEVEL` out of a command's arguments: every command
// accepts it, so main() handles it once rather than each command's parser.
vdit::LogLevel take_log_level(vdit::cli::Args& args) {
  std::string level = "info";
  for (auto it = args.begin(); it != args.end();) {
    if (*it == "--log-level") {
      if (std::next(it) == args.end()) {
        throw vdit::InputError("--log-level needs a value: trace, debug, info, warn or error");
      }
      level = *std::next(it);
      it = args.erase(it, std::next(it, 2));
    } else if (it->rfind("--log-level=", 0) == 0) {
      level = it->substr(std::string("--log-level=").size());
      it = args.erase(it);
    } else {
      ++it;
    }
  }
  return vdit::parse_log_level(level);
}

}  // namespace

int main(int argc, char** argv) {
  // First: it may re-execute the process (see core/cpu_runtime.h).
  const std::string runtime_note = vdit::apply_cpu_runtime_settings(argv);
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    print_usage();
    return argc < 2 ? vdit::kExitInputError : vdit::kExitOk;
  }
  const auto found = subcommands().find(argv[1]);
  if (found == subcommands().end()) {
    fmt::print(stderr, "vdit: unknown command '{}'\n", argv[1]);
    print_usage();
    return vdit::kExitInputError;
  }
  const int rank = vdit::launcher_rank();
  // The one logger of this process, registered once; see core/log.h.
  vdit::install_process_logger(rank, vdit::LogLevel::kInfo);
  try {
    vdit::cli::Args args(argv + 2, argv + argc);
    vdit::set_log_level(take_log_level(args));
    if (!runtime_note.empty() && found->first == "train" && rank == 0)
      vdit::log_info("{}", runtime_note);
    return found->second.run(args);
  } catch (const vdit::InputError& error) {
    vdit::log_error("vdit {}: error: {}", argv[1], error.what());
    return vdit::kExitInputError;
  } catch (const std::exception& error) {
    vdit::log_error("vdit {}: failed: {}", argv[1], error.what());
    return vdit::kExitRuntimeError;
  }
}
