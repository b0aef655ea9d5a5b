// `vdit ckpt inspect DIR` and `vdit ckpt export DIR --out model.safetensors [--raw-weights]`:
// verify and summarise a checkpoint, or export its weights (vdit's parameter names, the model and
// diffusion config as metadata) for python/vdit_model.py.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_summary.h"
#include "checkpoints/safetensors_writer.h"
#include "cli/commands.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "core/log.h"

namespace vdit::cli {

namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using checkpoints::LoadedCheckpoint;

constexpr const char* kCkptUsage =
    "usage: vdit ckpt <inspect|export> [--help] DIR [args]\n\n"
    "  inspect  verify a checkpoint and print its state, config, files and tensors\n"
    "  export   write its weights and model config as one safetensors file "
    "(python/vdit_model.py)\n\n"
    "DIR is a checkpoint folder (step_N, holding manifest.json), a checkpoint root (holding\n"
    "`latest`) or a run folder (holding checkpoints/); for the last two, the checkpoint `latest`\n"
    "names is used.\n";

// A checkpoint folder, a checkpoint root or a run folder -> the verified checkpoint. A root's
// `latest` is used as is: if it fails verification the error says so (and names the newest
// older checkpoint that verifies), rather than quietly falling back as a resume does.
LoadedCheckpoint resolve_checkpoint(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw InputError(fmt::format("{}: no such folder", dir));
  const std::string folder_name = fs::path(dir).lexically_normal().filename().string();
  if (fs::exists(fs::path(dir) / checkpoints::kManifestFileName, error) ||
      checkpoints::parse_step_folder_name(folder_name)) {
    return checkpoints::open_checkpoint(dir);
  }
  const fs::path run_checkpoints = fs::path(dir) / "checkpoints";
  const std::string root =
      fs::is_directory(run_checkpoints, error) ? run_checkpoints.string() : dir;
  std::vector<std::string> warnings;
  if (const auto latest = checkpoints::read_latest_name(root)) {
    const std::string folder = (fs::path(root) / *latest).string();
    try {
      return checkpoints::open_checkpoint(folder);
    } catch (const InputError& problem) {
      std::string hint;
      try {
        const auto fallback = checkpoints::find_latest_checkpoint(root, warnings);
        if (fallback)
          hint = fmt::format("; the newest checkpoint that verifies is {}", fallback->path);
      } catch (const InputError&) {
        hint = "; no older checkpoint verifies either";
      }
      throw InputError(fmt::format("{} (named by {}/{}){}", problem.what(), root,
                                   checkpoints::kLatestFileName, hint));
    }
  }
  auto found = checkpoints::find_latest_checkpoint(root, warnings);
  if (!found) {
    throw InputError(fmt::format(
        "{}: no checkpoint here: expected a step folder with {}, a checkpoint root with `{}`, or "
        "a run folder with checkpoints/",
        dir, checkpoints::kManifestFileName, checkpoints::kLatestFileName));
  }
  for (const std::string& warning : warnings) log_warn("{}", warning);
  return std::move(*found);
}

// Parses `args` (DIR positional) into `values`; true if --help was given (usage printed).
bool parse_options(const Args& args, po::options_description& options, po::variables_map& values,
                   const char* usage) {
  options.add_options()("help,h", "show this help")("dir", po::value<std::string>(),
                                                    "checkpoint, checkpoint root or run folder");
  po::positional_options_description positional;
  positional.add("dir", 1);
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    throw InputError(fmt::format("{}\n\n{}", error.what(), usage));
  }
  if (values.count("help")) {
    fmt::print("{}\n\n{}\n", usage, (std::ostringstream() << options).str());
    return true;
  }
  if (!values.count("dir")) throw InputError(fmt::format("no DIR given\n\n{}", usage));
  return false;
}

constexpr const char* kInspectUsage =
    "usage: vdit ckpt inspect DIR\n\n"
    "Verifies the checkpoint (every file's size and CRC-32, every tensor's pieces) and prints\n"
    "its step, state, config, files and tensors. Exits with 2 naming the folder and the problem\n"
    "if it does not verify.";

int run_inspect(const Args& args) {
  po::options_description options("options");
  po::variables_map values;
  if (parse_options(args, options, values, kInspectUsage)) return kExitOk;
  const LoadedCheckpoint checkpoint = resolve_checkpoint(values["dir"].as<std::string>());
  fmt::print("{}", checkpoints::summarize_checkpoint(checkpoint));
  return kExitOk;
}

