#include "orchestrator/sample_writer.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/safetensors_writer.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "core/host_memory.h"
#include "core/log.h"
#include "data/caption_tokenizer.h"
#include "data/contact_sheet.h"
#include "data/gif_writer.h"
#include "data/mp4_writer.h"
#include "data/png_writer.h"
#include "eval/latent_autoencoder.h"
#include "eval/text_encoder.h"
#include "orchestrator/run_state.h"
#include "orchestrator/sample_request_check.h"
#include "worker/diffusion/sampler.h"
#include "worker/model/video_dit.h"
#include "worker/training/training_state.h"

namespace vdit::orchestrator {
namespace {

checkpoints::LoadedCheckpoint locate(const SampleRequest& request) {
  checkpoints::OpenOptions options;
  options.progress = request.progress;
  if (!request.checkpoint.empty()) {
    return checkpoints::open_checkpoint(request.checkpoint, options);
  }
  std::vector<std::string> warnings;
  auto found =
      checkpoints::find_latest_checkpoint(request.run_dir + "/checkpoints", warnings, options);
  for (const auto& warning : warnings) log_warn("checkpoint: {}", warning);
  if (!found)
    throw InputError(
        fmt::format("{}/checkpoints: no checkpoint to sample from (train first)", request.run_dir));
  return *found;
}

// (C, T, H, W) in [-1, 1] -> RGB uint8 frames
data::RgbVideo to_rgb(const torch::Tensor& video) {
  const auto pixels = ((video.clamp(-1, 1) + 1) * 127.5)
                          .round()
                          .to(torch::kUInt8)
                          .permute({1, 2, 3, 0})
                          .contiguous();
  data::RgbVideo rgb;
  rgb.frames = static_cast<int>(pixels.size(0));
  rgb.height = static_cast<int>(pixels.size(1));
  rgb.width = static_cast<int>(pixels.size(2));
  rgb.pixels.assign(pixels.data_ptr<uint8_t>(), pixels.data_ptr<uint8_t>() + pixels.numel());
  return rgb;
}

// The warning for a network whose file differs from the one the shards were packed with.
void warn_if_other_file(const std::string& flag, const std::string& path,
                        const std::string& checksum, const std::string& recorded,
                        const std::string& field) {
  if (recorded.empty() || recorded == checksum) return;
  fmt::print(
      "warning: {} {} has checksum {}, but the model's shards were packed with {} ({} in the "
      "checkpoint's config): samples may come out wrong\n",
      flag, path, checksum, recorded, field);
}

// (N, C, T, H, W) in [-1, 1] -> one RGB video per sample
std::vector<data::RgbVideo> to_rgb_videos(const torch::Tensor& videos) {
  std::vector<data::RgbVideo> rgb;
  for (int64_t i = 0; i < videos.size(0); ++i) rgb.push_back(to_rgb(videos[i]));
  return rgb;
}

// SampleRequest::tensors_out's file.
void write_sample_tensors(const SampleRequest& request, const CheckpointSampler& sampler,
                          const CheckpointSampler::Videos& videos) {
  const std::vector<torch::Tensor> tensors = {videos.noise.contiguous(),
                                              videos.samples.contiguous()};
  const std::vector<checkpoints::SafetensorsEntry> entries = {
      {"noise", tensors[0].sizes().vec()}, {"samples", tensors[1].sizes().vec()}};
  const std::map<std::string, std::string> metadata = {
      {"format", "vdit-samples"},
      {"captions", nlohmann::json(request.captions).dump()},
      {"seed", std::to_string(request.seed)},
      {"method", videos.method},
      {"steps", std::to_string(videos.steps)},
      {"guidance_scale", nlohmann::json(videos.guidance_scale).dump()},
      {"checkpoint", sampler.checkpoint_path()},
      {"step", std::to_string(sampler.step())},
  };
  checkpoints::write_safetensors(request.tensors_out, entries, metadata, [&](size_t index) {
    const float* values = tensors[index].data_ptr<float>();
    return std::vector<float>(values, values + tensors[index].numel());
  });
}

}  // namespace

struct CheckpointSampler::State {
  checkpoints::LoadedCheckpoint checkpoint;
  RunConfig config;
  CurriculumPosition position;
  PatchSize patch;
  PatchGrid grid;
  model::VideoDiT dit{nullptr};
  std::unique_ptr<diffusion::GaussianDiffusion> diffusion;
  diffusion::SampleOptions options;
  data::BucketShape clip;    // what the model samples: pixels, or latents for a latent model
  data::BucketShape pixels;  // the decoded video's frames and size
  std::optional<eval::LatentAutoencoder> vae;
  std::optional<eval::TextEncoder> text_encoder;
  ProgressTarget progress;
};

namespace {

// Loads --vae for a latent model and finds the latent clip it encodes the requested video to.
void attach_vae(CheckpointSampler::State& s, const SampleRequest& request) {
  const ModelConfig& model = s.config.model;
  s.pixels = data::BucketShape{request.frames, request.height, request.width};
  s.clip = s.pixels;
  if (model.space != "latent") {
    if (!request.vae.empty()) {
      throw InputError(fmt::format(
          "--vae {}: the model of {} samples pixels (model.space = \"{}\"), there are no latents "
          "to decode; leave out --vae",
          request.vae, s.checkpoint.path, model.space));
    }
    if (model.channels != 3) {
      throw InputError(fmt::format(
          "{}: model.channels = {}: sampling writes RGB pixels and needs a pixel-space model "
          "(3 channels)",
          s.checkpoint.path, model.channels));
    }
    return;
  }
  if (request.vae.empty()) {
    throw InputError(fmt::format(
        "{}: the model was trained on latents (model.space = \"latent\", {} channels, VAE {}): "
        "give the VAE its shards were packed with, --vae FILE.pt",
        s.checkpoint.path, model.channels,
        model.vae_checksum.empty() ? std::string("not recorded") : model.vae_checksum));
  }
  s.vae.emplace(eval::LatentAutoencoder::load(request.vae));
  warn_if_other_file("--vae", request.vae, s.vae->checksum(), model.vae_checksum,
                     "model.vae_checksum");
  s.clip = s.vae->latent_shape(s.pixels);
  if (s.vae->channels() != model.channels) {
    throw InputError(
        fmt::format("--vae {}: encodes to {} channels, but the model of {} has "
                    "model.channels = {}",
                    request.vae, s.vae->channels(), s.checkpoint.path, model.channels));
  }
  s.options.clip_x0 = false;  // latents are not bounded to the pixels' [-1, 1]
}

// Loads --text-encoder/--tokenizer for a model conditioned on caption embeddings.
void attach_text_encoder(CheckpointSampler::State& s, const SampleRequest& request) {
  const ModelConfig& model = s.config.model;
  const bool given = !request.text_encoder.empty() || !request.tokenizer.empty();
  if (model.condition != "embeddings") {
    if (given) {
      throw InputError(
          fmt::format("--text-encoder/--tokenizer: the model of {} encodes caption ids itself "
                      "(model.condition = \"{}\"); leave them out",
                      s.checkpoint.path, model.condition));
    }
    return;
  }
  if (request.text_encoder.empty() || request.tokenizer.empty()) {
    throw InputError(fmt::format(
        "{}: the model is conditioned on caption embeddings (model.condition = \"embeddings\", "
        "text encoder {}): give --text-encoder FILE.pt and --tokenizer FILE, as at pack time",
        s.checkpoint.path,
        model.text_encoder_checksum.empty() ? std::string("not recorded")
                                            : model.text_encoder_checksum));
  }
  s.text_encoder.emplace(
      eval::TextEncoder::load(request.text_encoder, request.tokenizer, model.caption_length));
  warn_if_other_file("--text-encoder", request.text_encoder, s.text_encoder->checksum(),
                     model.text_encoder_checksum, "model.text_encoder_checksum");
  if (s.text_encoder->dim() != model.caption_embed_dim) {
    throw InputError(fmt::format(
        "--text-encoder {}: makes {}-wide embeddings, but the model of {} "
        "has model.caption_embed_dim = {}",
        request.text_encoder, s.text_encoder->dim(), s.checkpoint.path, model.caption_embed_dim));
  }
}

}  // namespace

CheckpointSampler::CheckpointSampler(const SampleRequest& request)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.checkpoint = locate(request);
  s.config =
      parse_run_config(s.checkpoint.config_toml, s.checkpoint.path + "/manifest.json (config)");
  resolve_and_validate(s.config);
  s.position = parse_run_state(s.checkpoint.state_json, s.checkpoint.path + "/manifest.json");
  const RunConfig& config = s.config;
  attach_vae(s, request);
  attach_text_encoder(s, request);
  check_sample_against_model(model_sized(request), config);
  s.patch = config.model.patch();
  s.grid = PatchGrid{s.clip.frames / s.patch.frames, s.clip.height / s.patch.size,
                     s.clip.width / s.patch.size};
  s.dit = model::VideoDiT(model::video_dit_options(config.model, 0));
  training::load_model_weights(s.dit, s.checkpoint, !request.raw_weights);
  s.dit->eval();
  s.diffusion = std::make_unique<diffusion::GaussianDiffusion>(
      diffusion::NoiseSchedule::from_config(config.diffusion),
      diffusion::prediction_from_string(config.diffusion.prediction));
  s.options.method = request.sampler.empty() ? config.diffusion.sampler : request.sampler;
  s.options.steps = request.steps.value_or(config.diffusion.sample_steps);
  s.options.guidance_scale = request.guidance.value_or(config.diffusion.guidance_scale);
  s.progress = request.progress;
}

