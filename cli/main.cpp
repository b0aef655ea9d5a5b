// vdit entry point: dispatch to a subcommand, map errors to exit codes (see core/error.h).
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "cli/commands.h"
#include "core/cpu_runtime.h"
#include "core/error.h"

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
        "inspect a checkpoint | export its weights as safetensors (reference-DiT names)"}},
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
  fmt::print("usage: vdit <command> [--help] [args]\n\ncommands:\n");
  for (const auto& [name, command] : subcommands()) {
    fmt::print("  {:<8} {}\n", name, command.summary);
  }
  fmt::print(
      "\nexit codes: 0 ok, 1 runtime failure, 2 usage or input error, {} stopped for requeue\n",
      int{vdit::kExitRequeue});
}

// World rank 0 of a launcher (or no launcher): the rank that prints a run's start-up notes.
bool first_rank() {
  for (const char* variable : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    const char* rank = std::getenv(variable);
    if (rank != nullptr) return std::string(rank) == "0";
  }
  return true;
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
  if (!runtime_note.empty() && found->first == "train" && first_rank()) {
    fmt::print("{}\n", runtime_note);
  }
  try {
    return found->second.run(vdit::cli::Args(argv + 2, argv + argc));
  } catch (const vdit::InputError& error) {
    fmt::print(stderr, "vdit {}: error: {}\n", argv[1], error.what());
    return vdit::kExitInputError;
  } catch (const std::exception& error) {
    fmt::print(stderr, "vdit {}: failed: {}\n", argv[1], error.what());
    return vdit::kExitRuntimeError;
  }
}
