// `vdit data synth | pack | inspect`: write the synthetic data set, pack videos into shards
// (pixels, or a VAE's latents and a text encoder's caption embeddings), or validate and summarise
// shards.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "data/shard_reader.h"
#include "data/shard_summary.h"
#include "data/synthetic_videos.h"
#include "data/video_packer.h"
#include "eval/latent_autoencoder.h"
#include "eval/text_encoder.h"

namespace vdit::cli {

namespace {

namespace po = boost::program_options;

constexpr const char* kDataUsage =
    "usage: vdit data <synth|pack|inspect> [--help] [args]\n\n"
    "  synth    write a synthetic captioned video data set (moving shapes) as HDF5 shards\n"
    "  pack     decode video files with FFmpeg and write their clips as HDF5 shards\n"
    "  inspect  validate shards and summarise their buckets and captions\n";

// Splits "a,b,c" and parses each item with `parse`.
template <typename Parse>
auto parse_comma_list(const std::string& text, Parse parse) {
  std::vector<decltype(parse(text))> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    items.push_back(parse(text.substr(start, end - start)));
    start = end + 1;
  }
  return items;
}

int64_t parse_integer(const std::string& text, const std::string& flag) {
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::logic_error&) {
    // invalid_argument or out_of_range: reported below with the flag and the text
  }
  throw InputError(
      fmt::format("--{}: found \"{}\", expected an integer that fits in 64 bits", flag, text));
}

int run_pack(const Args& args) {
  data::PackOptions options;
  std::string frames = "1,4,8";
  std::string resolutions = "32x32";
  std::string patch = "1,4,4";
  std::string vae_path, text_encoder_path, tokenizer_path;
  po::options_description visible(
      "usage: vdit data pack VIDEO... --out DIR [options]\n\n"
      "Decodes each video (any container FFmpeg reads; audio is ignored), cuts it into "
      "consecutive\n"
      "clips for every (frames, resolution) bucket and writes vdit-shard files pack-<k>.h5 with\n"
      "byte-level caption_ids: pixel-space, or latent-space with --vae (each clip encoded by the\n"
      "autoencoder; buckets are then the latent sizes), plus caption_emb with --text-encoder.\n"
      "Progress goes to stderr, a summary to stdout. Videos that cannot be decoded are reported\n"
      "and skipped; exits with 2 if none could be.\n\nOptions");
  visible.add_options()("help,h", "show this help")("out", po::value(&options.out_dir),
                                                    "output folder (created if missing)")(
      "frames", po::value(&frames)->default_value(frames), "frames per clip, comma separated")(
      "resolutions", po::value(&resolutions)->default_value(resolutions),
      "HxW clip sizes after resize and center crop, comma separated")(
      "fps", po::value(&options.fps)->default_value(options.fps),
      "frames per second, picked from each video by timestamp")(
      "patch", po::value(&patch)->default_value(patch), "patch size pt,p,p")(
      "max-samples-per-shard", po::value(&options.max_samples_per_shard)->default_value(1024),
      "clips per shard file before the next one starts")(
      "max-clips-per-video", po::value(&options.max_clips_per_video)->default_value(0),
      "clips per video in each bucket, 0 = all")(
      "captions", po::value(&options.captions),
      "manifest: CSV with path,caption or JSONL with {\"path\", \"caption\"}; otherwise each "
      "VIDEO's .txt sidecar")("caption-length",
                              po::value(&options.caption_length)->default_value(32),
                              "caption ids (and caption_emb tokens) per clip, truncated or padded")(
      "vae", po::value(&vae_path),
      "TorchScript video autoencoder (encode(x [B,3,T,H,W] in [-1,1]) -> [B,C,T',H',W'], "
      "decode(z), optional scaling_factor): write latent shards")(
      "text-encoder", po::value(&text_encoder_path),
      "TorchScript text encoder (forward(ids [N,Lc] int64) -> [N,Lc,D]): write caption_emb "
      "(needs --tokenizer)")(
      "tokenizer", po::value(&tokenizer_path),
      "the text encoder's tokenizer: a SentencePiece .model or a CLIP BPE merge list (.txt.gz)");
  po::options_description all;
  all.add(visible).add_options()("video", po::value(&options.videos)->composing(), "");
  po::positional_options_description positional;
  positional.add("video", -1);
  const auto values = parse_command_line(args, all, positional, visible, "data pack");
  if (!values) return kExitOk;
  if (options.videos.empty()) throw InputError("no video given (see vdit data pack --help)");
  if (options.out_dir.empty()) throw InputError("--out is required (see vdit data pack --help)");
  if (text_encoder_path.empty() != tokenizer_path.empty()) {
    throw InputError(
        "--text-encoder and --tokenizer go together: the encoder's ids come from its tokenizer");
  }
  if (options.caption_length < 1) {
    throw InputError(
        fmt::format("--caption-length: found {}, expected >= 1", options.caption_length));
  }
  options.clip_frames = parse_comma_list(
      frames, [](const std::string& item) { return parse_integer(item, "frames"); });
  options.resolutions = parse_comma_list(resolutions, [](const std::string& item) {
    return data::parse_resolution(item, "--resolutions");
  });
  options.patch = data::parse_patch_size(patch, "--patch");
  std::optional<eval::LatentAutoencoder> vae;
  if (!vae_path.empty()) {
    vae.emplace(eval::LatentAutoencoder::load(vae_path));
    options.clip_encoder = &*vae;
  }
  std::optional<eval::TextEncoder> text_encoder;
  if (!text_encoder_path.empty()) {
    text_encoder.emplace(
        eval::TextEncoder::load(text_encoder_path, tokenizer_path, options.caption_length));
    options.caption_encoder = &*text_encoder;
  }
  options.progress = ProgressTarget::standard_error();
  const data::PackSummary summary = data::pack_videos(options);
  fmt::print("{}", data::format_pack_summary(summary));
  if (vae) {
    fmt::print(
        "train on these shards with model.space = \"latent\" and model.channels = {}; sample "
        "with `vdit sample --vae {}`\n",
        vae->channels(), vae_path);
  }
  if (text_encoder) {
    fmt::print(
        "caption_emb: set model.condition = \"embeddings\", model.caption_embed_dim = {}, "
        "model.caption_length = {}; sample with --text-encoder {} --tokenizer {}\n",
        text_encoder->dim(), text_encoder->length(), text_encoder_path, tokenizer_path);
  }
  return summary.videos_ok > 0 ? kExitOk : kExitInputError;
}

