#include "data/synthetic_videos.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "data/caption_tokenizer.h"
#include "data/patchify.h"
#include "data/shard_writer.h"
#include "data/splitmix64.h"

namespace vdit::data {

namespace {

struct NamedColor {
  const char* name;
  std::array<uint8_t, 3> rgb;
};

constexpr std::array<NamedColor, 8> kShapeColors = {{{"red", {220, 40, 40}},
                                                     {"green", {50, 190, 60}},
                                                     {"blue", {50, 90, 235}},
                                                     {"yellow", {240, 220, 40}},
                                                     {"white", {240, 240, 240}},
                                                     {"orange", {250, 140, 30}},
                                                     {"purple", {160, 70, 210}},
                                                     {"cyan", {40, 210, 220}}}};
// Dark backgrounds only, so every shape colour stands out.
constexpr std::array<std::array<uint8_t, 3>, 3> kBackgrounds = {
    {{0, 0, 0}, {45, 45, 45}, {20, 20, 60}}};

enum class Kind { kCircle, kSquare, kTriangle };
constexpr std::array<const char*, 3> kKindNames = {"circle", "square", "triangle"};

// A size word for the caption ("" = medium) and the half-extent as a fraction of the frame.
constexpr std::array<std::pair<const char*, double>, 3> kSizes = {
    {{"small", 0.10}, {"", 0.16}, {"large", 0.24}}};

enum class Motion { kLeft, kRight, kUp, kDown, kBounceHorizontal, kBounceVertical, kStill };

struct MovingShape {
  Kind kind;
  size_t color;
  double radius;  // half-extent in pixels
  double x0, y0;  // centre at frame 0
  double vx, vy;  // pixels per frame
  bool bouncing;
  std::string caption;
};

// Reflects a coordinate into [low, high], as a ball bouncing between two walls.
double bounce(double position, double low, double high) {
  const double span = high - low;
  if (span <= 0) return low;
  double offset = std::fmod(position - low, 2 * span);
  if (offset < 0) offset += 2 * span;
  return low + (offset <= span ? offset : 2 * span - offset);
}

std::string where_in_frame(double x, double y, const BucketShape& shape) {
  constexpr std::array<const char*, 3> kRows = {"top", "middle", "bottom"};
  constexpr std::array<const char*, 3> kColumns = {"left", "middle", "right"};
  const auto row = static_cast<size_t>(std::clamp(3.0 * y / shape.height, 0.0, 2.0));
  const auto column = static_cast<size_t>(std::clamp(3.0 * x / shape.width, 0.0, 2.0));
  if (row == 1 && column == 1) return "in the center";
  if (row == 1) return fmt::format("on the {}", kColumns[column]);
  if (column == 1) return fmt::format("at the {}", kRows[row]);
  return fmt::format("at {} {}", kRows[row], kColumns[column]);
}

MovingShape make_shape(SplitMix64& random, const BucketShape& shape) {
  MovingShape moving{};
  moving.kind = static_cast<Kind>(random.below(3));
  moving.color = random.below(kShapeColors.size());
  const auto& [size_word, size_fraction] = kSizes[random.below(kSizes.size())];
  const double extent = static_cast<double>(std::min(shape.height, shape.width));
  moving.radius = std::max(1.5, size_fraction * extent);
  const double x_low = moving.radius, x_high = shape.width - moving.radius;
  const double y_low = moving.radius, y_high = shape.height - moving.radius;
  moving.x0 = random.uniform(x_low, x_high);
  moving.y0 = random.uniform(y_low, y_high);

  const std::string adjectives =
      fmt::format("{}{}{}", size_word, *size_word ? " " : "", kShapeColors[moving.color].name);
  const bool vowel = std::string("aeiou").find(adjectives.front()) != std::string::npos;
  std::string description = fmt::format("{} {} {}", vowel ? "an" : "a", adjectives,
                                        kKindNames[static_cast<size_t>(moving.kind)]);
  if (shape.frames == 1) {
    moving.caption = description + " " + where_in_frame(moving.x0, moving.y0, shape);
    return moving;
  }
  const auto motion = static_cast<Motion>(random.below(7));
  const bool fast = random.below(2) == 1;
  const double speed = (fast ? 0.07 : 0.03) * extent;
  const double steps = static_cast<double>(shape.frames - 1);
  switch (motion) {
    case Motion::kLeft:
    case Motion::kRight:
    case Motion::kUp:
    case Motion::kDown: {
      // Start where the whole path stays inside the frame.
      const bool horizontal = motion == Motion::kLeft || motion == Motion::kRight;
      const double low = horizontal ? x_low : y_low, high = horizontal ? x_high : y_high;
      const double travel = std::min(speed * steps, high - low);
      const double sign = (motion == Motion::kLeft || motion == Motion::kUp) ? -1.0 : 1.0;
      const double start =
          sign > 0 ? random.uniform(low, high - travel) : random.uniform(low + travel, high);
      (horizontal ? moving.x0 : moving.y0) = start;
      (horizontal ? moving.vx : moving.vy) = sign * travel / steps;
      const char* direction = motion == Motion::kLeft    ? "left"
                              : motion == Motion::kRight ? "right"
                              : motion == Motion::kUp    ? "up"
                                                         : "down";
      // Speed is left out of the caption: it must fit kSynthCaptionLength with a second shape.
      moving.caption = fmt::format("{} moving {}", description, direction);
      break;
    }
    case Motion::kBounceHorizontal:
    case Motion::kBounceVertical: {
      const bool horizontal = motion == Motion::kBounceHorizontal;
      const double direction = random.below(2) == 0 ? -1.0 : 1.0;
      // Bouncing is always brisk, so that even a 4-frame clip shows it.
      (horizontal ? moving.vx : moving.vy) = direction * 2.0 * speed;
      moving.bouncing = true;
      moving.caption =
          fmt::format("{} bouncing {}", description, horizontal ? "left and right" : "up and down");
      break;
    }
    case Motion::kStill:
      moving.caption = description + " standing still";
      break;
  }
  return moving;
}

bool covers(const MovingShape& moving, double cx, double cy, double x, double y) {
  const double dx = x - cx, dy = y - cy, r = moving.radius;
  switch (moving.kind) {
    case Kind::kCircle:
      return dx * dx + dy * dy <= r * r;
    case Kind::kSquare:
      return std::abs(dx) <= r && std::abs(dy) <= r;
    case Kind::kTriangle:  // apex up, base at the bottom
      return dy >= -r && dy <= r && std::abs(dx) <= (dy + r) / 2;
  }
  return false;
}

void validate(const SynthOptions& options) {
  if (options.out_dir.empty()) throw InputError("synth: --out is required");
  if (options.clips_per_bucket < 1) {
    throw InputError(fmt::format("synth: clips per bucket is {}, expected at least 1",
                                 options.clips_per_bucket));
  }
  if (options.buckets.empty()) throw InputError("synth: the bucket list is empty");
  const int64_t clips = options.clips_per_bucket * static_cast<int64_t>(options.buckets.size());
  if (options.shards < 1 || options.shards > clips) {
    throw InputError(fmt::format("synth: shards is {}, expected 1..{} (the number of clips)",
                                 options.shards, clips));
  }
  std::set<BucketShape> seen;
  for (const BucketShape& bucket : options.buckets) {
    if (!seen.insert(bucket).second) {
      throw InputError(fmt::format("synth: bucket {} is listed twice", bucket.name()));
    }
    patch_grid(bucket, options.patch);
  }
  CaptionTokenizer{options.caption_length};
}

}  // namespace

std::vector<BucketShape> default_synth_buckets() {
  return {{1, 32, 32}, {4, 32, 32}, {8, 32, 32}, {8, 48, 48}, {16, 64, 64}};
}

SyntheticClip render_synthetic_clip(uint64_t seed, int64_t index, const BucketShape& shape,
                                    int64_t caption_bytes) {
  SplitMix64 random(mix_seed({seed, static_cast<uint64_t>(index)}));
  const auto& background = kBackgrounds[random.below(kBackgrounds.size())];
  const int64_t shape_count = random.below(10) < 8 ? 1 : 2;
  std::vector<MovingShape> shapes;
  std::vector<std::string> captions;
  for (int64_t i = 0; i < shape_count; ++i) {
    shapes.push_back(make_shape(random, shape));
    captions.push_back(shapes.back().caption);
  }
  if (shapes.size() == 2 &&
      static_cast<int64_t>(captions[0].size() + captions[1].size() + 5) > caption_bytes) {
    shapes.pop_back();
    captions.pop_back();
  }

  SyntheticClip clip;
  clip.shape = shape;
  clip.caption = fmt::format("{}", fmt::join(captions, " and "));
  clip.pixels.resize(static_cast<size_t>(shape.frames * shape.height * shape.width * 3));
  uint8_t* pixel = clip.pixels.data();
  for (int64_t t = 0; t < shape.frames; ++t) {
    std::vector<std::pair<double, double>> centres;
    for (const MovingShape& moving : shapes) {
      double cx = moving.x0 + moving.vx * t, cy = moving.y0 + moving.vy * t;
      if (moving.bouncing) {
        cx = bounce(cx, moving.radius, shape.width - moving.radius);
        cy = bounce(cy, moving.radius, shape.height - moving.radius);
      }
      centres.emplace_back(cx, cy);
    }
    for (int64_t y = 0; y < shape.height; ++y) {
      for (int64_t x = 0; x < shape.width; ++x, pixel += 3) {
        std::array<uint8_t, 3> rgb = background;
        // Later shapes are drawn on top of earlier ones.
        for (size_t s = 0; s < shapes.size(); ++s) {
          if (covers(shapes[s], centres[s].first, centres[s].second, x + 0.5, y + 0.5)) {
            rgb = kShapeColors[shapes[s].color].rgb;
          }
        }
        std::copy(rgb.begin(), rgb.end(), pixel);
      }
    }
  }
  return clip;
}

std::vector<std::string> write_synthetic_dataset(const SynthOptions& options) {
  validate(options);
  std::filesystem::create_directories(options.out_dir);
  const CaptionTokenizer tokenizer(options.caption_length);
  const ShardHeader header{TokenSpace::kPixel, 3, options.patch};
  std::vector<std::string> paths;
  std::vector<ShardWriter> writers;
  for (int64_t k = 0; k < options.shards; ++k) {
    paths.push_back((std::filesystem::path(options.out_dir) /
                     fmt::format("synthetic-{:05d}-of-{:05d}.h5", k, options.shards))
                        .string());
    writers.push_back(ShardWriter::create(paths.back(), header));
  }
  int64_t index = 0;
  int64_t captions_cut = 0;
  for (const BucketShape& bucket : options.buckets) {
    for (int64_t clip_number = 0; clip_number < options.clips_per_bucket; ++clip_number, ++index) {
      const SyntheticClip clip =
          render_synthetic_clip(options.seed, index, bucket, options.caption_length);
      ShardSample sample;
      sample.pixel_tokens = patchify_hwc(clip.pixels, bucket, 3, options.patch);
      captions_cut += tokenizer.fits(clip.caption) ? 0 : 1;
      sample.caption_ids = tokenizer.encode(clip.caption);
      sample.source = fmt::format("synthetic:{}:{}", options.seed, index);
      writers[static_cast<size_t>(index % options.shards)].add_sample(bucket, sample);
    }
  }
  for (ShardWriter& writer : writers) writer.close();
  if (options.warnings != nullptr) {
    *options.warnings << caption_truncation_warning(
        captions_cut, index, options.caption_length,
        "set --caption-length, or model.caption_length, to keep them whole");
  }
  return paths;
}

}  // namespace vdit::data
