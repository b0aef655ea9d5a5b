// The videos of an evaluation input: a shard file or folder, or a folder (or file) of media.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/rgb_video.h"
#include "data/shard_set.h"

namespace vdit::eval {

// Videos in a fixed order, read one at a time (a data set need not fit in memory).
//   shards: every clip of every bucket of every *.h5 (pixel space, 3 channels), bucket by bucket
//           in ShardSet order;
//   media:  GIF, MP4, WebM, AVI, MOV, MKV files decoded with FFmpeg at `fps` (0: each file's own
//           frame rate, every frame once), and PNG/JPEG
//           images as one-frame videos, in sorted path order.
class VideoSource {
 public:
  // InputError naming the path if it holds neither, a shard is in latent space, or it is empty.
  static VideoSource open(const std::string& path, double fps = 0);
  // Several shard files or folders as one data set (`vdit eval RUN --reference A B`).
  static VideoSource open_shards(const std::vector<std::string>& paths);

  const std::string& path() const { return path_; }
  bool is_shards() const { return shards_ != nullptr; }
  // The files it reads (shards or media), sorted: what a reference cache key checksums.
  const std::vector<std::string>& files() const { return files_; }
  int64_t size() const { return static_cast<int64_t>(items_.size()); }
  // Video `index` (0 <= index < size()), decoded, [T, H, W, 3].
  data::RgbVideo video(int64_t index);
  // The caption stored with a shard clip (caption_ids, byte-level), "" when there is none.
  std::string caption(int64_t index);
  // "PATH: clip 3 of bucket 8x32x32 in FILE" or the media file, for messages.
  std::string describe(int64_t index) const;

 private:
  struct Item {
    data::BucketShape bucket;  // shards
    int64_t row = 0;           // shards: the bucket's row; media: index into files_
  };
  std::string path_;
  double fps_ = 0;
  std::vector<std::string> files_;
  std::shared_ptr<data::ShardSet> shards_;  // shared: ShardSet is not copyable
  std::vector<Item> items_;
};

// True for a path ending in a media extension vdit decodes (.gif .mp4 .png ...), any case.
bool is_media_file(const std::string& path);

}  // namespace vdit::eval