int run_synth(const Args& args) {
  data::SynthOptions options;
  int64_t seed = 0;
  std::string buckets;
  std::string patch = "1,4,4";
  po::options_description visible(
      "usage: vdit data synth --out DIR [options]\n\n"
      "Writes pixel-space vdit-shard files synthetic-<k>-of-<K>.h5 with byte-level caption_ids.\n\n"
      "Options");
  visible.add_options()("help,h", "show this help")("out", po::value(&options.out_dir),
                                                    "output folder (created if missing)")(
      "seed", po::value(&seed)->default_value(0),
      "random seed; the same seed writes the same data")(
      "clips-per-bucket", po::value(&options.clips_per_bucket)->default_value(64),
      "clips in each bucket")(
      "buckets", po::value(&buckets),
      "TxHxW buckets, comma separated (default 1x32x32,4x32x32,8x32x32,8x48x48,16x64x64: one "
      "per curriculum stage, from images to long, larger clips)")(
      "patch", po::value(&patch)->default_value(patch), "patch size pt,p,p")(
      "shards", po::value(&options.shards)->default_value(1),
      "number of shard files, clips go round-robin")(
      "caption-length", po::value(&options.caption_length)->default_value(64),
      "caption ids per clip, truncated or padded");
  const auto values = parse_command_line(args, visible, {}, visible, "data synth");
  if (!values) return kExitOk;
  if (options.out_dir.empty()) throw InputError("--out is required (see vdit data synth --help)");
  if (seed < 0) throw InputError(fmt::format("--seed: found {}, expected >= 0", seed));
  options.seed = static_cast<uint64_t>(seed);
  if (!buckets.empty()) {
    options.buckets = parse_comma_list(buckets, [](const std::string& item) {
      return data::parse_bucket_shape(item, "--buckets");
    });
  }
  options.patch = data::parse_patch_size(patch, "--patch");
  const std::vector<std::string> paths = data::write_synthetic_dataset(options);
  fmt::print("wrote {} clips per bucket x {} buckets (seed {}) into {} shard(s):\n",
             options.clips_per_bucket, options.buckets.size(), options.seed, paths.size());
  for (const std::string& path : paths) fmt::print("  {}\n", path);
  return kExitOk;
}

int run_inspect(const Args& args) {
  int captions = 3;
  std::vector<std::string> shards;
  po::options_description visible(
      "usage: vdit data inspect [--captions N] SHARD...\n\n"
      "Validates every shard (format, version, space, patch, dtypes, shapes) and prints a "
      "summary.\n"
      "Exits with 2 if any shard is invalid, naming the file, dataset and problem.\n\nOptions");
  visible.add_options()("help,h", "show this help")(
      "captions", po::value(&captions)->default_value(3),
      "decoded captions shown per bucket; for RGB clips of 2+ frames also their motion: the "
      "foreground centroid in the first and last frame");
  po::options_description all;
  all.add(visible).add_options()("shard", po::value(&shards)->composing(), "");
  po::positional_options_description positional;
  positional.add("shard", -1);
  const auto values = parse_command_line(args, all, positional, visible, "data inspect");
  if (!values) return kExitOk;
  if (shards.empty()) throw InputError("no shard given (see vdit data inspect --help)");
  // Every shard is checked, so one run reports all invalid files, not just the first.
  int invalid = 0;
  for (const std::string& path : shards) {
    try {
      data::ShardReader reader = data::ShardReader::open(path);
      fmt::print("{}", data::summarize_shard(reader, captions));
    } catch (const InputError& error) {
      fmt::print(stderr, "vdit data inspect: invalid shard: {}\n", error.what());
      ++invalid;
    }
  }
  if (invalid > 0) {
    fmt::print(stderr, "vdit data inspect: {} of {} shard(s) invalid\n", invalid, shards.size());
    return kExitInputError;
  }
  return kExitOk;
}

}  // namespace

int run_data(const Args& args) {
  if (args.empty()) {
    fmt::print(stderr, "{}", kDataUsage);
    return kExitInputError;
  }
  const std::string& subcommand = args.front();
  const Args rest(args.begin() + 1, args.end());
  if (subcommand == "--help" || subcommand == "-h") {
    fmt::print("{}", kDataUsage);
    return kExitOk;
  }
  if (subcommand == "synth") return run_synth(rest);
  if (subcommand == "pack") return run_pack(rest);
  if (subcommand == "inspect") return run_inspect(rest);
  throw InputError(fmt::format("unknown data subcommand \"{}\"\n\n{}", subcommand, kDataUsage));
}

}  // namespace vdit::cli
