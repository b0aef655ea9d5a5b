#include "data/shard_writer.h"

#include <fmt/core.h>

#include <cstdio>

#include "data/float16.h"
#include "data/hdf5_io.h"

namespace vdit::data {

namespace {

// Creates an extendible dataset [0, inner...] chunked one sample per chunk, so that reading one
// sample (or a token range of it) touches exactly one chunk.
H5Handle create_sample_dataset(hid_t group, const char* name, hid_t type,
                               const std::vector<hsize_t>& inner_dims, const std::string& context) {
  std::vector<hsize_t> dims{0};
  std::vector<hsize_t> max_dims{H5S_UNLIMITED};
  std::vector<hsize_t> chunk{1};
  for (const hsize_t dim : inner_dims) {
    dims.push_back(dim);
    max_dims.push_back(dim);
    chunk.push_back(dim);
  }
  const int rank = static_cast<int>(dims.size());
  const H5Handle space(H5_CHECK(H5Screate_simple(rank, dims.data(), max_dims.data()), context),
                       H5Kind::kDataspace);
  const H5Handle properties(H5_CHECK(H5Pcreate(H5P_DATASET_CREATE), context),
                            H5Kind::kPropertyList);
  H5_CHECK(H5Pset_chunk(properties.get(), rank, chunk.data()), context);
  return H5Handle(H5_CHECK(H5Dcreate2(group, name, type, space.get(), H5P_DEFAULT, properties.get(),
                                      H5P_DEFAULT),
                           context),
                  H5Kind::kDataset);
}

// Grows a dataset by one sample and writes `values` (one sample's worth) into the new row.
void append_row(hid_t dataset, hid_t memory_type, const void* values, int64_t row,
                const std::string& context) {
  const H5Handle old_space(H5_CHECK(H5Dget_space(dataset), context), H5Kind::kDataspace);
  std::vector<hsize_t> dims = dataspace_dims(old_space.get());
  dims[0] = static_cast<hsize_t>(row + 1);
  H5_CHECK(H5Dset_extent(dataset, dims.data()), context);

  const H5Handle file_space(H5_CHECK(H5Dget_space(dataset), context), H5Kind::kDataspace);
  std::vector<hsize_t> start(dims.size(), 0);
  std::vector<hsize_t> count = dims;
  start[0] = static_cast<hsize_t>(row);
  count[0] = 1;
  H5_CHECK(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                               count.data(), nullptr),
           context);
  const H5Handle memory_space(
      H5_CHECK(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), context),
      H5Kind::kDataspace);
  H5_CHECK(
      H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, values),
      context);
}

std::vector<uint16_t> to_float16(const std::vector<float>& values) {
  std::vector<uint16_t> halves(values.size());
  for (size_t i = 0; i < values.size(); ++i) halves[i] = float_to_half(values[i]);
  return halves;
}

}  // namespace

ShardWriter::ShardWriter(std::string path, const ShardHeader& header)
    : path_(std::move(path)), partial_path_(path_ + ".partial"), header_(header) {}

ShardWriter::ShardWriter(ShardWriter&& other) noexcept
    : path_(std::move(other.path_)),
      partial_path_(std::move(other.partial_path_)),
      header_(other.header_),
      float16_type_(std::move(other.float16_type_)),
      string_type_(std::move(other.string_type_)),
      file_(std::move(other.file_)),
      buckets_group_(std::move(other.buckets_group_)),
      buckets_(std::move(other.buckets_)),
      closed_(other.closed_) {
  other.closed_ = true;  // the moved-from writer owns no partial file any more
}

