// `vdit sample`: load a checkpoint's model (EMA weights by default), sample videos for captions,
// write each as GIF, MP4 and/or PNG frames plus one contact sheet of all, and measure how far each
// sample's shapes move.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/progress.h"
#include "data/motion_track.h"
#include "data/rgb_video.h"
#include "orchestrator/sample_formats.h"

namespace vdit::orchestrator {

struct SampleRequest {
  std::string run_dir;     // sample from the run's latest checkpoint ...
  std::string checkpoint;  // ... or from this checkpoint folder
  std::vector<std::string> captions;
  int64_t frames = 8;
  int64_t height = 32;
  int64_t width = 32;
  std::optional<int64_t> steps;    // empty: the run config's diffusion.sample_steps
  std::string sampler;             // empty: diffusion.sampler
  std::optional<double> guidance;  // empty: diffusion.guidance_scale
  int64_t seed = 0;                // >= 0 (signed so that a typed -1 is refused, not wrapped)
  bool raw_weights = false;
  std::string out_dir;    // empty: <run>/samples/step_<N>
  SampleFormats formats;  // the files of each sample
  int fps = 8;            // frames per second of the GIF and MP4
  int upscale = 4;        // nearest-neighbour upscaling of every image written
  // A latent model's VAE (model.space = "latent"): frames and size above are the decoded video's,
  // the model samples the latent size the VAE encodes them to. Refused for a pixel model.
  std::string vae;
  // A model conditioned on caption embeddings (model.condition = "embeddings"): the text encoder
  // and tokenizer files that encode the captions, as at pack time. Refused for an ids model.
  std::string text_encoder;
  std::string tokenizer;
  // Non-empty: also write the samples before 8-bit quantization and the noise they started from,
  // as float32 safetensors: "samples" and "noise" (N, C, T, H, W), metadata format=vdit-samples,
  // captions (JSON list), seed, method, steps, guidance_scale, checkpoint, step.
  std::string tensors_out;
  // Checkpoint verification and denoising steps, with rate and ETA (core/progress.h); null stream
  // = silent.
  ProgressTarget progress;
};

struct WrittenSample {
  std::string name;                     // "sample_00"
  std::string caption;                  // as requested
  std::string gif;                      // sample_NN.gif; empty unless formats.gif
  std::string mp4;                      // sample_NN.mp4; empty unless formats.mp4
  std::vector<std::string> png_frames;  // sample_NN_frameMMM.png; empty unless formats.png
  std::string caption_file;             // sample_NN.txt
  data::MotionTrack motion;             // foreground centroid per frame and its displacement
};

struct WrittenSamples {
  std::vector<WrittenSample> samples;  // one per caption, in request order
  std::string contact_sheet;           // contact_sheet.png: a row per sample, a column per frame
};

// One sample per caption, in request order. Every flag is checked before any compute
// (sample_request_check.h): InputError for a missing checkpoint, a flag out of range, a size the
// patch cannot cut or a request larger than the machine's memory.
WrittenSamples write_samples(const SampleRequest& request);

// A checkpoint's model loaded once for many sampling calls (`vdit eval` samples thousands of
// videos per checkpoint). Built from a request's checkpoint, size and sampler settings; the
// request's captions, seed and output fields are not used.
class CheckpointSampler {
 public:
  // InputError for a missing checkpoint, a latent model without a VAE (or a pixel model with
  // one), an embeddings model without a text encoder, or frames/size/steps the model cannot take
  // (check_sample_against_model); the flags themselves are the caller's to check. A VAE or text
  // encoder whose checksum differs from the one the model's shards were packed with (recorded in
  // its config) is a warning on stdout naming both.
  explicit CheckpointSampler(const SampleRequest& request);
  ~CheckpointSampler();
  CheckpointSampler(CheckpointSampler&&) noexcept;
  CheckpointSampler& operator=(CheckpointSampler&&) noexcept;

  int64_t step() const;
  int64_t stage() const;  // the curriculum stage the checkpoint was saved in
  const std::string& checkpoint_path() const;
  const RunConfig& config() const;  // the checkpoint's, resolved
  // The request with frames and size replaced by what the model itself samples (the latent clip
  // for a latent model, the request unchanged for a pixel model): for memory estimates.
  SampleRequest model_sized(const SampleRequest& request) const;
  // One RGB video [T, H, W, 3] per caption, the noise drawn from `seed` for the whole batch.
  std::vector<data::RgbVideo> sample(const std::vector<std::string>& captions, uint64_t seed) const;

  struct State;  // public so that the sampler's helpers in its .cpp can take it
  // The same samples before 8-bit quantization, with the noise they started from.
  struct Videos {
    torch::Tensor noise;    // (N, C, T, H, W) float32: x_T, unpatchified (latents for a VAE model)
    torch::Tensor samples;  // (N, C, T, H, W) float32: the sampler's output, in [-1, 1] (a latent
                            // model's decoded by its VAE: 3 channels at the requested size)
    std::string method;     // the settings they were sampled with: "ddim" or "ddpm"
    int64_t steps = 0;
    double guidance_scale = 1.0;
  };
  Videos sample_videos(const std::vector<std::string>& captions, uint64_t seed) const;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace vdit::orchestrator
