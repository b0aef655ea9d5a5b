// Writes the seed corpus of the shard reader fuzzer: small valid shards (pixel and latent, with
// captions) and malformed ones like those of tests/data/shard_validation_test.cpp.
// Usage: vdit_shard_fuzz_seeds <folder>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "data/hdf5_io.h"
#include "data/shard_writer.h"

namespace {

using namespace vdit::data;

// Pixel shard: two buckets of two samples, caption ids, patch [1, 4, 4], 3 channels.
void write_pixel_seed(const std::string& path) {
  const ShardHeader header{TokenSpace::kPixel, 3, vdit::PatchSize{1, 4}};
  ShardWriter writer = ShardWriter::create(path, header);
  for (const BucketShape& bucket : {BucketShape{1, 8, 8}, BucketShape{2, 4, 8}}) {
    const int64_t values =
        patch_grid(bucket, header.patch).tokens() * header.patch.token_dim(header.channels);
    for (int sample = 0; sample < 2; ++sample) {
      ShardSample clip;
      for (int64_t i = 0; i < values; ++i) {
        clip.pixel_tokens.push_back(static_cast<uint8_t>(sample * 31 + i * 7));
      }
      clip.caption_ids = {sample + 1, sample + 2, sample + 3};
      clip.source = "seed:pixel:" + std::to_string(sample);
      writer.add_sample(bucket, clip);
    }
  }
  writer.close();
}

// Latent shard: caption ids and embeddings; `nan_in_second` puts a NaN in sample 1's tokens.
void write_latent_seed(const std::string& path, bool nan_in_second) {
  const BucketShape bucket{2, 4, 4};
  ShardWriter writer = ShardWriter::create(path, {TokenSpace::kLatent, 4, vdit::PatchSize{1, 2}});
  for (int sample = 0; sample < 2; ++sample) {
    ShardSample clip;
    for (int i = 0; i < 8 * 16; ++i) clip.latent_tokens.push_back(0.25f * (i % 9) - 1.0f);
    if (nan_in_second && sample == 1) {
      clip.latent_tokens[9] = std::numeric_limits<float>::quiet_NaN();
    }
    clip.caption_ids = {7, 8};
    clip.caption_emb = {0.5f, -2.0f, 3.0f, 1.5f, 0.0f, -0.125f};
    clip.caption_emb_dim = 3;
    clip.source = "seed:latent:" + std::to_string(sample);
    writer.add_sample(bucket, clip);
  }
  writer.close();
}

// A one-bucket pixel shard written with raw HDF5 calls so that each seed can break one thing.
struct RawShard {
  int64_t version = 1;
  hid_t token_type = H5T_STD_U8LE;
  std::vector<hsize_t> token_dims{2, 4, 48};  // bucket 1x8x8, patch [1, 4, 4], 3 channels
  bool fixed_length_source = false;           // as some non-vdit tools write strings
  bool with_source = true;
};

void write_raw_seed(const std::string& path, const RawShard& spec) {
  const H5Handle file(
      H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path),
      H5Kind::kFile);
  write_string_attribute(file.get(), "format", "vdit-shard");
  write_int_attributes(file.get(), "version", {spec.version});
  write_string_attribute(file.get(), "space", "pixel");
  write_int_attributes(file.get(), "channels", {3});
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
  if (!spec.with_source) return;
  const hsize_t samples = spec.token_dims.empty() ? 0 : spec.token_dims[0];
  const H5Handle source_space(H5_CHECK(H5Screate_simple(1, &samples, nullptr), path),
                              H5Kind::kDataspace);
  H5Handle string_type = make_string_type();
  if (spec.fixed_length_source) {
    string_type = H5Handle(H5_CHECK(H5Tcopy(H5T_C_S1), path), H5Kind::kDatatype);
    H5_CHECK(H5Tset_size(string_type.get(), 12), path);
  }
  const H5Handle source(
      H5_CHECK(H5Dcreate2(bucket.get(), "source", string_type.get(), source_space.get(),
                          H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
               path),
      H5Kind::kDataset);
  if (spec.fixed_length_source) {
    const std::string names = std::string("clip-0\0\0\0\0\0\0clip-1\0\0\0\0\0\0", 24);
    H5_CHECK(H5Dwrite(source.get(), string_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()),
             path);
  }
}

void write_truncated_copy(const std::string& whole, const std::string& path) {
  std::filesystem::copy_file(whole, path, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(path, std::filesystem::file_size(whole) / 2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <seed folder>\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path folder = argv[1];
    std::filesystem::create_directories(folder);
    const auto seed = [&](const char* name) { return (folder / name).string(); };
    silence_hdf5_error_printing();
    write_pixel_seed(seed("pixel.h5"));
    write_latent_seed(seed("latent.h5"), false);
    write_latent_seed(seed("latent_nan.h5"), true);
    write_raw_seed(seed("raw_ok.h5"), {});
    RawShard spec;
    spec.fixed_length_source = true;
    write_raw_seed(seed("raw_fixed_length_source.h5"), spec);
    spec = {};
    spec.token_type = H5T_STD_I16LE;
    write_raw_seed(seed("raw_int16_tokens.h5"), spec);
    spec = {};
    spec.token_dims = {2, 192};
    write_raw_seed(seed("raw_rank2_tokens.h5"), spec);
    spec.token_dims = {2, 5, 48};
    write_raw_seed(seed("raw_wrong_shape.h5"), spec);
    spec.token_dims = {0, 4, 48};
    write_raw_seed(seed("raw_empty_bucket.h5"), spec);
    spec = {};
    spec.version = 7;
    write_raw_seed(seed("raw_future_version.h5"), spec);
    spec = {};
    spec.with_source = false;
    write_raw_seed(seed("raw_no_source.h5"), spec);
    write_truncated_copy(seed("pixel.h5"), seed("pixel_truncated.h5"));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "vdit_shard_fuzz_seeds: %s\n", error.what());
    return 1;
  }
  return 0;
}
