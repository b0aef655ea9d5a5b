// `vdit ckpt inspect | export` end to end (the vdit binary).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "checkpoints/checkpoint_writer.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints::testing {

// Defined in safetensors_writer_test.cpp (same test binary): loads a safetensors file with a
// numpy reader written from the format spec.
nlohmann::json load_with_numpy(const std::string& path);

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

Result run_vdit(const TempRoot& root, const std::string& arguments) {
  const std::string log = root / "vdit.log";
  const int status =
      std::system((std::string(VDIT_BINARY) + " " + arguments + " > " + log + " 2>&1").c_str());
  Result result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(log)};
  fs::remove(log);
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The first line of `text` that starts with `prefix`, or "".
std::string line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

// A hand-made checkpoint of a D = 4 model with patch pt x p x p = 2 x 2 x 2 and C = 3 (token
// dim 24), saved by a tp = 2 mesh: qkv split over both shard files, raw and EMA weights with
// different values, an optimizer moment that export must leave out.
constexpr const char* kConfig =
    "[model]\nhidden_size = 4\nnum_heads = 2\npatch_size = 2\npatch_frames = 2\n";
constexpr const char* kState =
    R"({"stage": 2, "samples_consumed": 56, "mesh": {"dp": 1, "sp": 1, "tp": 2}})";

const std::map<std::string, std::vector<int64_t>>& parameter_shapes() {
  static const std::map<std::string, std::vector<int64_t>> shapes = {
      {"x_embedder.weight", {4, 24}},           {"x_embedder.bias", {4}},
      {"t_embedder.fc1.weight", {4, 8}},        {"blocks.0.attn.qkv.weight", {12, 4}},
      {"blocks.0.cross_attn.q.weight", {4, 4}}, {"caption_pool.weight", {4, 4}},
  };
  return shapes;
}

// Different values per tensor, per group (model / ema) and per step.
float seed_of(const std::string& parameter, const std::string& group, int64_t step) {
  float seed = static_cast<float>(step) + (group == "ema" ? 0.5f : 0.0f);
  for (const char c : parameter) seed += static_cast<float>(c) * 0.001f;
  return seed;
}

std::string save_hand_made(const std::string& root, int64_t step) {
  ShardFile tp0{"model-tp0-of-2.h5", {}}, tp1{"model-tp1-of-2.h5", {}};
  for (const std::string group : {"model", "ema"}) {
    for (const auto& [parameter, shape] : parameter_shapes()) {
      const std::string name = group + "/" + parameter;
      const float seed = seed_of(parameter, group, step);
      if (parameter == "blocks.0.attn.qkv.weight") {
        tp0.tensors.push_back(piece_of(name, shape, 0, 0, 6, seed));
        tp1.tensors.push_back(piece_of(name, shape, 0, 6, 6, seed));
      } else {
        tp0.tensors.push_back(whole_tensor(name, shape, seed));
      }
    }
  }
  tp1.tensors.push_back(whole_tensor("optim/exp_avg/x_embedder.weight", {4, 24}, 9.0f));
  CheckpointMeta meta;
  meta.step = step;
  meta.json_state = kState;
  meta.config_toml = kConfig;
  return write_checkpoint(root, meta, {tp0, tp1});
}

class CkptCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(run_dir_);
    save_hand_made(checkpoints_, 3);
    step7_ = save_hand_made(checkpoints_, 7);
  }
  TempRoot root_;
  std::string run_dir_ = root_ / "run";
  std::string checkpoints_ = run_dir_ + "/checkpoints";
  std::string step7_;
};

TEST_F(CkptCommand, InspectPrintsStateConfigFilesAndTensorTable) {
  const Result result = run_vdit(root_, "ckpt inspect " + step7_);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string& text = result.output;
  EXPECT_TRUE(contains(text, "verified")) << text;
  EXPECT_TRUE(contains(text, "step       7")) << text;
  EXPECT_TRUE(contains(text, "stage 2, samples consumed 56, mesh dp 1 x sp 1 x tp 2")) << text;
  EXPECT_TRUE(contains(text, "hidden 4")) << text;
  EXPECT_TRUE(contains(text, "patch 2x2x2, 3 channels")) << text;
  // Each file with its size and CRC-32 as the manifest records them.
  const auto manifest = nlohmann::json::parse(read_text(step7_ + "/manifest.json"));
  for (const auto& file : manifest["files"]) {
    const std::string name = file["name"];
    char crc[9];
    std::snprintf(crc, sizeof crc, "%08x", file["crc32"].get<uint32_t>());
    EXPECT_TRUE(contains(text, name)) << text;
    EXPECT_TRUE(contains(text, crc)) << name << " crc " << crc << "\n" << text;
  }
  // The split tensor: global shape, element count, two pieces in two files.
  const std::string qkv_row = line_starting(text, "  model/blocks.0.attn.qkv.weight ");
  EXPECT_TRUE(contains(qkv_row, " [12, 4] ")) << text;
  EXPECT_TRUE(contains(qkv_row, " 48  2 in 2 files")) << text;
  // model/: 96 + 4 + 32 + 48 + 16 + 16 = 212 parameters; all 13 tensors are 212 * 2 + 96 floats.
  EXPECT_TRUE(contains(text, "parameters 212 (model/)")) << text;
  EXPECT_TRUE(contains(text, "2,080")) << text;  // (212 * 2 + 96) * 4 bytes
}

