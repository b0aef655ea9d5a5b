// `vdit slurm task|finish`: the steps of the job script vdit submit writes (not for typing):
//   task    bind this task to its GPU and run the training command (world rank 0 also records
//           the coordinator's exit code and first stop signal)
//   finish  after the tasks end: decide finished / failed / requeue / out of budget, and do it
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"
#include "slurm/job_finish.h"
#include "slurm/task_launch.h"

namespace vdit::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kSlurmUsage =
    "usage: vdit slurm <task|finish> [options]\n\n"
    "Steps of the job script that `vdit submit` writes; not meant to be typed.\n"
    "  task    --workers-per-node W --gpus-per-node G --exit-file F -- COMMAND...\n"
    "  finish  --run-dir DIR --launcher-status N --exit-file F --chain ID --signal S\n"
    "          --signal-lead SECONDS --max-requeues K\n";

void parse(const Args& args, po::options_description& options, const char* name) {
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    throw InputError(fmt::format("vdit slurm {}: {}\n\n{}", name, error.what(), kSlurmUsage));
  }
}

int run_task_step(const Args& args) {
  // Everything after "--" is the command, untouched by option parsing.
  const auto separator = std::find(args.begin(), args.end(), "--");
  slurm::TaskRequest request;
  request.command.assign(separator == args.end() ? args.end() : separator + 1, args.end());
  po::options_description options;
  options.add_options()("workers-per-node", po::value(&request.workers_per_node)->required())(
      "gpus-per-node", po::value(&request.gpus_per_node)->required())(
      "exit-file", po::value(&request.exit_file)->required());
  parse(Args(args.begin(), separator), options, "task");
  return slurm::run_task(request);
}

int run_finish_step(const Args& args) {
  slurm::FinishRequest request;
  po::options_description options;
  options.add_options()("run-dir", po::value(&request.run_dir)->required())(
      "launcher-status", po::value(&request.launcher_status)->required())(
      "exit-file", po::value(&request.exit_file)->required())(
      "chain", po::value(&request.chain)->required())(
      "signal", po::value(&request.signal)->required())(
      "signal-lead", po::value(&request.signal_lead_s)->required())(
      "max-requeues", po::value(&request.max_requeues)->required());
  parse(args, options, "finish");
  return slurm::finish_job_start(request);
}

}  // namespace

int run_slurm(const Args& args) {
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    fmt::print("{}", kSlurmUsage);
    return args.empty() ? kExitInputError : kExitOk;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args.front() == "task") return run_task_step(rest);
  if (args.front() == "finish") return run_finish_step(rest);
  throw InputError(fmt::format("vdit slurm: unknown step '{}', expected task or finish\n\n{}",
                               args.front(), kSlurmUsage));
}

}  // namespace vdit::cli
