// Captions for video files: a CSV or JSONL manifest, else a `<video>.txt` sidecar, else empty.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vdit::data {

class CaptionManifest {
 public:
  // No manifest: captions come from sidecar files only.
  CaptionManifest() = default;

  // Reads a manifest. A `.jsonl` file holds one {"path": ..., "caption": ...} object per line;
  // any other file is CSV with columns path,caption (a header row naming them is optional and may
  // order them either way; quoted fields may hold commas, newlines and "" for a quote). Relative
  // paths are taken from the manifest's folder. Throws InputError naming the file and line of
  // the first malformed or duplicate entry.
  static CaptionManifest load(const std::string& manifest_path);

  // The caption of `video_path`: its manifest entry, else the trimmed text of the sidecar file
  // with the video's extension replaced by `.txt` (`clips/a.mp4` -> `clips/a.txt`), else empty,
  // which is counted in missing().
  std::string caption_for(const std::string& video_path);

  size_t entries() const { return captions_.size(); }
  // How many caption_for calls found no caption.
  int64_t missing() const { return missing_; }

 private:
  std::map<std::string, std::string> captions_;  // by absolute, lexically normal path
  int64_t missing_ = 0;
};

}  // namespace vdit::data
