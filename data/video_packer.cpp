#include "data/video_packer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "core/error.h"
#include "data/caption_manifest.h"
#include "data/patchify.h"
#include "data/shard_writer.h"
#include "data/video_decoder.h"

namespace vdit::data {
namespace {

constexpr int64_t kChannels = 3;  // RGB

std::string human_bytes(int64_t bytes) {
  constexpr int64_t kKiB = 1024;
  constexpr int64_t kMiB = 1024 * kKiB;
  if (bytes < kKiB) return fmt::format("{} B", bytes);
  if (bytes < kMiB) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / kKiB);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / kMiB);
}

// Decoder messages start with "<path>: ", which the progress line and summary already show.
std::string reason_without_path(const std::string& message, const std::string& path) {
  const std::string prefix = path + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

// "1 video", "3 videos".
std::string count_of(int64_t count, const char* noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

void validate(const PackOptions& options) {
  if (options.videos.empty()) throw InputError("data pack: no video files given");
  if (options.out_dir.empty()) throw InputError("data pack: --out is empty");
  if (!(options.fps > 0)) {
    throw InputError(fmt::format("data pack: fps is {}, expected a positive number", options.fps));
  }
  if (options.clip_frames.empty() || options.resolutions.empty()) {
    throw InputError("data pack: needs at least one clip length and one resolution");
  }
  if (options.max_samples_per_shard < 1) {
    throw InputError(fmt::format("data pack: max samples per shard is {}, expected >= 1",
                                 options.max_samples_per_shard));
  }
  if (options.max_clips_per_video < 0) {
    throw InputError(fmt::format("data pack: max clips per video is {}, expected >= 0",
                                 options.max_clips_per_video));
  }
  std::set<BucketShape> buckets;
  for (int64_t frames : options.clip_frames) {
    for (const Resolution& resolution : options.resolutions) {
      const BucketShape bucket{frames, resolution.height, resolution.width};
      if (frames < 1 || resolution.height < 1 || resolution.width < 1) {
        throw InputError(fmt::format("data pack: bucket {} has a size below 1", bucket.name()));
      }
      // The shard holds the latent clip when there is an encoder: that one must cut into patches.
      const BucketShape stored =
          options.clip_encoder != nullptr ? options.clip_encoder->latent_shape(bucket) : bucket;
      try {
        patch_grid(stored, options.patch);
      } catch (const InputError& error) {
        if (options.clip_encoder == nullptr) throw;
        throw InputError(fmt::format("data pack: clips {} encode to latents {}, and {}",
                                     bucket.name(), stored.name(), error.what()));
      }
      if (!buckets.insert(bucket).second) {
        throw InputError(fmt::format("data pack: bucket {} is listed twice", bucket.name()));
      }
    }
  }
}

// Shard files of at most max_samples samples each, named pack-00000.h5, pack-00001.h5, ...
// A file is opened when the first sample for it arrives, so no empty shard is ever written.
class ShardSequence {
 public:
  ShardSequence(std::string out_dir, const ShardHeader& header, int64_t max_samples,
                ProgressReporter& progress)
      : out_dir_(std::move(out_dir)),
        header_(header),
        max_samples_(max_samples),
        progress_(progress) {}

  void add(const BucketShape& bucket, const ShardSample& sample) {
    if (writer_ && samples_ == max_samples_) close_current();
    if (!writer_) {
      const std::string name = fmt::format("pack-{:05d}.h5", paths_.size());
      writer_.emplace(
          ShardWriter::create((std::filesystem::path(out_dir_) / name).string(), header_));
    }
    writer_->add_sample(bucket, sample);
    ++samples_;
  }

  // Closes the open shard and records every path and the total size in `summary`.
  void finish(PackSummary& summary) {
    if (writer_) close_current();
    summary.shards = paths_;
    summary.bytes_written = bytes_;
  }

 private:
  void close_current() {
    writer_->close();
    const int64_t size = static_cast<int64_t>(std::filesystem::file_size(writer_->path()));
    progress_.message(
        fmt::format("wrote {} ({} samples, {})", writer_->path(), samples_, human_bytes(size)));
    paths_.push_back(writer_->path());
    bytes_ += size;
    writer_.reset();
    samples_ = 0;
  }

  std::string out_dir_;
  ShardHeader header_;
  int64_t max_samples_;
  ProgressReporter& progress_;
  std::optional<ShardWriter> writer_;
  int64_t samples_ = 0;  // in the open shard
  std::vector<std::string> paths_;
  int64_t bytes_ = 0;
};

// Collects consecutive frames of one video for one bucket until a clip is full.
struct ClipCutter {
  BucketShape bucket;
  size_t resolution_index = 0;
  std::vector<uint8_t> pixels;  // [frames so far, H, W, 3]
  int64_t first_frame = 0;      // output frame where the clip being filled starts
  int64_t clips = 0;
};

ProgressReporter::Options progress_options(const PackOptions& options) {
  ProgressReporter::Options progress;
  progress.label = "pack";
  progress.total = static_cast<int64_t>(options.videos.size());
  progress.unit = "videos";
  return progress;
}

class Packer {
 public:
  explicit Packer(const PackOptions& options)
      : options_(options),
        progress_(options.progress, progress_options(options)),
        captions_(options.captions.empty() ? CaptionManifest()
                                           : CaptionManifest::load(options.captions)),
        tokenizer_(options.caption_length),
        shards_(options.out_dir, header_for(options), options.max_samples_per_shard, progress_),
        frames_(options.resolutions.size()) {}

  void pack(size_t number, const std::string& path) {
    std::string failure;
    std::optional<VideoDecoder> decoder;
    try {
      decoder.emplace(path, options_.fps);
    } catch (const InputError& error) {
      failure = reason_without_path(error.what(), path);
    }
    int64_t clips = 0;
    if (decoder) {
      const std::string caption = captions_.caption_for(path);
      summary_.captions_cut += tokenizer_.fits(caption) ? 0 : 1;
      const std::vector<int32_t> caption_ids = tokenizer_.encode(caption);
      const std::vector<float> caption_emb = options_.caption_encoder != nullptr
                                                 ? options_.caption_encoder->encode(caption)
                                                 : std::vector<float>{};
      std::vector<ClipCutter> cutters = make_cutters();
      while (!all_full(cutters) && read_frame(*decoder, failure)) {
        for (ClipCutter& cutter : cutters) {
          if (full(cutter)) continue;
          const std::vector<uint8_t>& frame = frames_[cutter.resolution_index];
          cutter.pixels.insert(cutter.pixels.end(), frame.begin(), frame.end());
          if (static_cast<int64_t>(cutter.pixels.size()) == clip_bytes(cutter.bucket)) {
            write_clip(cutter, path, caption_ids, caption_emb);
            ++clips;
          }
        }
      }
    }
    report(number, path, clips, failure);
  }

  PackSummary finish() {
    progress_.finish();
    shards_.finish(summary_);
    summary_.captions_missing = captions_.missing();
    summary_.caption_length = options_.caption_length;
    if (options_.clip_encoder != nullptr) {
      summary_.vae_checksum = options_.clip_encoder->checksum();
      for (const ClipCutter& cutter : make_cutters()) {
        summary_.latent_buckets[cutter.bucket] = options_.clip_encoder->latent_shape(cutter.bucket);
      }
    }
    if (options_.caption_encoder != nullptr) {
      summary_.text_encoder_checksum = options_.caption_encoder->checksum();
      summary_.caption_emb_length = options_.caption_encoder->length();
      summary_.caption_emb_dim = options_.caption_encoder->dim();
    }
    return std::move(summary_);
  }

 private:
  static ShardHeader header_for(const PackOptions& options) {
    ShardHeader header{TokenSpace::kPixel, kChannels, options.patch};
    if (const ClipEncoder* encoder = options.clip_encoder) {
      header.space = TokenSpace::kLatent;
      header.channels = encoder->channels();
      header.vae_checksum = encoder->checksum();
      header.vae_scaling_factor = encoder->scaling_factor();
    }
    if (options.caption_encoder != nullptr) {
      header.text_encoder_checksum = options.caption_encoder->checksum();
    }
    return header;
  }

  static int64_t clip_bytes(const BucketShape& bucket) {
    return bucket.frames * bucket.height * bucket.width * kChannels;
  }

  std::vector<ClipCutter> make_cutters() const {
    std::vector<ClipCutter> cutters;
    for (size_t r = 0; r < options_.resolutions.size(); ++r) {
      const Resolution& resolution = options_.resolutions[r];
      for (int64_t frames : options_.clip_frames) {
        cutters.push_back({BucketShape{frames, resolution.height, resolution.width}, r, {}, 0, 0});
      }
    }
    return cutters;
  }

  bool full(const ClipCutter& cutter) const {
    return options_.max_clips_per_video > 0 && cutter.clips >= options_.max_clips_per_video;
  }
  bool all_full(const std::vector<ClipCutter>& cutters) const {
    return std::all_of(cutters.begin(), cutters.end(),
                       [&](const ClipCutter& cutter) { return full(cutter); });
  }

  // Decodes the next frame at every resolution into frames_. False at the end of the video or on
  // a decoding error, which is stored in `failure`.
  bool read_frame(VideoDecoder& decoder, std::string& failure) {
    try {
      if (!decoder.next_frame()) return false;
      for (size_t r = 0; r < frames_.size(); ++r) {
        frames_[r].clear();
        decoder.append_rgb(static_cast<int>(options_.resolutions[r].height),
                           static_cast<int>(options_.resolutions[r].width), frames_[r]);
      }
      return true;
    } catch (const InputError& error) {
      failure = reason_without_path(error.what(), decoder.path());
      return false;
    }
  }

  void write_clip(ClipCutter& cutter, const std::string& path,
                  const std::vector<int32_t>& caption_ids, const std::vector<float>& caption_emb) {
    ShardSample sample;
    BucketShape stored = cutter.bucket;
    if (const ClipEncoder* encoder = options_.clip_encoder) {
      stored = encoder->latent_shape(cutter.bucket);
      sample.latent_tokens = patchify_hwc(encoder->encode(cutter.pixels, cutter.bucket), stored,
                                          encoder->channels(), options_.patch);
    } else {
      sample.pixel_tokens = patchify_hwc(cutter.pixels, cutter.bucket, kChannels, options_.patch);
    }
    sample.caption_ids = caption_ids;
    sample.caption_emb = caption_emb;
    sample.caption_emb_dim =
        options_.caption_encoder != nullptr ? options_.caption_encoder->dim() : 0;
    sample.source = fmt::format("{}:frames {}-{} at {} fps", path, cutter.first_frame,
                                cutter.first_frame + cutter.bucket.frames - 1, options_.fps);
    shards_.add(stored, sample);
    ++summary_.clips_per_bucket[stored];
    ++cutter.clips;
    cutter.first_frame += cutter.bucket.frames;
    cutter.pixels.clear();
  }

  void report(size_t number, const std::string& path, int64_t clips, const std::string& failure) {
    std::string line;
    if (failure.empty()) {
      ++summary_.videos_ok;
      line = count_of(clips, "clip");
    } else {
      summary_.failures.push_back({path, failure});
      line = clips == 0 ? fmt::format("skipped: {}", failure)
                        : fmt::format("{}, then stopped: {}", count_of(clips, "clip"), failure);
    }
    if (!failure.empty()) {
      progress_.message(fmt::format("[{}/{}] {}: {}", number, options_.videos.size(), path, line));
    }
    progress_.advance(1, fmt::format("{}: {}", path, line));
  }

  const PackOptions& options_;
  ProgressReporter progress_;  // before shards_, which reports through it
  CaptionManifest captions_;
  CaptionTokenizer tokenizer_;
  ShardSequence shards_;
  PackSummary summary_;
  std::vector<std::vector<uint8_t>> frames_;  // the current frame at each resolution
};

}  // namespace

Resolution parse_resolution(const std::string& text, const std::string& where) {
  const size_t separator = text.find('x');
  Resolution resolution;
  auto parse = [&](size_t begin, size_t end, int64_t& value) {
    const auto [last, error] = std::from_chars(text.data() + begin, text.data() + end, value);
    return error == std::errc() && last == text.data() + end && end > begin && value > 0;
  };
  if (separator == std::string::npos || !parse(0, separator, resolution.height) ||
      !parse(separator + 1, text.size(), resolution.width)) {
    throw InputError(
        fmt::format("{}: resolution is \"{}\", expected <height>x<width> such as "
                    "32x32",
                    where, text));
  }
  return resolution;
}

PackSummary pack_videos(const PackOptions& options) {
  validate(options);
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    throw InputError(fmt::format("data pack: cannot create output folder {}: {}", options.out_dir,
                                 error.message()));
  }
  Packer packer(options);
  for (size_t i = 0; i < options.videos.size(); ++i) packer.pack(i + 1, options.videos[i]);
  return packer.finish();
}