TEST_F(CkptCommand, InspectOfARunFolderUsesItsLatestCheckpoint) {
  const Result result = run_vdit(root_, "ckpt inspect " + run_dir_);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "step_000000007")) << result.output;
  EXPECT_TRUE(contains(result.output, "step       7")) << result.output;
}

TEST_F(CkptCommand, CorruptedCheckpointExitsTwoNamingTheFolderAndTheProblem) {
  flip_byte(step7_ + "/model-tp1-of-2.h5", -10);
  const Result direct = run_vdit(root_, "ckpt inspect " + step7_);
  EXPECT_EQ(direct.exit_code, 2) << direct.output;
  EXPECT_TRUE(contains(direct.output, step7_)) << direct.output;
  EXPECT_TRUE(contains(direct.output, "model-tp1-of-2.h5 has CRC-32")) << direct.output;

  // Through the run folder: the error names `latest` and the older checkpoint that verifies.
  const Result run = run_vdit(root_, "ckpt inspect " + run_dir_);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "named by " + checkpoints_ + "/latest")) << run.output;
  EXPECT_TRUE(contains(run.output, "verifies is " + checkpoints_ + "/step_000000003"))
      << run.output;

  const Result exported = run_vdit(root_, "ckpt export " + step7_ + " --out " + (root_ / "m.st"));
  EXPECT_EQ(exported.exit_code, 2) << exported.output;
  EXPECT_FALSE(fs::exists(root_ / "m.st"));
}

TEST_F(CkptCommand, FolderWithoutCheckpointExitsTwo) {
  const Result result = run_vdit(root_, "ckpt inspect " + (root_ / "run/empty"));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  fs::create_directories(root_ / "run/empty");
  const Result empty = run_vdit(root_, "ckpt inspect " + (root_ / "run/empty"));
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
  EXPECT_TRUE(contains(empty.output, "no checkpoint here")) << empty.output;
}

// Checks every exported tensor against the `group` weights of step 7: vdit's names and shapes,
// the values as stored (the tp-split qkv reassembled), and the metadata python/vdit_model.py reads.
void expect_exported_weights(const nlohmann::json& loaded, const std::string& group) {
  ASSERT_EQ(loaded["tensors"].size(), parameter_shapes().size()) << loaded["tensors"].dump();
  EXPECT_EQ(loaded["metadata"]["format"], "vdit");
  EXPECT_EQ(loaded["metadata"]["format_version"], "1");
  EXPECT_EQ(loaded["metadata"]["step"], "7");
  EXPECT_EQ(loaded["metadata"]["weights"], group);
  EXPECT_EQ(loaded["metadata"]["config"], kConfig);
  // The model section resolved (the preset's depth and MLP ratio filled in), the diffusion
  // section with its defaults.
  const auto model = nlohmann::json::parse(loaded["metadata"]["model"].get<std::string>());
  EXPECT_EQ(model["hidden_size"], 4);
  EXPECT_EQ(model["num_heads"], 2);
  EXPECT_EQ(model["depth"], 4);
  EXPECT_EQ(model["mlp_ratio"], 4.0);
  EXPECT_EQ(model["patch_size"], 2);
  EXPECT_EQ(model["patch_frames"], 2);
  EXPECT_EQ(model["channels"], 3);
  EXPECT_EQ(model["condition"], "ids");
  EXPECT_EQ(model["caption_length"], 32);
  const auto diffusion = nlohmann::json::parse(loaded["metadata"]["diffusion"].get<std::string>());
  EXPECT_EQ(diffusion["schedule"], "linear");
  EXPECT_EQ(diffusion["timesteps"], 1000);
  EXPECT_EQ(diffusion["beta_start"], 1e-4);
  EXPECT_EQ(diffusion["prediction"], "epsilon");
  for (const auto& [parameter, shape] : parameter_shapes()) {
    ASSERT_TRUE(loaded["tensors"].contains(parameter)) << parameter;
    EXPECT_EQ(loaded["tensors"][parameter]["shape"].get<std::vector<int64_t>>(), shape);
    const auto values = loaded["tensors"][parameter]["values"].get<std::vector<double>>();
    const std::vector<float> stored = pattern(element_count(shape), seed_of(parameter, group, 7));
    ASSERT_EQ(values.size(), stored.size()) << parameter;
    for (size_t i = 0; i < values.size(); ++i) {
      ASSERT_EQ(static_cast<float>(values[i]), stored[i]) << parameter << " [" << i << "]";
    }
  }
}

