#include "orchestrator/preflight.h"

#include <fmt/core.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "data/batch_plan.h"
#include "data/shard_set.h"

namespace vdit::orchestrator {
namespace {

// The smallest and largest caption id of a bucket, over every shard that holds it.
std::pair<int32_t, int32_t> caption_id_range(data::ShardSet& shards, const data::PlanBucket& bucket,
                                             int64_t caption_length) {
  std::pair<int32_t, int32_t> range{std::numeric_limits<int32_t>::max(),
                                    std::numeric_limits<int32_t>::min()};
  std::vector<int32_t> ids(static_cast<size_t>(caption_length));
  for (int64_t row = 0; row < bucket.samples; ++row) {
    const data::ShardSet::Location where = shards.locate(bucket.shape, row);
    where.reader->read_caption_ids(bucket.shape, where.row, ids.data());
    const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
    range.first = std::min(range.first, *low);
    range.second = std::max(range.second, *high);
  }
  return range;
}

// The caption condition the model reads, checked for one bucket.
void check_condition(const RunConfig& config, data::ShardSet& shards,
                     const data::PlanBucket& bucket, const std::string& where,
                     std::vector<std::string>& problems) {
  const ModelConfig& model = config.model;
  const data::BucketInfo& info = shards.bucket(bucket.shape);
  if (model.condition == "ids") {
    if (!info.has_caption_ids()) {
      problems.push_back(fmt::format(
          "{}: has no caption_ids, but model.condition = \"ids\" needs them (found "
          "caption_emb: {}; use model.condition = \"embeddings\" for precomputed embeddings)",
          where, info.has_caption_emb() ? "yes" : "no"));
      return;
    }
    if (info.caption_length != model.caption_length) {
      problems.push_back(fmt::format(
          "{}: caption_ids hold {} tokens per caption, but model.caption_length = {} (set "
          "model.caption_length = {}, or re-pack the shards with --caption-length {})",
          where, info.caption_length, model.caption_length, info.caption_length,
          model.caption_length));
      return;
    }
    const auto [low, high] = caption_id_range(shards, bucket, info.caption_length);
    if (low < 0 || high >= model.caption_vocab) {
      problems.push_back(fmt::format(
          "{}: caption ids range over [{}, {}], but model.caption_vocab = {} accepts [0, {}]",
          where, low, high, model.caption_vocab, model.caption_vocab - 1));
    }
    return;
  }
  if (!info.has_caption_emb()) {
    problems.push_back(fmt::format(
        "{}: has no caption_emb, but model.condition = \"embeddings\" needs them (found "
        "caption_ids: {})",
        where, info.has_caption_ids() ? "yes" : "no"));
    return;
  }
  if (info.caption_emb_length != model.caption_length) {
    problems.push_back(
        fmt::format("{}: caption_emb hold {} tokens per caption, but model.caption_length = {}",
                    where, info.caption_emb_length, model.caption_length));
  }
  if (info.caption_emb_dim != model.caption_embed_dim) {
    problems.push_back(fmt::format("{}: caption_emb are {} wide, but model.caption_embed_dim = {}",
                                   where, info.caption_emb_dim, model.caption_embed_dim));
  }
}

// The perceptual loss decodes this rank's tokens to whole RGB frames.
void check_perceptual(const RunConfig& config, const data::PlanBucket& bucket,
                      const std::string& where, std::vector<std::string>& problems) {
  if (config.model.channels != 3 || config.model.space != "pixel") {
    problems.push_back(fmt::format(
        "{}: perceptual_weight > 0 needs pixel shards (model.space = \"pixel\", model.channels = "
        "3), found model.space = \"{}\", model.channels = {}",
        where, config.model.space, config.model.channels));
  }
  const int64_t patch_frames = bucket.shape.frames / config.model.patch_frames;
  if (patch_frames % config.parallel.sp != 0) {
    problems.push_back(fmt::format(
        "{}: perceptual_weight > 0 needs whole frames on each sequence-parallel rank, but {} "
        "patch-frames do not divide by parallel.sp = {}",
        where, patch_frames, config.parallel.sp));
  }
}

// A run that names the network its shards were packed with must get shards from that network.
void check_provenance(const char* field, const char* network, const std::string& configured,
                      const std::string& recorded, const std::string& shard,
                      std::vector<std::string>& problems) {
  if (configured.empty() || configured == recorded) return;
  problems.push_back(fmt::format(
      "{} = \"{}\", but the shards ({} ...) were packed with the {} \"{}\" (leave {} empty to "
      "take the shards' value)",
      field, configured, shard, network, recorded.empty() ? "none recorded" : recorded, field));
}

}  // namespace

std::string PreflightReport::describe_problems() const {
  std::string text = fmt::format("pre-flight found {} problem{} before training:", problems.size(),
                                 problems.size() == 1 ? "" : "s");
  for (const std::string& problem : problems) text += "\n  - " + problem;
  return text;
}

PreflightReport run_preflight(const RunConfig& config, const std::vector<std::string>& shards) {
  PreflightReport report;
  data::ShardExpectations expected;
  expected.space = data::parse_token_space(config.model.space, "model.space");
  expected.channels = config.model.channels;
  expected.patch = config.model.patch();
  std::optional<data::ShardSet> set;
  try {
    set.emplace(data::ShardSet::open(shards, expected));
  } catch (const InputError& error) {
    report.problems.push_back(error.what());  // names the file; no stage can be checked further
    return report;
  }
  check_provenance("model.vae_checksum", "VAE", config.model.vae_checksum,
                   set->header().vae_checksum, shards.front(), report.problems);
  check_provenance("model.text_encoder_checksum", "text encoder",
                   config.model.text_encoder_checksum, set->header().text_encoder_checksum,
                   shards.front(), report.problems);
  report.vae_checksum = set->header().vae_checksum;
  report.text_encoder_checksum = set->header().text_encoder_checksum;
  const ParallelConfig& mesh = config.parallel;
  const auto& stages = config.curriculum.stages;
  for (size_t index = 0; index < stages.size(); ++index) {
    const StageConfig& stage = stages[index];
    const std::string name =
        fmt::format("stage {}/{} \"{}\"", index + 1, stages.size(), stage.name);
    if (stage.global_batch % mesh.dp != 0) {
      report.problems.push_back(fmt::format(
          "{}: global_batch = {} does not divide by parallel.dp = {} (each dp rank takes an "
          "equal share)",
          name, stage.global_batch, mesh.dp));
    }
    data::BucketFilter filter;
    filter.frames_min = stage.frames_min;
    filter.frames_max = stage.frames_max;
    filter.resolutions = stage.resolutions;
    data::StageBuckets selected;
    try {
      selected = data::select_stage_buckets(set->buckets(), filter, stage.global_batch);
    } catch (const InputError& error) {
      report.problems.push_back(fmt::format("{}: {}", name, error.what()));
      continue;
    }
    std::string summary = fmt::format("{}: up to {} steps (advance: {}), global batch {}, buckets",
                                      name, stage.steps, stage.advance, stage.global_batch);
    for (const data::PlanBucket& bucket : selected.eligible) {
      const std::string where = fmt::format("{}, bucket {}", name, bucket.shape.name());
      const int64_t tokens = set->bucket(bucket.shape).tokens_per_sample;
      if (tokens % mesh.sp != 0) {
        report.problems.push_back(fmt::format(
            "{}: {} tokens per clip do not divide by parallel.sp = {} (each sp rank takes an "
            "equal slice; use an sp that divides {}, or leave this bucket out of the stage)",
            where, tokens, mesh.sp, tokens));
      }
      check_condition(config, *set, bucket, where, report.problems);
      if (stage.perceptual_weight > 0) check_perceptual(config, bucket, where, report.problems);
      summary += fmt::format(" {} ({} samples)", bucket.shape.name(), bucket.samples);
    }
    for (const std::string& warning : selected.warnings) summary += "; " + warning;
    report.stages.push_back(summary);
  }
  return report;
}

}  // namespace vdit::orchestrator
