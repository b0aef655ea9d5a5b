#include "tests/checkpoints/test_checkpoints.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vdit::checkpoints::testing {

namespace fs = std::filesystem;

TempRoot::TempRoot() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  path_ = (fs::temp_directory_path() /
           ("vdit_ckpt_" + std::to_string(::getpid()) + "_" +
            (test != nullptr ? std::string(test->test_suite_name()) + "." + test->name() : "x")))
              .string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempRoot::~TempRoot() {
  std::error_code ignored;
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::remove_all(path_, ignored);
}

std::vector<float> pattern(int64_t count, float seed) {
  std::vector<float> values(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) values[static_cast<size_t>(i)] = seed * 1000.0f + i * 0.5f;
  return values;
}

TensorRecord whole_tensor(const std::string& name, std::vector<int64_t> shape, float seed) {
  TensorRecord record;
  record.name = name;
  record.global_shape = shape;
  record.shape = shape;
  record.values = pattern(element_count(shape), seed);
  return record;
}

TensorRecord piece_of(const std::string& name, const std::vector<int64_t>& global_shape,
                      int64_t split_dim, int64_t offset, int64_t extent, float seed) {
  const std::vector<float> full = pattern(element_count(global_shape), seed);
  TensorRecord record;
  record.name = name;
  record.global_shape = global_shape;
  record.split_dim = split_dim;
  record.offset = offset;
  record.shape = global_shape;
  record.shape[static_cast<size_t>(split_dim)] = extent;
  const size_t dim = static_cast<size_t>(split_dim);
  const int64_t outer = element_count({global_shape.begin(), global_shape.begin() + dim});
  const int64_t inner = element_count({global_shape.begin() + dim + 1, global_shape.end()});
  for (int64_t block = 0; block < outer; ++block) {
    for (int64_t row = offset; row < offset + extent; ++row) {
      for (int64_t i = 0; i < inner; ++i) {
        record.values.push_back(
            full[static_cast<size_t>((block * global_shape[dim] + row) * inner + i)]);
      }
    }
  }
  return record;
}

std::vector<ShardFile> sample_shards(float seed) {
  const std::string qkv = "model/blocks.0.attn.qkv.weight";
  ShardFile tp0{"model-tp0-of-2.h5",
                {piece_of(qkv, {6, 4}, 0, 0, 3, seed), whole_tensor("model/final.bias", {5}, seed),
                 whole_tensor("ema/proj", {2, 3}, seed + 0.25f)}};
  ShardFile tp1{
      "model-tp1-of-2.h5",
      {piece_of(qkv, {6, 4}, 0, 3, 3, seed), whole_tensor("model/final.bias", {5}, seed)}};
  return {tp0, tp1};
}

CheckpointMeta sample_meta(int64_t step) {
  return {step, "{\"samples_consumed\":" + std::to_string(step * 8) + ",\"stage\":\"warmup\"}",
          "[training]\nsteps = 1000\n"};
}

std::string save_sample(const std::string& root, int64_t step) {
  return write_checkpoint(root, sample_meta(step), sample_shards(static_cast<float>(step)));
}

void flip_byte(const std::string& path, int64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (offset < 0) offset += file_size(path);
  file.seekg(offset);
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5a);
  file.seekp(offset);
  file.write(&byte, 1);
}

void truncate_file(const std::string& path, int64_t size) {
  fs::resize_file(path, static_cast<uintmax_t>(size));
}

int64_t file_size(const std::string& path) { return static_cast<int64_t>(fs::file_size(path)); }

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace vdit::checkpoints::testing
