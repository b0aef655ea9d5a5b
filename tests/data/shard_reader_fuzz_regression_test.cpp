// Shards that crashed the reader under the fuzzer (fuzz/, scripts/fuzz) or its sanitizers: each is
// now an InputError naming the file and the field at fault.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "data/hdf5_io.h"
#include "data/shard_reader.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using shard_test::expect_input_error;
using shard_test::TempDir;

// A pixel shard with one bucket whose header and dataset extents are free, written with raw HDF5
// calls. Datasets are chunked one value per chunk and never written, so huge extents cost nothing.
struct HugeShard {
  int64_t channels = 3;
  std::vector<int64_t> patch{1, 4, 4};
  std::string bucket = "1x8x8";
  std::vector<hsize_t> token_dims{2, 4, 48};
  std::vector<hsize_t> caption_emb_dims;  // none when empty
};

H5Handle create_unwritten_dataset(hid_t group, const char* name, hid_t type,
                                  const std::vector<hsize_t>& dims, const std::string& path) {
  const int rank = static_cast<int>(dims.size());
  const H5Handle space(H5_CHECK(H5Screate_simple(rank, dims.data(), nullptr), path),
                       H5Kind::kDataspace);
  const H5Handle properties(H5_CHECK(H5Pcreate(H5P_DATASET_CREATE), path), H5Kind::kPropertyList);
  const std::vector<hsize_t> chunk(dims.size(), 1);
  H5_CHECK(H5Pset_chunk(properties.get(), rank, chunk.data()), path);
  return H5Handle(H5_CHECK(H5Dcreate2(group, name, type, space.get(), H5P_DEFAULT, properties.get(),
                                      H5P_DEFAULT),
                           path),
                  H5Kind::kDataset);
}

void write_huge_shard(const std::string& path, const HugeShard& spec) {
  silence_hdf5_error_printing();
  const H5Handle file(
      H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kFile);
  write_string_attribute(file.get(), "format", "vdit-shard");
  write_int_attributes(file.get(), "version", {1});
  write_string_attribute(file.get(), "space", "pixel");
  write_int_attributes(file.get(), "channels", {spec.channels});
  write_int_attributes(file.get(), "patch", spec.patch);
  const H5Handle buckets(
      H5_CHECK(H5Gcreate2(file.get(), "buckets", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kGroup);
  const H5Handle bucket(H5_CHECK(H5Gcreate2(buckets.get(), spec.bucket.c_str(), H5P_DEFAULT,
                                            H5P_DEFAULT, H5P_DEFAULT),
                                 path),
                        H5Kind::kGroup);
  create_unwritten_dataset(bucket.get(), "tokens", H5T_STD_U8LE, spec.token_dims, path);
  if (!spec.caption_emb_dims.empty()) {
    const H5Handle half = make_float16_type();
    create_unwritten_dataset(bucket.get(), "caption_emb", half.get(), spec.caption_emb_dims, path);
  }
  const H5Handle string_type = make_string_type();
  create_unwritten_dataset(bucket.get(), "source", string_type.get(), {spec.token_dims[0]}, path);
}

TEST(ShardReaderFuzzRegression, ThrowsInputErrorWhenChannelsOverflowTheTokenSize) {
  TempDir dir("vdit-fuzz-regression");
  const std::string path = dir.file("channels.h5");
  HugeShard spec;
  spec.channels = int64_t{1} << 62;  // 16 values per channel: pt*p*p*C overflows int64
  write_huge_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); }, {path, "'channels'", "too large"});
}

TEST(ShardReaderFuzzRegression, ThrowsInputErrorWhenPatchOverflowsTheTokenSize) {
  TempDir dir("vdit-fuzz-regression");
  const std::string path = dir.file("patch.h5");
  HugeShard spec;
  spec.patch = {1, int64_t{1} << 32, int64_t{1} << 32};
  write_huge_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); }, {path, "'patch'", "too large"});
}

TEST(ShardReaderFuzzRegression, ThrowsInputErrorWhenBucketHasMoreTokensThanInt64Holds) {
  TempDir dir("vdit-fuzz-regression");
  const std::string path = dir.file("bucket.h5");
  HugeShard spec;
  spec.patch = {1, 1, 1};
  spec.bucket = "999999999999x999999999999x999999999999";
  write_huge_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/999999999999x999999999999x999999999999", "too large"});
}

TEST(ShardReaderFuzzRegression, ThrowsInputErrorWhenSampleHasMoreValuesThanInt64Holds) {
  TempDir dir("vdit-fuzz-regression");
  const std::string path = dir.file("sample.h5");
  HugeShard spec;  // 2^42 tokens of 2^21 values: each factor fits, the sample's 2^63 does not
  spec.channels = int64_t{1} << 21;
  spec.patch = {1, 1, 1};
  spec.bucket = "1x2097152x2097152";
  spec.token_dims = {1, hsize_t{1} << 42, hsize_t{1} << 21};
  write_huge_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/1x2097152x2097152", "too large"});
}

TEST(ShardReaderFuzzRegression, ThrowsInputErrorWhenCaptionEmbeddingHasMoreValuesThanInt64Holds) {
  TempDir dir("vdit-fuzz-regression");
  const std::string path = dir.file("caption_emb.h5");
  HugeShard spec;
  spec.caption_emb_dims = {2, hsize_t{1} << 32, hsize_t{1} << 31};  // Lc * D = 2^63
  write_huge_shard(path, spec);
  expect_input_error([&] { ShardReader::open(path); },
                     {path, "/buckets/1x8x8/caption_emb", "too large"});
}

}  // namespace
}  // namespace vdit::data
