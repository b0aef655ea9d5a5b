// python/vdit_model.py against vdit itself: a tiny DiT with random weights (every parameter,
// adaLN and final layer included, so no branch is the identity) is saved as a training checkpoint
// and exported with `vdit ckpt export`; check_vdit_model.py (Debian's python3-torch) then holds
// the module's forward to vdit's on the same input (1e-5), and its DDIM sample to `vdit sample`'s
// from the same noise (1e-4).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "checkpoints/checkpoint_writer.h"
#include "checkpoints/safetensors_writer.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "tests/vdit_command.h"
#include "worker/training/trainer.h"
#include "worker/training/training_state.h"

namespace vdit::model {
namespace {

namespace fs = std::filesystem;

// A fresh folder for one test, removed with everything in it at the end.
class TempFolder {
 public:
  TempFolder() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (fs::temp_directory_path() /
             ("vdit_pymodule_" + std::to_string(::getpid()) + "_" + test->name()))
                .string();
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// D 24, 2 blocks of 2 heads, 2x2x2 patches, 6 caption tokens through 2 text layers.
RunConfig tiny_config(std::vector<std::string> overrides) {
  std::vector<std::string> all = {"model.hidden_size=24",       "model.depth=2",
                                  "model.num_heads=2",          "model.patch_size=2",
                                  "model.patch_frames=2",       "model.caption_length=6",
                                  "model.text_encoder_depth=2", "optimizer.ema_decay=0"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  RunConfig config = parse_run_config("", "test.toml", all);
  resolve_and_validate(config);
  return config;
}

// Random weights of about the scale training reaches: matrices N(0, 1/fan_in), vectors N(0, 0.3)
// (LayerNorm gains around 1), so activations stay O(1) through every block.
void randomize(VideoDiT& model, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (const auto& item : model->named_parameters()) {
    torch::Tensor parameter = item.value();
    const std::string& name = item.key();
    const bool gain = name.size() > 7 && name.rfind(".weight") == name.size() - 7 &&
                      name.find("norm") != std::string::npos;
    if (parameter.dim() >= 2) {
      parameter.copy_(torch::randn_like(parameter) / std::sqrt(double(parameter.size(-1))));
    } else {
      parameter.copy_(torch::randn_like(parameter) * 0.3 + (gain ? 1.0 : 0.0));
    }
  }
}

// Saves the trainer's state as training does, then exports it; returns the checkpoint folder.
std::string save_and_export(training::Trainer& trainer, const RunConfig& config,
                            const TempFolder& folder, const std::string& model_file) {
  checkpoints::CheckpointMeta meta;
  meta.step = 5;
  meta.json_state =
      R"({"stage": 0, "step": 5, "stage_step": 5, "samples_consumed": 40, "smoothed_loss": 0.5,)"
      R"( "best_loss": 0.5, "steps_since_best": 0, "mesh": {"dp": 1, "sp": 1, "tp": 1}})";
  meta.config_toml = to_toml(config);
  const std::string checkpoint = checkpoints::write_checkpoint(
      folder / "checkpoints", meta,
      {{"model-tp0-of-1.h5", training::snapshot_training_state(trainer)}});
  const auto exported =
      vdit::testing::run_vdit("ckpt export " + checkpoint + " --out " + model_file);
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  return checkpoint;
}

struct PythonResult {
  int exit_code = -1;
  std::string output;
};

// check_vdit_model.py MODE MODEL DATA with Debian's interpreter (the one with python3-torch).
PythonResult run_check(const std::string& mode, const std::string& model_file,
                       const std::string& data_file, const TempFolder& folder) {
  const std::string log = folder / "python.log";
  const std::string command =
      "/usr/bin/python3 " VDIT_SOURCE_DIR "/tests/worker/model/check_vdit_model.py " + mode + " '" +
      model_file + "' '" + data_file + "' > '" + log + "' 2>&1";
  const int status = std::system(command.c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  std::cout << output.str();  // the measured differences, for the test log
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

// vdit's forward on a fixed input, written with the input for check_vdit_model.py: three samples
// at timesteps 0, 517 and 999, the second with its caption dropped (the null caption).
void write_forward_probe(VideoDiT& model, const RunConfig& config, const std::string& path) {
  torch::manual_seed(7);
  const PatchGrid grid{2, 2, 3};  // 4 x 4 x 6 pixels
  const int64_t n = 3, lc = config.model.caption_length;
  DiTInput input;
  input.grid = grid;
  input.tokens = torch::randn({n, grid.tokens(), model->options.token_dim()});
  input.timesteps = torch::tensor({0, 517, 999}, torch::kInt64);
  input.caption = config.model.condition == "embeddings"
                      ? torch::randn({n, lc, config.model.caption_embed_dim})
                      : torch::randint(1, config.model.caption_vocab, {n, lc}, torch::kInt64);
  input.drop_condition = torch::tensor({false, true, false});
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor output = model->forward(input);
  const std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"tokens", input.tokens},
      {"timesteps", input.timesteps.to(torch::kFloat32)},
      {"caption", input.caption.to(torch::kFloat32)},
      {"drop", input.drop_condition.to(torch::kFloat32)},
      {"output", output}};
  std::vector<checkpoints::SafetensorsEntry> entries;
  for (const auto& [name, tensor] : tensors) entries.push_back({name, tensor.sizes().vec()});
  checkpoints::write_safetensors(
      path, entries,
      {{"grid", "[" + std::to_string(grid.frames) + ", " + std::to_string(grid.height) + ", " +
                    std::to_string(grid.width) + "]"}},
      [&](size_t index) {
        const torch::Tensor values = tensors[index].second.contiguous();
        return std::vector<float>(values.data_ptr<float>(),
                                  values.data_ptr<float>() + values.numel());
      });
}

void expect_forward_equal(const std::vector<std::string>& overrides) {
  TempFolder folder;
  const RunConfig config = tiny_config(overrides);
  training::Trainer trainer(config, torch::kCPU);
  randomize(trainer.model(), 3);
  const std::string model_file = folder / "model.safetensors";
  save_and_export(trainer, config, folder, model_file);
  const std::string probe = folder / "probe.safetensors";
  write_forward_probe(trainer.model(), config, probe);
  const PythonResult checked = run_check("forward", model_file, probe, folder);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("OK"), std::string::npos) << checked.output;
}

TEST(PytorchModule, ForwardEqualsVditsWithCaptionIds) { expect_forward_equal({}); }

TEST(PytorchModule, ForwardEqualsVditsWithCaptionEmbeddings) {
  expect_forward_equal({"model.condition=\"embeddings\"", "model.caption_embed_dim=10"});
}

// `vdit sample --tensors` on the exported checkpoint, then the module's DDIM from the noise it
// wrote.
void expect_ddim_equal(const std::vector<std::string>& overrides, const std::string& guidance) {
  TempFolder folder;
  const RunConfig config = tiny_config(overrides);
  training::Trainer trainer(config, torch::kCPU);
  randomize(trainer.model(), 5);
  const std::string model_file = folder / "model.safetensors";
  const std::string checkpoint = save_and_export(trainer, config, folder, model_file);
  const std::string samples = folder / "samples.safetensors";
  const auto sampled = vdit::testing::run_vdit(
      "sample --checkpoint " + checkpoint + " --caption 'a red circle' --caption 'blue square'" +
      " --frames 4 --size 4x6 --sampler ddim --steps 6 --guidance " + guidance +
      " --seed 9 --out " + (folder / "gifs") + " --tensors " + samples);
  ASSERT_EQ(sampled.exit_code, 0) << sampled.output;
  const PythonResult checked = run_check("sample", model_file, samples, folder);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("OK"), std::string::npos) << checked.output;
}

TEST(PytorchModule, DdimSampleEqualsVditSampleWithEpsilonAndGuidance) {
  expect_ddim_equal({"diffusion.prediction=\"epsilon\"", "diffusion.schedule=\"linear\""}, "2.5");
}

TEST(SampleTensors, MissingFolderIsAnInputErrorBeforeAnySampling) {
  TempFolder folder;
  const RunConfig config = tiny_config({});
  training::Trainer trainer(config, torch::kCPU);
  const std::string checkpoint =
      save_and_export(trainer, config, folder, folder / "model.safetensors");
  const std::string missing = folder / "no/samples.safetensors";
  const auto sampled = vdit::testing::run_vdit("sample --checkpoint " + checkpoint +
                                               " --frames 2 --size 4x4 --out " + (folder / "gifs") +
                                               " --tensors " + missing);
  EXPECT_EQ(sampled.exit_code, 2) << sampled.output;
  EXPECT_NE(sampled.output.find("--tensors " + missing + ": folder"), std::string::npos)
      << sampled.output;
  EXPECT_FALSE(fs::exists(folder / "gifs"));
}

TEST(PytorchModule, DdimSampleEqualsVditSampleWithVAndCosineWithoutGuidance) {
  expect_ddim_equal({"diffusion.prediction=\"v\"", "diffusion.schedule=\"cosine\""}, "1");
}

}  // namespace
}  // namespace vdit::model
