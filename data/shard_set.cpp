#include "data/shard_set.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/error.h"

namespace vdit::data {

namespace {

// Datasets of one bucket must look the same in every shard, or a batch could not be stacked.
void check_same_layout(const BucketInfo& first, const std::string& first_path,
                       const BucketInfo& other, const std::string& other_path) {
  const auto describe = [](const BucketInfo& info) {
    return fmt::format("caption_ids length {}, caption_emb [{}, {}]", info.caption_length,
                       info.caption_emb_length, info.caption_emb_dim);
  };
  if (first.caption_length != other.caption_length ||
      first.caption_emb_length != other.caption_emb_length ||
      first.caption_emb_dim != other.caption_emb_dim) {
    throw InputError(fmt::format("{}: bucket {} has {}, but {} has {} (0 = dataset absent)",
                                 other_path, other.shape.name(), describe(other), first_path,
                                 describe(first)));
  }
}

}  // namespace

ShardSet ShardSet::open(std::vector<std::string> paths, const ShardExpectations& expected) {
  if (paths.empty()) throw InputError("no shard files given");
  std::sort(paths.begin(), paths.end());
  const auto duplicate = std::adjacent_find(paths.begin(), paths.end());
  if (duplicate != paths.end()) {
    throw InputError(fmt::format("{}: shard listed twice", *duplicate));
  }

  ShardSet set;
  set.paths_ = paths;
  std::map<BucketShape, size_t> bucket_slot;
  for (size_t shard = 0; shard < paths.size(); ++shard) {
    ShardReader reader = ShardReader::open(paths[shard], expected);
    const ShardInfo& info = reader.info();
    if (shard == 0) {
      set.header_ = info.header;
    } else if (info.header.space != set.header_.space ||
               info.header.channels != set.header_.channels ||
               info.header.patch != set.header_.patch) {
      throw InputError(
          fmt::format("{}: space \"{}\", channels {}, patch {} differ from {}: \"{}\", {}, {}",
                      paths[shard], to_string(info.header.space), info.header.channels,
                      to_string(info.header.patch), paths[0], to_string(set.header_.space),
                      set.header_.channels, to_string(set.header_.patch)));
    } else if (info.header.vae_checksum != set.header_.vae_checksum ||
               info.header.vae_scaling_factor != set.header_.vae_scaling_factor) {
      // Latents of two autoencoders live in two different spaces: one model cannot learn both.
      throw InputError(fmt::format(
          "{}: packed with the VAE \"{}\" (scaling factor {}), but {} with \"{}\" ({}); pack "
          "every shard with the same --vae",
          paths[shard], info.header.vae_checksum, info.header.vae_scaling_factor, paths[0],
          set.header_.vae_checksum, set.header_.vae_scaling_factor));
    } else if (info.header.text_encoder_checksum != set.header_.text_encoder_checksum) {
      throw InputError(fmt::format(
          "{}: caption embeddings from the text encoder \"{}\", but {} from \"{}\"; pack "
          "every shard with the same --text-encoder",
          paths[shard], info.header.text_encoder_checksum, paths[0],
          set.header_.text_encoder_checksum));
    }
    for (const BucketInfo& bucket : info.buckets) {
      auto [slot, inserted] = bucket_slot.emplace(bucket.shape, set.rows_.size());
      if (inserted) {
        BucketRows rows;
        rows.merged = bucket;
        rows.merged.samples = 0;
        set.rows_.push_back(rows);
      } else {
        const BucketRows& rows = set.rows_[slot->second];
        check_same_layout(rows.merged, paths[rows.shards.front()], bucket, paths[shard]);
      }
      BucketRows& rows = set.rows_[slot->second];
      rows.shards.push_back(shard);
      rows.first_row.push_back(rows.merged.samples);
      rows.merged.samples += bucket.samples;
    }
    set.readers_.push_back(std::move(reader));
  }
  std::sort(set.rows_.begin(), set.rows_.end(), [](const BucketRows& a, const BucketRows& b) {
    return a.merged.shape < b.merged.shape;
  });
  for (const BucketRows& rows : set.rows_) {
    set.buckets_.push_back(PlanBucket{rows.merged.shape, rows.merged.samples});
  }
  return set;
}

const BucketInfo& ShardSet::bucket(const BucketShape& shape) const {
  for (const BucketRows& rows : rows_) {
    if (rows.merged.shape == shape) return rows.merged;
  }
  throw InputError(fmt::format("no shard has bucket {}", shape.name()));
}

ShardSet::Location ShardSet::locate(const BucketShape& shape, int64_t row) {
  for (const BucketRows& rows : rows_) {
    if (rows.merged.shape != shape) continue;
    if (row < 0 || row >= rows.merged.samples) {
      throw std::out_of_range(fmt::format("bucket {} has no row {} (it has {})", shape.name(), row,
                                          rows.merged.samples));
    }
    // The last shard whose first row is <= row.
    const auto next = std::upper_bound(rows.first_row.begin(), rows.first_row.end(), row);
    const auto position = static_cast<size_t>(next - rows.first_row.begin()) - 1;
    return Location{&readers_[rows.shards[position]], row - rows.first_row[position]};
  }
  throw InputError(fmt::format("no shard has bucket {}", shape.name()));
}

}  // namespace vdit::data
