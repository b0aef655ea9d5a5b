// `vdit train CONFIG [--run-dir DIR] [--set k=v ...] [--resume auto|none|PATH] [--check]`
#include <fmt/core.h>

#include <boost/program_options.hpp>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "orchestrator/train_run.h"

namespace vdit::cli {

int run_train(const Args& args) {
  namespace po = boost::program_options;
  orchestrator::TrainRequest request;
  po::options_description options(
      "vdit train [CONFIG] [options]\n\nTrains (or resumes) a run. Without CONFIG the embedded "
      "defaults are used");
  options.add_options()("help,h", "show this help")(
      "run-dir", po::value(&request.run_dir)->default_value("runs/default"),
      "the run folder (config.toml, metrics.jsonl, checkpoints/, samples/, logs/)")(
      "set", po::value(&request.overrides)->composing(),
      "override a config field: --set training.steps=100 (repeatable)")(
      "resume", po::value(&request.resume)->default_value("auto"),
      "auto (latest checkpoint of the run folder, if any), none, or a checkpoint folder")(
      "check", po::bool_switch(&request.check_only),
      "check the config, the data and the mesh for every stage (the pre-flight), then exit "
      "without training: 0 when all is well, 2 with every problem listed");
  po::options_description hidden;
  hidden.add_options()("config", po::value(&request.config_path));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  const auto values = parse_command_line(args, all, positional, options, "train");
  if (!values) return kExitOk;
  return orchestrator::run_training(request);
}

}  // namespace vdit::cli