ShardWriter ShardWriter::create(const std::string& path, const ShardHeader& header) {
  if (header.channels < 1 || header.patch.frames < 1 || header.patch.size < 1) {
    throw InputError(fmt::format("{}: invalid shard header: channels {}, patch {}", path,
                                 header.channels, to_string(header.patch)));
  }
  if (!header.vae_checksum.empty() &&
      (header.space != TokenSpace::kLatent || !(header.vae_scaling_factor > 0))) {
    throw InputError(fmt::format(
        "{}: invalid shard header: a VAE checksum needs space \"latent\" and a positive scaling "
        "factor, found space \"{}\" and factor {}",
        path, to_string(header.space), header.vae_scaling_factor));
  }
  silence_hdf5_error_printing();
  ShardWriter writer(path, header);
  const std::string context = fmt::format("{}: creating shard", writer.partial_path_);
  writer.float16_type_ = make_float16_type();
  writer.string_type_ = make_string_type();
  writer.file_ = H5Handle(
      H5_CHECK(H5Fcreate(writer.partial_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
               context),
      H5Kind::kFile);
  const hid_t root = writer.file_.get();
  write_string_attribute(root, "format", kShardFormat);
  write_int_attributes(root, "version", {kShardVersion});
  write_string_attribute(root, "space", to_string(header.space));
  write_int_attributes(root, "channels", {header.channels});
  write_int_attributes(root, "patch", {header.patch.frames, header.patch.size, header.patch.size});
  if (!header.vae_checksum.empty()) {
    write_string_attribute(root, "vae_checksum", header.vae_checksum);
    write_double_attribute(root, "vae_scaling_factor", header.vae_scaling_factor);
  }
  if (!header.text_encoder_checksum.empty()) {
    write_string_attribute(root, "text_encoder_checksum", header.text_encoder_checksum);
  }
  writer.buckets_group_ = H5Handle(
      H5_CHECK(H5Gcreate2(root, kBucketsGroup, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), context),
      H5Kind::kGroup);
  return writer;
}

ShardWriter::~ShardWriter() {
  if (closed_) return;
  // Abandoned (an exception unwound past it): drop the partial file rather than leave debris.
  buckets_.clear();
  buckets_group_.reset();
  file_.reset();
  std::remove(partial_path_.c_str());
}

int64_t ShardWriter::samples(const BucketShape& bucket) const {
  const auto found = buckets_.find(bucket);
  return found == buckets_.end() ? 0 : found->second.samples;
}

ShardWriter::BucketDatasets& ShardWriter::bucket_datasets(const BucketShape& bucket,
                                                          const ShardSample& first_sample) {
  const auto found = buckets_.find(bucket);
  if (found != buckets_.end()) return found->second;

  const std::string context = fmt::format("{}: creating bucket {}", partial_path_, bucket.name());
  BucketDatasets datasets;
  datasets.tokens_per_sample = patch_grid(bucket, header_.patch).tokens();
  const auto dim = static_cast<hsize_t>(header_.patch.token_dim(header_.channels));
  const auto tokens = static_cast<hsize_t>(datasets.tokens_per_sample);
  datasets.group = H5Handle(H5_CHECK(H5Gcreate2(buckets_group_.get(), bucket.name().c_str(),
                                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                     context),
                            H5Kind::kGroup);
  const hid_t group = datasets.group.get();
  const hid_t token_type = header_.space == TokenSpace::kPixel ? H5T_STD_U8LE : float16_type_.get();
  datasets.tokens =
      create_sample_dataset(group, kTokensDataset, token_type, {tokens, dim}, context);
  if (!first_sample.caption_ids.empty()) {
    datasets.caption_length = static_cast<int64_t>(first_sample.caption_ids.size());
    datasets.caption_ids =
        create_sample_dataset(group, kCaptionIdsDataset, H5T_STD_I32LE,
                              {static_cast<hsize_t>(datasets.caption_length)}, context);
  }
  if (!first_sample.caption_emb.empty()) {
    const int64_t emb_dim = first_sample.caption_emb_dim;
    if (emb_dim < 1 || first_sample.caption_emb.size() % static_cast<size_t>(emb_dim) != 0) {
      throw InputError(fmt::format("{}: caption_emb has {} values, not a multiple of its dim {}",
                                   context, first_sample.caption_emb.size(), emb_dim));
    }
    datasets.caption_emb_dim = emb_dim;
    datasets.caption_emb_length = static_cast<int64_t>(first_sample.caption_emb.size()) / emb_dim;
    datasets.caption_emb = create_sample_dataset(
        group, kCaptionEmbDataset, float16_type_.get(),
        {static_cast<hsize_t>(datasets.caption_emb_length), static_cast<hsize_t>(emb_dim)},
        context);
  }
  datasets.source = create_sample_dataset(group, kSourceDataset, string_type_.get(), {}, context);
  return buckets_.emplace(bucket, std::move(datasets)).first->second;
}

void ShardWriter::check_sample(const BucketShape& bucket, const BucketDatasets& datasets,
                               const ShardSample& sample) const {
  const std::string where =
      fmt::format("{}: sample {} of bucket {}", partial_path_, datasets.samples, bucket.name());
  const int64_t expected_tokens =
      datasets.tokens_per_sample * header_.patch.token_dim(header_.channels);
  const bool pixel = header_.space == TokenSpace::kPixel;
  const size_t found_tokens = pixel ? sample.pixel_tokens.size() : sample.latent_tokens.size();
  if (static_cast<int64_t>(found_tokens) != expected_tokens) {
    throw InputError(fmt::format("{}: {} tokens have {} values, expected {} ([L, token_dim])",
                                 where, to_string(header_.space), found_tokens, expected_tokens));
  }
  if (static_cast<int64_t>(sample.caption_ids.size()) != datasets.caption_length) {
    throw InputError(fmt::format("{}: caption_ids has {} values, the bucket has {}", where,
                                 sample.caption_ids.size(), datasets.caption_length));
  }
  const int64_t expected_emb = datasets.caption_emb_length * datasets.caption_emb_dim;
  if (static_cast<int64_t>(sample.caption_emb.size()) != expected_emb ||
      (expected_emb > 0 && sample.caption_emb_dim != datasets.caption_emb_dim)) {
    throw InputError(
        fmt::format("{}: caption_emb has {} values of dim {}, the bucket has {} of "
                    "dim {}",
                    where, sample.caption_emb.size(), sample.caption_emb_dim, expected_emb,
                    datasets.caption_emb_dim));
  }
}

void ShardWriter::add_sample(const BucketShape& bucket, const ShardSample& sample) {
  if (closed_) throw RuntimeError(fmt::format("{}: add_sample after close()", path_));
  BucketDatasets& datasets = bucket_datasets(bucket, sample);
  check_sample(bucket, datasets, sample);
  const int64_t row = datasets.samples;
  const std::string context =
      fmt::format("{}: writing sample {} of bucket {}", partial_path_, row, bucket.name());
  if (header_.space == TokenSpace::kPixel) {
    append_row(datasets.tokens.get(), H5T_NATIVE_UINT8, sample.pixel_tokens.data(), row, context);
  } else {
    const std::vector<uint16_t> halves = to_float16(sample.latent_tokens);
    append_row(datasets.tokens.get(), float16_type_.get(), halves.data(), row, context);
  }
  if (datasets.caption_ids.valid()) {
    append_row(datasets.caption_ids.get(), H5T_NATIVE_INT32, sample.caption_ids.data(), row,
               context);
  }
  if (datasets.caption_emb.valid()) {
    const std::vector<uint16_t> halves = to_float16(sample.caption_emb);
    append_row(datasets.caption_emb.get(), float16_type_.get(), halves.data(), row, context);
  }
  const char* source = sample.source.c_str();
  append_row(datasets.source.get(), string_type_.get(), &source, row, context);
  ++datasets.samples;
}

void ShardWriter::close() {
  if (closed_) return;
  const std::string context = fmt::format("{}: closing shard", partial_path_);
  H5_CHECK(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), context);
  buckets_.clear();
  buckets_group_.reset();
  file_.reset();
  if (std::rename(partial_path_.c_str(), path_.c_str()) != 0) {
    throw RuntimeError(fmt::format("{}: cannot rename to {}", partial_path_, path_));
  }
  closed_ = true;
}

}  // namespace vdit::data
