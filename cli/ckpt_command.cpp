// `vdit ckpt inspect DIR` and `vdit ckpt export DIR --out model.safetensors [--raw-weights]`:
// verify and summarise a checkpoint, or export its weights under reference-DiT names.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_summary.h"
#include "checkpoints/reference_names.h"
#include "checkpoints/safetensors_writer.h"
#include "cli/commands.h"
#include "core/config_io.h"
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
    "  export   write its weights as one safetensors file with reference-DiT names\n\n"
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
    "the checkpoint has them, else the raw ones (model/...). Names follow the reference DiT\n"
    "(facebookresearch/DiT models.py) where a counterpart exists, e.g. t_embedder.fc1 ->\n"
    "t_embedder.mlp.0; vdit-only parameters (cross_attn, norm_cross, caption_encoder,\n"
    "caption_pool) keep their names. x_embedder.weight, a Linear [D, pt*p*p*C] in vdit, becomes\n"
    "x_embedder.proj.weight in Conv3d layout [D, C, pt, p, p] (the reference's Conv2d [D, C, p,\n"
    "p] with time added). __metadata__ holds format=vdit, step, weights (ema|model) and config\n"
    "(the run's TOML).";

// The patch layout of the run that wrote `checkpoint`, from its stored config.
checkpoints::PatchLayout patch_layout_of(const LoadedCheckpoint& checkpoint) {
  const std::string where = checkpoint.path + " config";
  if (checkpoint.config_toml.empty()) {
    throw InputError(
        fmt::format("{}: no config stored, so the patch size of x_embedder.weight is "
                    "unknown",
                    checkpoint.path));
  }
  const RunConfig config = parse_run_config(checkpoint.config_toml, where);
  return {config.model.patch_frames, config.model.patch_size, config.model.channels};
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

  std::optional<checkpoints::PatchLayout> patch;
  std::vector<checkpoints::SafetensorsEntry> entries;
  int64_t parameter_count = 0;
  for (const std::string& parameter : parameters) {
    std::vector<int64_t> shape =
        checkpoint.tensors.at(prefix + parameter).front().placement.global_shape;
    parameter_count += checkpoints::element_count(shape);
    if (checkpoints::is_patch_embedding_weight(parameter)) {
      patch = patch_layout_of(checkpoint);
      if (shape.size() != 2 || shape[1] != patch->token_dim()) {
        throw InputError(fmt::format(
            "{}: {}{} has shape {}, expected [D, {}] for patch {}x{}x{} and {} channels",
            checkpoint.path, prefix, parameter, checkpoints::describe_shape(shape),
            patch->token_dim(), patch->frames, patch->size, patch->size, patch->channels));
      }
      shape = {shape[0], patch->channels, patch->frames, patch->size, patch->size};
    }
    entries.push_back({checkpoints::reference_name(parameter), shape});
  }

  const std::map<std::string, std::string> metadata = {
      {"format", "vdit"},
      {"step", std::to_string(checkpoint.step)},
      {"weights", use_ema ? "ema" : "model"},
      {"config", checkpoint.config_toml},
  };
  checkpoints::write_safetensors(out, entries, metadata, [&](size_t index) {
    std::vector<int64_t> shape;
    std::vector<float> tensor =
        checkpoints::read_full_tensor(checkpoint, prefix + parameters[index], &shape);
    if (!checkpoints::is_patch_embedding_weight(parameters[index])) return tensor;
    return checkpoints::patch_linear_to_conv3d(tensor, shape[0], *patch, checkpoint.path);
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
