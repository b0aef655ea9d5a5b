// Helpers for the media tests: a scratch folder and running the `ffmpeg` program to make or read
// real files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace vdit::data::media_test {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            (name + "-" + std::to_string(seed()) + "-" + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `ffmpeg -v error -y ARGS` and fails the calling test if it exits non-zero.
inline void run_ffmpeg(const std::string& args) {
  const std::string command = "ffmpeg -nostdin -hide_banner -v error -y " + args;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Every frame of an image or video file as packed RGB24, one frame per decoded frame (no frame
// rate conversion).
inline std::vector<uint8_t> decode_with_ffmpeg(const std::string& input,
                                               const std::string& output) {
  run_ffmpeg("-i " + input + " -fps_mode passthrough -f rawvideo -pix_fmt rgb24 " + output);
  return read_bytes(output);
}

}  // namespace vdit::data::media_test