constexpr const char* kExportUsage =
    "usage: vdit ckpt export DIR --out model.safetensors [--raw-weights]\n\n"
    "Writes the model weights as one float32 safetensors file: the EMA weights (ema/...) when\n"
    "the checkpoint has them, else the raw ones (model/...), under vdit's own parameter names\n"
    "and shapes. __metadata__ holds format=vdit, format_version, step, weights (ema|model),\n"
    "config (the run's TOML) and, as JSON, model (the resolved [model] section) and diffusion\n"
    "(the [diffusion] section): all python/vdit_model.py needs to build the model, load the\n"
    "file and sample with DDIM as `vdit sample` does.";

// The layout of the metadata below; python/vdit_model.py refuses any other.
constexpr const char* kExportFormatVersion = "1";

// A config section (anything with visit()) as a JSON object, one member per field.
template <class Section>
nlohmann::json section_json(Section section) {
  nlohmann::json object = nlohmann::json::object();
  auto add = [&](const char* name, const auto& value) { object[name] = value; };
  section.visit(add);
  return object;
}

// The run config the checkpoint stores, presets resolved and validated.
RunConfig resolved_config_of(const LoadedCheckpoint& checkpoint) {
  if (checkpoint.config_toml.empty()) {
    throw InputError(fmt::format(
        "{}: no config stored, so the exported model could not be described", checkpoint.path));
  }
  RunConfig config = parse_run_config(checkpoint.config_toml, checkpoint.path + " config");
  resolve_and_validate(config);
  return config;
}

int run_export(const Args& args) {
  po::options_description options("options");
  std::string out;
  bool raw_weights = false;
  options.add_options()("out", po::value(&out), "the safetensors file to write")(
      "raw-weights", po::bool_switch(&raw_weights), "export model/ even when ema/ is present");
  po::variables_map values;
  if (parse_options(args, options, values, kExportUsage)) return kExitOk;
  if (out.empty()) throw InputError(fmt::format("--out is required\n\n{}", kExportUsage));
  const fs::path out_parent = fs::absolute(out).parent_path();
  std::error_code error;
  if (!fs::is_directory(out_parent, error)) {
    throw InputError(fmt::format("--out {}: folder {} does not exist", out, out_parent.string()));
  }
  const LoadedCheckpoint checkpoint = resolve_checkpoint(values["dir"].as<std::string>());

  auto names_under = [&](const std::string& prefix) {
    std::vector<std::string> names;  // without the prefix, sorted (tensors is a sorted map)
    for (const auto& [name, pieces] : checkpoint.tensors) {
      if (name.rfind(prefix, 0) == 0) names.push_back(name.substr(prefix.size()));
    }
    return names;
  };
  const bool use_ema = !raw_weights && !names_under("ema/").empty();
  const std::string prefix = use_ema ? "ema/" : "model/";
  const std::vector<std::string> parameters = names_under(prefix);
  if (parameters.empty()) {
    throw InputError(fmt::format("{}: no tensors under {} to export", checkpoint.path, prefix));
  }

  const RunConfig config = resolved_config_of(checkpoint);
  std::vector<checkpoints::SafetensorsEntry> entries;
  int64_t parameter_count = 0;
  for (const std::string& parameter : parameters) {
    const std::vector<int64_t>& shape =
        checkpoint.tensors.at(prefix + parameter).front().placement.global_shape;
    parameter_count += checkpoints::element_count(shape);
    entries.push_back({parameter, shape});
  }

  const std::map<std::string, std::string> metadata = {
      {"format", "vdit"},
      {"format_version", kExportFormatVersion},
      {"step", std::to_string(checkpoint.step)},
      {"weights", use_ema ? "ema" : "model"},
      {"config", checkpoint.config_toml},
      {"model", section_json(config.model).dump()},
      {"diffusion", section_json(config.diffusion).dump()},
  };
  checkpoints::write_safetensors(out, entries, metadata, [&](size_t index) {
    return checkpoints::read_full_tensor(checkpoint, prefix + parameters[index]);
  });
  fmt::print("wrote {}: {} tensors, {} parameters ({} weights of step {}, from {})\n", out,
             entries.size(), checkpoints::with_thousands(parameter_count), use_ema ? "EMA" : "raw",
             checkpoint.step, checkpoint.path);
  return kExitOk;
}

}  // namespace

int run_ckpt(const Args& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", kCkptUsage);
    return kExitInputError;
  }
  const std::string& subcommand = args.front();
  const Args rest(args.begin() + 1, args.end());
  if (subcommand == "--help" || subcommand == "-h") {
    fmt::print("{}", kCkptUsage);
    return kExitOk;
  }
  if (subcommand == "inspect") return run_inspect(rest);
  if (subcommand == "export") return run_export(rest);
  throw InputError(fmt::format("unknown ckpt subcommand \"{}\"\n\n{}", subcommand, kCkptUsage));
}

}  // namespace vdit::cli
