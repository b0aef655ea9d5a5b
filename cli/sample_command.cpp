// `vdit sample --run DIR | --checkpoint DIR --caption TEXT [--frames T --size HxW ...]`
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <filesystem>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "data/motion_track.h"
#include "orchestrator/sample_formats.h"
#include "orchestrator/sample_writer.h"

namespace vdit::cli {

int run_sample(const Args& args) {
  namespace po = boost::program_options;
  orchestrator::SampleRequest request;
  std::string size = "32x32";
  std::string formats = "gif,mp4,png";
  po::options_description options(
      "vdit sample [options]\n\nGenerates videos from a checkpoint: a GIF, an MP4 and PNG frames "
      "per caption (--format), a contact sheet of every frame of every sample, and prints how "
      "far each sample's foreground moves (centroid, first to last frame)");
  options.add_options()("help,h", "show this help")(
      "run", po::value(&request.run_dir), "run folder: sample from its latest checkpoint")(
      "checkpoint", po::value(&request.checkpoint), "a checkpoint folder (instead of --run)")(
      "caption", po::value(&request.captions)->composing(), "caption to sample (repeatable)")(
      "frames", po::value(&request.frames)->default_value(8), "frames T")(
      "size", po::value(&size)->default_value("32x32"), "resolution HxW")(
      "steps", po::value<int64_t>(), "DDIM sampler steps (default: diffusion.sample_steps)")(
      "sampler", po::value(&request.sampler), "ddim or ddpm (default: diffusion.sampler)")(
      "guidance", po::value<double>(),
      "classifier-free guidance scale, 1 = none (default: diffusion.guidance_scale)")(
      "seed", po::value(&request.seed)->default_value(0), "noise seed")(
      "raw-weights", po::bool_switch(&request.raw_weights),
      "use the raw weights instead of the EMA")("out", po::value(&request.out_dir),
                                                "output folder (default: <run>/samples/step_N)")(
      "format", po::value(&formats)->default_value(formats),
      "files per sample: a comma-separated list of gif, mp4, png")(
      "fps", po::value(&request.fps)->default_value(8), "frames per second of the GIF and MP4")(
      "upscale", po::value(&request.upscale)->default_value(4),
      "integer upscaling factor (nearest neighbour) of every image written")(
      "tensors", po::value(&request.tensors_out),
      "also write the samples before 8-bit quantization and their initial noise, float32 "
      "[N, C, T, H, W], to this safetensors file (python/vdit_model.py reads it)")(
      "vae", po::value(&request.vae),
      "a latent model's VAE (TorchScript): decodes the sampled latents; --frames/--size are the "
      "decoded video's")("text-encoder", po::value(&request.text_encoder),
                         "an embeddings model's text encoder (TorchScript), as at pack time")(
      "tokenizer", po::value(&request.tokenizer),
      "the text encoder's tokenizer (SentencePiece .model or CLIP BPE .txt.gz)");
  const auto values = parse_command_line(args, options, {}, options, "sample");
  if (!values) return kExitOk;
  if (request.run_dir.empty() == request.checkpoint.empty()) {
    throw InputError("give exactly one of --run DIR or --checkpoint DIR (see vdit sample --help)");
  }
  if (values->count("steps")) request.steps = (*values)["steps"].as<int64_t>();
  if (values->count("guidance")) request.guidance = (*values)["guidance"].as<double>();
  request.formats = orchestrator::parse_sample_formats(formats);
  char separator = 0;
  int consumed = 0;
  if (std::sscanf(size.c_str(), "%ld%c%ld%n", &request.height, &separator, &request.width,
                  &consumed) != 3 ||
      separator != 'x' || static_cast<size_t>(consumed) != size.size() || request.height <= 0 ||
      request.width <= 0) {
    throw InputError(fmt::format("--size: found \"{}\", expected HxW such as 32x32", size));
  }
  if (values->count("caption") == 0) request.captions = {"a red circle moving right"};
  request.progress = ProgressTarget::standard_error();
  const orchestrator::WrittenSamples written = orchestrator::write_samples(request);
  for (const auto& sample : written.samples) {
    for (const std::string& file : {sample.gif, sample.mp4}) {
      if (!file.empty()) fmt::print("wrote {}\n", file);
    }
    if (!sample.png_frames.empty()) {
      fmt::print("wrote {} .. {} ({} PNG frames)\n", sample.png_frames.front(),
                 sample.png_frames.back(), sample.png_frames.size());
    }
  }
  fmt::print("wrote {}\n", written.contact_sheet);
  // Motion as numbers: the foreground centroid of the first and last frame (x right, y down).
  for (const auto& sample : written.samples) {
    fmt::print("{}: {} (\"{}\")\n", sample.name, data::describe_motion(sample.motion),
               sample.caption);
  }
  return kExitOk;
}

}  // namespace vdit::cli
