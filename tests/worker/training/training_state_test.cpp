#include "worker/training/training_state.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "tests/worker/model/shape_only_communicator.h"

namespace vdit::training {
namespace {

namespace fs = std::filesystem;

RunConfig tiny_config() {
  RunConfig config = parse_run_config("", "test.toml",
                                      {"model.hidden_size=24", "model.depth=1", "model.num_heads=2",
                                       "model.caption_length=4", "optimizer.ema_decay=0.5"});
  resolve_and_validate(config);
  return config;
}

void perturb(Trainer& trainer) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : trainer.model()->parameters())
    parameter.add_(torch::randn_like(parameter));
  trainer.ema()->update(*trainer.model());
}

TEST(TrainingState, RestoresModelEmaAndOptimizerExactly) {
  const RunConfig config = tiny_config();
  Trainer source(config, torch::kCPU);
  perturb(source);
  // One real optimizer step so AdamW has state.
  for (auto& parameter : source.model()->parameters())
    parameter.mutable_grad() = torch::randn_like(parameter);
  source.optimizer().step();

  const fs::path root =
      fs::temp_directory_path() / ("vdit_state_test_" + std::to_string(::getpid()));
  fs::remove_all(root);
  checkpoints::CheckpointMeta meta;
  meta.step = 3;
  checkpoints::write_checkpoint(root.string(), meta,
                                {{"model-tp0-of-1.h5", snapshot_training_state(source)}});
  std::vector<std::string> warnings;
  const auto loaded = checkpoints::find_latest_checkpoint(root.string(), warnings);
  ASSERT_TRUE(loaded.has_value());

  Trainer target(config, torch::kCPU);
  restore_training_state(target, *loaded);
  const auto expected = source.model()->named_parameters();
  for (const auto& item : target.model()->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), expected[item.key()])) << item.key();
    EXPECT_TRUE(
        torch::equal(target.ema()->shadow()[item.key()], source.ema()->shadow()[item.key()]))
        << item.key();
  }
  ASSERT_EQ(target.optimizer().state().size(), source.optimizer().state().size());

  model::VideoDiT ema_model(model::video_dit_options(config.model, 0));
  load_model_weights(ema_model, *loaded, /*use_ema=*/true);
  for (const auto& item : ema_model->named_parameters()) {
    EXPECT_TRUE(torch::equal(item.value(), source.ema()->shadow()[item.key()])) << item.key();
  }
  fs::remove_all(root);
}

TEST(TrainingState, PiecesOfEveryTpRankReassembleEachTensorExactly) {
  const RunConfig config = tiny_config();
  model::VideoDiT full(model::video_dit_options(config.model, 0));
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : full->parameters()) parameter.copy_(torch::randn_like(parameter));
  }
  // What each of 2 tensor-parallel ranks would store: its piece of every parameter.
  constexpr int64_t kTp = 2;
  model::ParallelContext tp_layout;
  tp_layout.tp = testing::shape_only_communicator(0, kTp);
  const model::TensorParallelPlan plan(
      *model::VideoDiT(model::video_dit_options(config.model, 0), tp_layout));
  std::vector<checkpoints::ShardFile> files;
  int64_t split_pieces = 0, fused_pieces = 0;
  for (int64_t rank = 0; rank < kTp; ++rank) {
    checkpoints::ShardFile file{"state-tp" + std::to_string(rank) + "-of-2.h5", {}};
    for (const auto& item : full->named_parameters()) {
      const model::ShardRule rule = plan.rule_of(item.key());
      append_piece_record(file.tensors, "model/" + item.key(),
                          model::shard_tensor(item.value(), rule, rank, kTp), rule, rank, kTp);
    }
    for (const auto& record : file.tensors) {
      split_pieces += record.split_dim != -1;
      fused_pieces += record.split_blocks > 1;
    }
    files.push_back(std::move(file));
  }
  EXPECT_GT(split_pieces, 0);
  EXPECT_GT(fused_pieces, 0);  // qkv and kv are cut per block
  EXPECT_EQ(files[1].tensors.size(), static_cast<size_t>(split_pieces / kTp));

  const fs::path root =
      fs::temp_directory_path() / ("vdit_state_pieces_" + std::to_string(::getpid()));
  fs::remove_all(root);
  checkpoints::CheckpointMeta meta;
  meta.step = 1;
  const auto loaded =
      checkpoints::open_checkpoint(checkpoints::write_checkpoint(root.string(), meta, files));
  for (const auto& item : full->named_parameters()) {
    std::vector<int64_t> shape;
    std::vector<float> values =
        checkpoints::read_full_tensor(loaded, "model/" + item.key(), &shape);
    EXPECT_EQ(shape, item.value().sizes().vec()) << item.key();
    EXPECT_TRUE(torch::equal(torch::from_blob(values.data(), shape, torch::kFloat32), item.value()))
        << item.key();
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace vdit::training