CheckpointSampler::~CheckpointSampler() = default;
CheckpointSampler::CheckpointSampler(CheckpointSampler&&) noexcept = default;
CheckpointSampler& CheckpointSampler::operator=(CheckpointSampler&&) noexcept = default;

int64_t CheckpointSampler::step() const { return state_->checkpoint.step; }
int64_t CheckpointSampler::stage() const { return state_->position.stage; }
const std::string& CheckpointSampler::checkpoint_path() const { return state_->checkpoint.path; }
const RunConfig& CheckpointSampler::config() const { return state_->config; }

SampleRequest CheckpointSampler::model_sized(const SampleRequest& request) const {
  SampleRequest sized = request;
  sized.frames = state_->clip.frames;
  sized.height = state_->clip.height;
  sized.width = state_->clip.width;
  return sized;
}

namespace {

// Byte-level caption ids for a model that encodes them itself. Returns (N, Lc) int64.
torch::Tensor caption_ids(const std::vector<std::string>& captions, int64_t caption_length) {
  const data::CaptionTokenizer tokenizer(caption_length);
  std::vector<torch::Tensor> ids;
  int64_t captions_cut = 0;
  for (const auto& caption : captions) {
    captions_cut += tokenizer.fits(caption) ? 0 : 1;
    auto encoded = tokenizer.encode(caption);
    ids.push_back(
        torch::tensor(std::vector<int64_t>(encoded.begin(), encoded.end()), torch::kInt64));
  }
  const std::string cut_warning = data::caption_truncation_warning(
      captions_cut, static_cast<int64_t>(captions.size()), caption_length,
      "the checkpoint's model.caption_length: shorten them");
  if (!cut_warning.empty()) log_warn("{}", cut_warning.substr(0, cut_warning.size() - 1));
  return torch::stack(ids);
}

}  // namespace

