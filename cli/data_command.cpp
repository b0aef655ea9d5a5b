// `vdit data synth | pack | inspect`: write the synthetic data set, pack videos into shards, or
// validate and summarise shards.
#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "data/shard_reader.h"
#include "data/shard_summary.h"
#include "data/synthetic_videos.h"
#include "data/video_packer.h"

namespace vdit::cli {

namespace {

constexpr const char* kDataUsage =
    "usage: vdit data <synth|pack|inspect> [--help] [args]\n\n"
    "  synth    write a synthetic captioned video data set (moving shapes) as HDF5 shards\n"
    "  pack     decode video files with FFmpeg and write their clips as HDF5 shards\n"
    "  inspect  validate shards and summarise their buckets and captions\n";

constexpr const char* kSynthUsage =
    "usage: vdit data synth --out DIR [options]\n\n"
    "Writes pixel-space vdit-shard files synthetic-<k>-of-<K>.h5 with byte-level caption_ids.\n\n"
    "  --out DIR               output folder (created if missing)\n"
    "  --seed S                random seed; the same seed writes the same data (default 0)\n"
    "  --clips-per-bucket N    clips in each bucket (default 64)\n"
    "  --buckets LIST          TxHxW buckets, comma separated\n"
    "                          (default 1x32x32,4x32x32,8x32x32,8x48x48,16x64x64: one per\n"
    "                          curriculum stage, from images to long, larger clips)\n"
    "  --patch PT,P,P          patch size (default 1,4,4)\n"
    "  --shards K              number of shard files, clips go round-robin (default 1)\n"
    "  --caption-length LC     caption ids per clip, truncated or padded (default 64)\n";

constexpr const char* kPackUsage =
    "usage: vdit data pack VIDEO... --out DIR [options]\n\n"
    "Decodes each video (any container FFmpeg reads; audio is ignored), cuts it into consecutive\n"
    "clips for every (frames, resolution) bucket and writes pixel-space vdit-shard files\n"
    "pack-<k>.h5 with byte-level caption_ids. Progress goes to stderr, a summary to stdout.\n"
    "Videos that cannot be decoded are reported and skipped; exits with 2 if none could be.\n\n"
    "  --out DIR                  output folder (created if missing)\n"
    "  --frames LIST              frames per clip, comma separated (default 1,4,8)\n"
    "  --resolutions LIST         HxW clip sizes after resize and center crop, comma separated\n"
    "                             (default 32x32)\n"
    "  --fps F                    frames per second, picked from each video by timestamp\n"
    "                             (default 8)\n"
    "  --patch PT,P,P             patch size (default 1,4,4)\n"
    "  --max-samples-per-shard N  clips per shard file before the next one starts\n"
    "                             (default 1024)\n"
    "  --max-clips-per-video N    clips per video in each bucket, 0 = all (default 0)\n"
    "  --captions FILE            manifest: CSV with path,caption or JSONL with\n"
    "                             {\"path\", \"caption\"}; otherwise each VIDEO's .txt sidecar\n"
    "  --caption-length LC        caption ids per clip, truncated or padded (default 32)\n";

constexpr const char* kInspectUsage =
    "usage: vdit data inspect [--captions N] SHARD...\n\n"
    "Validates every shard (format, version, space, patch, dtypes, shapes) and prints a summary.\n"
    "Exits with 2 if any shard is invalid, naming the file, dataset and problem.\n\n"
    "  --captions N   decoded captions shown per bucket (default 3); for RGB clips of 2+ frames\n"
    "                 also their motion: the foreground centroid in the first and last frame\n";

// Flags as --name value or --name=value; everything else is positional.
struct ParsedArgs {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
  bool help = false;
};

ParsedArgs parse_args(const Args& args, const std::vector<std::string>& known_flags,
                      const char* usage) {
  ParsedArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      parsed.positional.push_back(arg);
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(2, equals == std::string::npos ? equals : equals - 2);
    bool known = false;
    for (const std::string& flag : known_flags) known = known || flag == name;
    if (!known) throw InputError(fmt::format("unknown option --{}\n\n{}", name, usage));
    if (equals != std::string::npos) {
      parsed.flags[name] = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      parsed.flags[name] = args[++i];
    } else {
      throw InputError(fmt::format("option --{} needs a value\n\n{}", name, usage));
    }
  }
  return parsed;
}

int64_t parse_integer(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  // ERANGE: strtoll clamps to LLONG_MAX/MIN, a value the user did not type.
  if (text.empty() || end == nullptr || *end != '\0' || errno == ERANGE) {
    throw InputError(
        fmt::format("--{} is \"{}\", expected an integer that fits in 64 bits", flag, text));
  }
  return value;
}

std::vector<data::BucketShape> parse_bucket_list(const std::string& text) {
  std::vector<data::BucketShape> buckets;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    buckets.push_back(data::parse_bucket_shape(text.substr(start, end - start), "--buckets"));
    start = end + 1;
  }
  return buckets;
}

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