TEST_F(CkptCommand, ExportWritesEmaWeightsUnderVditNames) {
  const std::string out = root_ / "model.safetensors";
  const Result result = run_vdit(root_, "ckpt export " + run_dir_ + " --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(contains(result.output, "6 tensors, 212 parameters (EMA weights of step 7"))
      << result.output;
  const nlohmann::json loaded = load_with_numpy(out);
  ASSERT_FALSE(loaded.is_null());
  expect_exported_weights(loaded, "ema");
}

TEST_F(CkptCommand, ExportWithRawWeightsUsesTheModelTensors) {
  const std::string out = root_ / "raw.safetensors";
  const Result result =
      run_vdit(root_, "ckpt export " + step7_ + " --out " + out + " --raw-weights");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json loaded = load_with_numpy(out);
  ASSERT_FALSE(loaded.is_null());
  expect_exported_weights(loaded, "model");
}

TEST_F(CkptCommand, ExportNeedsOutAndAnExistingFolderForIt) {
  EXPECT_EQ(run_vdit(root_, "ckpt export " + step7_).exit_code, 2);
  const Result missing = run_vdit(root_, "ckpt export " + step7_ + " --out " + (root_ / "no/m.st"));
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(contains(missing.output, "does not exist")) << missing.output;
}

// A real run: every parameter of the trained model is exported once, under its vdit name.
TEST(CkptCommandOnATrainedRun, ExportsEveryParameterUnderItsVditName) {
  TempRoot root;
  const std::string run_dir = root / "run";
  const Result trained = run_vdit(
      root,
      "train --run-dir " + run_dir +
          " --set model.hidden_size=16 --set model.depth=2 --set model.num_heads=2"
          " --set model.caption_length=8 --set model.patch_frames=2"
          " --set data.synthetic_clips_per_bucket=2 --set 'data.synthetic_buckets=[\"4x16x16\"]'"
          " --set training.global_batch=2 --set 'curriculum.stages=[{name=\"clip\","
          " frames_min=4, frames_max=4, steps=2}]'");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const Result inspected = run_vdit(root, "ckpt inspect " + run_dir);
  ASSERT_EQ(inspected.exit_code, 0) << inspected.output;
  EXPECT_TRUE(contains(inspected.output, "step       2")) << inspected.output;

  const std::string out = root / "model.safetensors";
  const Result exported = run_vdit(root, "ckpt export " + run_dir + " --out " + out);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const nlohmann::json loaded = load_with_numpy(out);
  ASSERT_FALSE(loaded.is_null());
  std::set<std::string> names;
  for (const auto& item : loaded["tensors"].items()) names.insert(item.key());
  for (const char* name :
       {"x_embedder.weight", "x_embedder.bias", "t_embedder.fc1.weight", "t_embedder.fc2.bias",
        "blocks.1.attn.qkv.weight", "blocks.1.attn.proj.bias", "blocks.0.mlp.fc1.weight",
        "blocks.0.mlp.fc2.bias", "blocks.1.adaLN_modulation.1.weight", "final_layer.linear.weight",
        "final_layer.adaLN_modulation.1.bias", "blocks.0.cross_attn.q.weight",
        "blocks.0.norm_cross.weight", "caption_pool.weight",
        "caption_encoder.token_embedding.weight", "caption_encoder.position_embedding"}) {
    EXPECT_EQ(names.count(name), 1u) << name << " missing from " << loaded["tensors"].size();
  }
  for (const std::string& name : names) {
    EXPECT_FALSE(contains(name, "/")) << name;  // no ema/ or optim/ prefixes
  }
  // The patch embedding stays vdit's Linear over (dt, dy, dx, c) tokens: D = 16 x 2*4*4*3.
  EXPECT_EQ(loaded["tensors"]["x_embedder.weight"]["shape"], nlohmann::json({16, 96}));
  EXPECT_EQ(loaded["metadata"]["step"], "2");
}

}  // namespace
}  // namespace vdit::checkpoints::testing