std::vector<data::RgbVideo> CheckpointSampler::sample(const std::vector<std::string>& captions,
                                                      uint64_t seed) const {
  return to_rgb_videos(sample_videos(captions, seed).samples);
}

CheckpointSampler::Videos CheckpointSampler::sample_videos(const std::vector<std::string>& captions,
                                                           uint64_t seed) const {
  State& s = *state_;
  diffusion::SampleOptions options = s.options;
  options.seed = seed;
  std::unique_ptr<ProgressReporter> progress;  // made at the first step, which knows the total
  options.after_step = [&](int64_t done, int64_t total) {
    if (!progress) {
      ProgressReporter::Options progress_options;
      progress_options.label = "sample";
      progress_options.total = total;
      progress_options.unit = "steps";
      progress = std::make_unique<ProgressReporter>(s.progress, progress_options);
    }
    progress->advance(done - progress->done());
  };
  const torch::Tensor condition = s.text_encoder
                                      ? s.text_encoder->encode_batch(captions)  // (N, Lc, E)
                                      : caption_ids(captions, s.config.model.caption_length);
  const auto tokens = diffusion::sample(s.dit, *s.diffusion, condition, s.grid, options);
  const auto noise = diffusion::initial_noise({tokens.size(0), tokens.size(1), tokens.size(2)},
                                              seed);  // what `sample` started from
  const int64_t channels = s.config.model.channels;
  auto samples = model::unpatchify(tokens, s.grid, s.patch, channels);  // (N, C, T, H, W)
  if (s.vae) samples = s.vae->decode(samples, s.pixels);                // (N, 3, T, H, W) pixels
  return {model::unpatchify(noise, s.grid, s.patch, channels), samples, options.method,
          options.steps, options.guidance_scale};
}