double parse_positive_number(const std::string& text, const std::string& flag) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !(value > 0)) {
    throw InputError(fmt::format("--{} is \"{}\", expected a positive number", flag, text));
  }
  return value;
}

int run_pack(const Args& args) {
  const ParsedArgs parsed =
      parse_args(args,
                 {"out", "frames", "resolutions", "fps", "patch", "max-samples-per-shard",
                  "max-clips-per-video", "captions", "caption-length"},
                 kPackUsage);
  if (parsed.help) {
    fmt::print("{}", kPackUsage);
    return kExitOk;
  }
  data::PackOptions options;
  options.videos = parsed.positional;
  for (const auto& [name, value] : parsed.flags) {
    if (name == "out") options.out_dir = value;
    if (name == "frames") {
      options.clip_frames = parse_comma_list(
          value, [&](const std::string& item) { return parse_integer(item, name); });
    }
    if (name == "resolutions") {
      options.resolutions = parse_comma_list(value, [](const std::string& item) {
        return data::parse_resolution(item, "--resolutions");
      });
    }
    if (name == "fps") options.fps = parse_positive_number(value, name);
    if (name == "patch") options.patch = data::parse_patch_size(value, "--patch");
    if (name == "max-samples-per-shard") options.max_samples_per_shard = parse_integer(value, name);
    if (name == "max-clips-per-video") options.max_clips_per_video = parse_integer(value, name);
    if (name == "captions") options.captions = value;
    if (name == "caption-length") options.caption_length = parse_integer(value, name);
  }
  if (options.videos.empty()) throw InputError(fmt::format("no video given\n\n{}", kPackUsage));
  if (options.out_dir.empty()) throw InputError(fmt::format("--out is required\n\n{}", kPackUsage));
  options.progress = ProgressTarget::standard_error();
  const data::PackSummary summary = data::pack_videos(options);
  fmt::print("{}", data::format_pack_summary(summary));
  return summary.videos_ok > 0 ? kExitOk : kExitInputError;
}

int run_synth(const Args& args) {
  const ParsedArgs parsed = parse_args(
      args, {"out", "seed", "clips-per-bucket", "buckets", "patch", "shards", "caption-length"},
      kSynthUsage);
  if (parsed.help) {
    fmt::print("{}", kSynthUsage);
    return kExitOk;
  }
  if (!parsed.positional.empty()) {
    throw InputError(
        fmt::format("unexpected argument \"{}\"\n\n{}", parsed.positional.front(), kSynthUsage));
  }
  data::SynthOptions options;
  for (const auto& [name, value] : parsed.flags) {
    if (name == "out") options.out_dir = value;
    if (name == "seed") options.seed = static_cast<uint64_t>(parse_integer(value, name));
    if (name == "clips-per-bucket") options.clips_per_bucket = parse_integer(value, name);
    if (name == "buckets") options.buckets = parse_bucket_list(value);
    if (name == "patch") options.patch = data::parse_patch_size(value, "--patch");
    if (name == "shards") options.shards = parse_integer(value, name);
    if (name == "caption-length") options.caption_length = parse_integer(value, name);
  }
  if (options.out_dir.empty())
    throw InputError(fmt::format("--out is required\n\n{}", kSynthUsage));
  const std::vector<std::string> paths = data::write_synthetic_dataset(options);
  fmt::print("wrote {} clips per bucket x {} buckets (seed {}) into {} shard(s):\n",
             options.clips_per_bucket, options.buckets.size(), options.seed, paths.size());
  for (const std::string& path : paths) fmt::print("  {}\n", path);
  return kExitOk;
}

int run_inspect(const Args& args) {
  const ParsedArgs parsed = parse_args(args, {"captions"}, kInspectUsage);
  if (parsed.help) {
    fmt::print("{}", kInspectUsage);
    return kExitOk;
  }
  if (parsed.positional.empty()) {
    throw InputError(fmt::format("no shard given\n\n{}", kInspectUsage));
  }
  int captions = 3;
  if (const auto found = parsed.flags.find("captions"); found != parsed.flags.end()) {
    captions = static_cast<int>(parse_integer(found->second, "captions"));
  }
  // Every shard is checked, so one run reports all invalid files, not just the first.
  int invalid = 0;
  for (const std::string& path : parsed.positional) {
    try {
      data::ShardReader reader = data::ShardReader::open(path);
      fmt::print("{}", data::summarize_shard(reader, captions));
    } catch (const InputError& error) {
      fmt::print(stderr, "vdit data inspect: invalid shard: {}\n", error.what());
      ++invalid;
    }
  }
  if (invalid > 0) {
    fmt::print(stderr, "vdit data inspect: {} of {} shard(s) invalid\n", invalid,
               parsed.positional.size());
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
