#include "eval/video_source.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "data/caption_tokenizer.h"
#include "data/patchify.h"
#include "data/video_decoder.h"

namespace vdit::eval {
namespace {

namespace fs = std::filesystem;

std::string lower_extension(const std::string& path) {
  std::string extension = fs::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool is_shard_path(const std::string& path) { return lower_extension(path) == ".h5"; }

std::vector<std::string> sorted_files(const std::string& folder, bool (*keep)(const std::string&)) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && keep(entry.path().string())) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool is_media_file(const std::string& path) {
  static const char* const kExtensions[] = {".gif", ".mp4", ".webm", ".avi", ".mov",
                                            ".mkv", ".png", ".jpg",  ".jpeg"};
  const std::string extension = lower_extension(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* known) { return extension == known; });
}

VideoSource VideoSource::open(const std::string& path, double fps) {
  std::error_code error;
  VideoSource source;
  source.path_ = path;
  source.fps_ = fps;
  bool shards = false;
  if (fs::is_directory(path, error)) {
    source.files_ = sorted_files(path, is_shard_path);
    shards = !source.files_.empty();
    if (!shards) source.files_ = sorted_files(path, is_media_file);
  } else if (fs::is_regular_file(path, error)) {
    shards = is_shard_path(path);
    if (!shards && !is_media_file(path)) {
      throw InputError(
          fmt::format("{}: not a shard (.h5) or a video/image file (.gif, .mp4, "
                      ".png, ...)",
                      path));
    }
    source.files_ = {path};
  } else {
    throw InputError(fmt::format("{}: no such file or folder", path));
  }
  if (source.files_.empty()) {
    throw InputError(
        fmt::format("{}: holds no shards (*.h5) and no videos or images (*.gif, "
                    "*.mp4, *.png, ...)",
                    path));
  }
  if (shards) {
    data::ShardExpectations expected;
    expected.space = data::TokenSpace::kPixel;
    expected.channels = 3;
    source.shards_ =
        std::make_shared<data::ShardSet>(data::ShardSet::open(source.files_, expected));
    for (const auto& bucket : source.shards_->buckets()) {
      for (int64_t row = 0; row < bucket.samples; ++row)
        source.items_.push_back({bucket.shape, row});
    }
  } else {
    for (size_t i = 0; i < source.files_.size(); ++i) {
      source.items_.push_back({data::BucketShape{}, static_cast<int64_t>(i)});
    }
  }
  return source;
}

VideoSource VideoSource::open_shards(const std::vector<std::string>& paths) {
  if (paths.size() == 1) return open(paths.front());
  std::vector<std::string> files;
  for (const auto& path : paths) {
    VideoSource one = open(path);
    if (!one.is_shards()) {
      throw InputError(
          fmt::format("{}: expected shards (*.h5) like the other reference paths", path));
    }
    files.insert(files.end(), one.files_.begin(), one.files_.end());
  }
  std::sort(files.begin(), files.end());
  VideoSource source;
  source.path_ = fmt::format("{} (and {} more)", paths.front(), paths.size() - 1);
  source.files_ = files;
  data::ShardExpectations expected;
  expected.space = data::TokenSpace::kPixel;
  expected.channels = 3;
  source.shards_ = std::make_shared<data::ShardSet>(data::ShardSet::open(files, expected));
  for (const auto& bucket : source.shards_->buckets()) {
    for (int64_t row = 0; row < bucket.samples; ++row) source.items_.push_back({bucket.shape, row});
  }
  return source;
}

std::string VideoSource::caption(int64_t index) {
  const Item& item = items_.at(static_cast<size_t>(index));
  if (!shards_ || !shards_->bucket(item.bucket).has_caption_ids()) return "";
  const auto location = shards_->locate(item.bucket, item.row);
  const std::vector<int32_t> ids = location.reader->read_caption_ids(item.bucket, location.row);
  return data::CaptionTokenizer(static_cast<int64_t>(ids.size())).decode(ids);
}

data::RgbVideo VideoSource::video(int64_t index) {
  const Item& item = items_.at(static_cast<size_t>(index));
  if (!shards_) {
    const std::string& file = files_[static_cast<size_t>(item.row)];
    data::DecodeOptions options;
    options.fps = fps_;
    if (options.fps <= 0) {
      // The container's own rate: every stored frame once (vdit's GIFs are 10 fps).
      const double source_fps = data::VideoDecoder(file, 1).source_fps();
      options.fps = source_fps > 0 ? source_fps : 8;
    }
    return data::decode_video(file, options);
  }
  const auto location = shards_->locate(item.bucket, item.row);
  const data::ShardHeader& header = shards_->header();
  data::RgbVideo video;
  video.frames = static_cast<int>(item.bucket.frames);
  video.height = static_cast<int>(item.bucket.height);
  video.width = static_cast<int>(item.bucket.width);
  video.pixels = data::unpatchify_hwc(location.reader->read_pixel_tokens(item.bucket, location.row),
                                      item.bucket, header.channels, header.patch);
  return video;
}

std::string VideoSource::describe(int64_t index) const {
  const Item& item = items_.at(static_cast<size_t>(index));
  if (!shards_) return files_[static_cast<size_t>(item.row)];
  return fmt::format("{}: clip {} of bucket {}", path_, item.row, item.bucket.name());
}

}  // namespace vdit::eval
