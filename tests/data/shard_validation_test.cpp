// A corpus of malformed shards, each built here, each rejected with an InputError naming the file
// and the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "data/hdf5_io.h"
#include "data/shard_reader.h"
#include "data/shard_writer.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using shard_test::expect_input_error;
using shard_test::TempDir;

// A shard written with raw HDF5 calls so that each test can break one thing.
struct RawShard {
  std::optional<int64_t> version = 1;
  bool with_channels = true;
  hid_t token_type = H5T_STD_U8LE;
  std::vector<hsize_t> token_dims{2, 4, 48};  // bucket 1x8x8, patch [1, 4, 4], 3 channels
  bool with_source = true;
};

void write_raw_shard(const std::string& path, const RawShard& spec) {
  silence_hdf5_error_printing();
  const H5Handle file(
      H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kFile);
  write_string_attribute(file.get(), "format", "vdit-shard");
  if (spec.version) write_int_attributes(file.get(), "version", {*spec.version});
  write_string_attribute(file.get(), "space", "pixel");
  if (spec.with_channels) write_int_attributes(file.get(), "channels", {3});
  write_int_attributes(file.get(), "patch", {1, 4, 4});
  const H5Handle buckets(
      H5_CHECK(H5Gcreate2(file.get(), "buckets", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kGroup);
  const H5Handle bucket(
      H5_CHECK(H5Gcreate2(buckets.get(), "1x8x8", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kGroup);
  const H5Handle token_space(H5_CHECK(H5Screate_simple(static_cast<int>(spec.token_dims.size()),
                                                       spec.token_dims.data(), nullptr),
                                      path),
                             H5Kind::kDataspace);
  const H5Handle tokens(
      H5_CHECK(H5Dcreate2(bucket.get(), "tokens", spec.token_type, token_space.get(), H5P_DEFAULT,
                          H5P_DEFAULT, H5P_DEFAULT),
               path),
      H5Kind::kDataset);
  if (spec.with_source) {
    const hsize_t samples = spec.token_dims.empty() ? 0 : spec.token_dims[0];
    const H5Handle string_type = make_string_type();
    const H5Handle source_space(H5_CHECK(H5Screate_simple(1, &samples, nullptr), path),
                                H5Kind::kDataspace);
    const H5Handle source(
        H5_CHECK(H5Dcreate2(bucket.get(), "source", string_type.get(), source_space.get(),
                            H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                 path),
        H5Kind::kDataset);
  }
}

TEST(ShardValidation, RawShardIsValidWhenNothingIsBroken) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("ok.h5");
  write_raw_shard(path, {});
  EXPECT_EQ(ShardReader::open(path).bucket(BucketShape{1, 8, 8}).samples, 2);
}

TEST(ShardValidation, ThrowsInputErrorWhenFileIsTruncated) {
  TempDir dir("vdit-invalid");
  const std::string whole = dir.file("whole.h5");
  shard_test::write_pixel_shard(whole, {TokenSpace::kPixel, 3, PatchSize{1, 4}},
                                {BucketShape{4, 16, 16}}, 4);
  const std::string truncated = dir.file("truncated.h5");
  std::filesystem::copy_file(whole, truncated);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(whole) / 2);
  expect_input_error([&] { ShardReader::open(truncated); }, {truncated, "truncated"});
}

TEST(ShardValidation, ThrowsInputErrorWhenFileIsNotHdf5OrMissing) {
  TempDir dir("vdit-invalid");
  const std::string text = dir.file("notes.h5");
  std::ofstream(text) << "not an HDF5 file\n";
  expect_input_error([&] { ShardReader::open(text); }, {text, "HDF5"});
  expect_input_error([&] { ShardReader::open(dir.file("missing.h5")); },
                     {"missing.h5", "no such shard file"});
}

TEST(ShardValidation, ThrowsInputErrorWhenTokensHaveWrongDtype) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("int16.h5");
  RawShard spec;
  spec.token_type = H5T_STD_I16LE;
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/1x8x8/tokens", "dtype int16", "expected uint8"});
}

TEST(ShardValidation, ThrowsInputErrorWhenTokensHaveWrongRank) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("rank2.h5");
  RawShard spec;
  spec.token_dims = {2, 192};
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/1x8x8/tokens", "rank 2", "expected rank 3"});
}

TEST(ShardValidation, ThrowsInputErrorWhenTokensHaveWrongShape) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("shape.h5");
  RawShard spec;
  spec.token_dims = {2, 5, 48};
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/1x8x8/tokens", "[2, 5, 48]", "expected [N, 4, 48]"});
}

TEST(ShardValidation, ThrowsInputErrorWhenAttributeIsMissing) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("nochannels.h5");
  RawShard spec;
  spec.with_channels = false;
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); }, {path, "'channels'", "missing"});
}

TEST(ShardValidation, ThrowsInputErrorWhenVersionIsFromTheFuture) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("future.h5");
  RawShard spec;
  spec.version = 7;
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path + ": version 7 is newer than this vdit supports (1)"});
}

TEST(ShardValidation, ThrowsInputErrorWhenBucketIsEmpty) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("empty.h5");
  RawShard spec;
  spec.token_dims = {0, 4, 48};
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); }, {path, "bucket 1x8x8 is empty"});
}

TEST(ShardValidation, ThrowsInputErrorWhenSourceIsMissing) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("nosource.h5");
  RawShard spec;
  spec.with_source = false;
  write_raw_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); }, {path, "/buckets/1x8x8/source", "missing"});
}

TEST(ShardValidation, ThrowsInputErrorWhenLatentTokensHoldNaN) {
  TempDir dir("vdit-invalid");
  const std::string path = dir.file("nan.h5");
  const BucketShape bucket{1, 2, 2};
  ShardWriter writer = ShardWriter::create(path, {TokenSpace::kLatent, 4, PatchSize{1, 2}});
  for (int sample = 0; sample < 2; ++sample) {
    ShardSample values;
    values.latent_tokens.assign(16, 0.5f);
    if (sample == 1) values.latent_tokens[9] = std::numeric_limits<float>::quiet_NaN();
    values.source = "latent";
    writer.add_sample(bucket, values);
  }
  writer.close();
  ShardReader reader = ShardReader::open(path);
  EXPECT_NO_THROW(reader.read_tokens(bucket, 0));
  expect_input_error([&] { reader.read_tokens(bucket, 1); },
                     {path, "/buckets/1x2x2/tokens", "sample 1", "non-finite"});
}

}  // namespace
}  // namespace vdit::data
