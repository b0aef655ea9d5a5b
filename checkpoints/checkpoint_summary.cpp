#include "checkpoints/checkpoint_summary.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/manifest.h"
#include "checkpoints/tensor_record.h"
#include "core/config_io.h"
#include "core/error.h"
#include "core/model_presets.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kFloatBytes = 4;  // every stored tensor is float32

Manifest read_manifest(const std::string& folder) {
  const std::string path = (fs::path(folder) / kManifestFileName).string();
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) throw InputError(fmt::format("{}: cannot read {}", folder, kManifestFileName));
  return parse_manifest(text.str(), path);
}

// "stage 2, samples consumed 24, mesh dp 1 x sp 1 x tp 1", from the fields that are there.
std::string describe_state(const std::string& state_json) {
  const auto state = nlohmann::json::parse(state_json.empty() ? "{}" : state_json, nullptr, false);
  if (!state.is_object()) return "(not a JSON object)";
  std::vector<std::string> parts;
  if (state.contains("stage")) parts.push_back("stage " + state["stage"].dump());
  if (state.contains("samples_consumed")) {
    parts.push_back("samples consumed " + state["samples_consumed"].dump());
  }
  if (state.contains("mesh") && state["mesh"].is_object()) {
    const auto& mesh = state["mesh"];
    auto degree = [&](const char* axis) {
      return mesh.contains(axis) ? mesh[axis].dump() : std::string("?");
    };
    parts.push_back(
        fmt::format("mesh dp {} x sp {} x tp {}", degree("dp"), degree("sp"), degree("tp")));
  }
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text.empty() ? "(no stage, samples_consumed or mesh recorded)" : text;
}

std::string describe_config(const std::string& config_toml, const std::string& where) {
  if (config_toml.empty()) return "  (none stored)\n";
  try {
    RunConfig config = parse_run_config(config_toml, where);
    ModelConfig& model = config.model;
    apply_model_preset(model, where);
    std::string stages;
    for (const StageConfig& stage : config.curriculum.stages) {
      stages += (stages.empty() ? "" : ", ") + stage.name;
    }
    return fmt::format(
               "  model      {}: hidden {}, depth {}, heads {}, mlp ratio {}, patch {}x{}x{}, {} "
               "channels, condition {} (caption length {})\n",
               model.preset, model.hidden_size, model.depth, model.num_heads, model.mlp_ratio,
               model.patch_frames, model.patch_size, model.patch_size, model.channels,
               model.condition, model.caption_length) +
           fmt::format("  diffusion  {} schedule, {} timesteps, {} prediction\n",
                       config.diffusion.schedule, config.diffusion.timesteps,
                       config.diffusion.prediction) +
           fmt::format("  optimizer  lr {}, ema decay {}, global batch {}\n", config.optimizer.lr,
                       config.optimizer.ema_decay, config.training.global_batch) +
           fmt::format("  parallel   dp {} x sp {} x tp {}\n", config.parallel.dp,
                       config.parallel.sp, config.parallel.tp) +
           fmt::format("  curriculum {} stage(s){}\n", config.curriculum.stages.size(),
                       stages.empty() ? "" : ": " + stages);
  } catch (const InputError& error) {
    return fmt::format("  (does not parse: {})\n", error.what());
  }
}

// "model" for "model/x", "optim/exp_avg" for "optim/exp_avg/x", "" for a name without '/'.
std::string group_of(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

std::string describe_pieces(const std::vector<StoredPiece>& pieces) {
  std::set<std::string> files;
  for (const StoredPiece& piece : pieces) files.insert(piece.file_name);
  return fmt::format("{} in {} file{}", pieces.size(), files.size(), files.size() == 1 ? "" : "s");
}

struct GroupTotal {
  int64_t tensors = 0;
  int64_t elements = 0;
};

}  // namespace

std::string with_thousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int64_t at = static_cast<int64_t>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<size_t>(at), ",");
  }
  return value < 0 ? "-" + digits : digits;
}

std::string summarize_checkpoint(const LoadedCheckpoint& checkpoint) {
  const Manifest manifest = read_manifest(checkpoint.path);
  std::string text;
  text += fmt::format("checkpoint {}\n", checkpoint.path);
  text += fmt::format(
      "verified   manifest, {} file(s) (size + CRC-32), {} tensor(s) tile their global shapes\n",
      manifest.files.size(), checkpoint.tensors.size());
  text += fmt::format("step       {}\n", checkpoint.step);
  text += fmt::format("state      {}\n", describe_state(checkpoint.state_json));
  text +=
      fmt::format("           {}\n", checkpoint.state_json.empty() ? "{}" : checkpoint.state_json);

  text += "config\n" + describe_config(checkpoint.config_toml, checkpoint.path + " config");

  size_t name_width = 4;
  for (const ManifestFile& file : manifest.files)
    name_width = std::max(name_width, file.name.size());
  text += fmt::format("files\n  {:<{}}  {:>15}  {}\n", "name", name_width, "bytes", "crc32");
  int64_t file_bytes = 0;
  for (const ManifestFile& file : manifest.files) {
    text += fmt::format("  {:<{}}  {:>15}  {:08x}\n", file.name, name_width,
                        with_thousands(file.size), file.crc32);
    file_bytes += file.size;
  }
  text += fmt::format("  {:<{}}  {:>15}\n", "total", name_width, with_thousands(file_bytes));

  name_width = 4;
  size_t shape_width = 5;
  for (const auto& [name, pieces] : checkpoint.tensors) {
    name_width = std::max(name_width, name.size());
    shape_width =
        std::max(shape_width, describe_shape(pieces.front().placement.global_shape).size());
  }
  text += fmt::format("tensors\n  {:<{}}  {:<{}}  {:>13}  {}\n", "name", name_width, "shape",
                      shape_width, "elements", "pieces");
  std::map<std::string, GroupTotal> groups;
  GroupTotal all;
  for (const auto& [name, pieces] : checkpoint.tensors) {
    const std::vector<int64_t>& shape = pieces.front().placement.global_shape;
    const int64_t elements = element_count(shape);
    text += fmt::format("  {:<{}}  {:<{}}  {:>13}  {}\n", name, name_width, describe_shape(shape),
                        shape_width, with_thousands(elements), describe_pieces(pieces));
    GroupTotal& group = groups[group_of(name)];
    group.tensors += 1;
    group.elements += elements;
    all.tensors += 1;
    all.elements += elements;
  }

  text += fmt::format("totals\n  {:<16}  {:>8}  {:>15}  {:>15}\n", "group", "tensors", "elements",
                      "bytes (f32)");
  auto total_row = [&](const std::string& label, const GroupTotal& total) {
    text +=
        fmt::format("  {:<16}  {:>8}  {:>15}  {:>15}\n", label, total.tensors,
                    with_thousands(total.elements), with_thousands(total.elements * kFloatBytes));
  };
  for (const auto& [group, total] : groups) total_row(group.empty() ? "(no group)" : group, total);
  total_row("all", all);
  const auto model = groups.find("model");
  text += fmt::format("parameters {} (model/)\n",
                      with_thousands(model == groups.end() ? 0 : model->second.elements));
  return text;
}

}  // namespace vdit::checkpoints