std::string format_pack_summary(const PackSummary& summary) {
  int64_t clips = 0;
  for (const auto& [bucket, count] : summary.clips_per_bucket) clips += count;
  const int64_t videos = summary.videos_ok + static_cast<int64_t>(summary.failures.size());
  std::string text = fmt::format("packed {} of {}: {} in {}, {}\n", summary.videos_ok,
                                 count_of(videos, "video"), count_of(clips, "clip"),
                                 count_of(static_cast<int64_t>(summary.shards.size()), "shard"),
                                 human_bytes(summary.bytes_written));
  for (const auto& [bucket, count] : summary.clips_per_bucket) {
    text += fmt::format("  bucket {}: {}\n", bucket.name(), count_of(count, "clip"));
  }
  if (!summary.vae_checksum.empty()) {
    text += fmt::format("latents from the VAE {}; buckets are latent sizes:", summary.vae_checksum);
    for (const auto& [pixels, latents] : summary.latent_buckets) {
      text += fmt::format(" {} -> {}", pixels.name(), latents.name());
    }
    text += "\n";
  }
  if (!summary.text_encoder_checksum.empty()) {
    text +=
        fmt::format("caption_emb [{}, {}] from the text encoder {}\n", summary.caption_emb_length,
                    summary.caption_emb_dim, summary.text_encoder_checksum);
  }
  if (!summary.failures.empty()) {
    text += fmt::format("{} failed:\n",
                        count_of(static_cast<int64_t>(summary.failures.size()), "video"));
    for (const PackFailure& failure : summary.failures) {
      text += fmt::format("  {}: {}\n", failure.video, failure.reason);
    }
  }
  if (summary.captions_missing > 0) {
    text += fmt::format("warning: {} without a caption, packed with an empty one\n",
                        count_of(summary.captions_missing, "video"));
  }
  text +=
      caption_truncation_warning(summary.captions_cut, summary.videos_ok, summary.caption_length,
                                 "set --caption-length to keep them whole");
  return text;
}

}  // namespace vdit::data