WrittenSamples write_samples(const SampleRequest& request) {
  check_sample_flags(request);
  if (!request.tensors_out.empty()) {
    const std::filesystem::path parent =
        std::filesystem::absolute(request.tensors_out).parent_path();
    std::error_code error;
    if (!std::filesystem::is_directory(parent, error)) {
      throw InputError(fmt::format("--tensors {}: folder {} does not exist", request.tensors_out,
                                   parent.string()));
    }
  }
  const CheckpointSampler sampler(request);
  const SampleRequest sized = sampler.model_sized(request);
  check_sample_memory(sized, estimate_sample_memory_bytes(sized, sampler.config()),
                      available_memory_bytes());
  const CheckpointSampler::Videos sampled =
      sampler.sample_videos(request.captions, static_cast<uint64_t>(request.seed));
  if (!request.tensors_out.empty()) write_sample_tensors(request, sampler, sampled);
  const std::vector<data::RgbVideo> videos = to_rgb_videos(sampled.samples);
  const std::string out_dir =
      !request.out_dir.empty()
          ? request.out_dir
          : (request.run_dir.empty() ? sampler.checkpoint_path() : request.run_dir) +
                fmt::format("/samples/step_{:09d}", sampler.step());
  std::filesystem::create_directories(out_dir);
  data::GifOptions gif;
  gif.delay_cs = data::gif_delay_cs(request.fps);
  gif.scale = request.upscale;
  data::Mp4Options mp4;
  mp4.fps = request.fps;
  mp4.scale = request.upscale;
  WrittenSamples written;
  for (size_t i = 0; i < request.captions.size(); ++i) {
    const data::RgbVideo& rgb = videos[i];
    WrittenSample sample;
    sample.name = fmt::format("sample_{:02d}", i);
    sample.caption = request.captions[i];
    const std::string stem = out_dir + "/" + sample.name;
    if (request.formats.gif) {
      sample.gif = stem + ".gif";
      data::write_gif(sample.gif, rgb, gif);
    }
    if (request.formats.mp4) {
      sample.mp4 = stem + ".mp4";
      data::write_mp4(sample.mp4, rgb, mp4);
    }
    if (request.formats.png) {
      const data::RgbVideo scaled = data::upscale_nearest(rgb, request.upscale);
      for (int frame = 0; frame < rgb.frames; ++frame) {
        sample.png_frames.push_back(fmt::format("{}_frame{:03d}.png", stem, frame));
        data::write_png(sample.png_frames.back(), scaled, frame);
      }
    }
    sample.caption_file = stem + ".txt";
    std::ofstream(sample.caption_file) << request.captions[i] << "\n";
    sample.motion = data::track_motion(rgb, {}, stem);
    written.samples.push_back(std::move(sample));
  }
  data::ContactSheetOptions sheet;
  sheet.scale = request.upscale;
  written.contact_sheet = out_dir + "/contact_sheet.png";
  data::write_png(written.contact_sheet, data::contact_sheet(videos, sheet));
  return written;
}

}  // namespace vdit::orchestrator
