#include "data/shard_format.h"

#include <fmt/core.h>

#include <cstdlib>
#include <vector>

#include "core/error.h"

namespace vdit::data {

namespace {

// Splits "a<sep>b<sep>c" into positive integers; false on anything else.
bool parse_positive_list(const std::string& text, char separator, std::vector<int64_t>* values) {
  values->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(separator, start), text.size());
    const std::string piece = text.substr(start, end - start);
    if (piece.empty() || piece.size() > 12) return false;
    for (const char c : piece) {
      if (c < '0' || c > '9') return false;
    }
    const int64_t value = std::strtoll(piece.c_str(), nullptr, 10);
    if (value <= 0) return false;
    values->push_back(value);
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string to_string(TokenSpace space) { return space == TokenSpace::kPixel ? "pixel" : "latent"; }

TokenSpace parse_token_space(const std::string& text, const std::string& where) {
  if (text == "pixel") return TokenSpace::kPixel;
  if (text == "latent") return TokenSpace::kLatent;
  throw InputError(
      fmt::format("{}: space is \"{}\", expected \"pixel\" or \"latent\"", where, text));
}

std::string to_string(const PatchSize& patch) {
  return fmt::format("[{}, {}, {}]", patch.frames, patch.size, patch.size);
}

PatchSize parse_patch_size(const std::string& text, const std::string& where) {
  std::vector<int64_t> values;
  if (!parse_positive_list(text, ',', &values) || values.size() != 3) {
    throw InputError(fmt::format(
        "{}: patch is \"{}\", expected three positive integers pt,p,p such as 1,4,4", where, text));
  }
  if (values[1] != values[2]) {
    throw InputError(
        fmt::format("{}: patch is \"{}\", but spatial patches must be square (p,p)", where, text));
  }
  return PatchSize{values[0], values[1]};
}

std::string BucketShape::name() const { return fmt::format("{}x{}x{}", frames, height, width); }

BucketShape parse_bucket_shape(const std::string& text, const std::string& where) {
  std::vector<int64_t> values;
  if (!parse_positive_list(text, 'x', &values) || values.size() != 3) {
    throw InputError(fmt::format(
        "{}: bucket is \"{}\", expected <frames>x<height>x<width> such as 8x32x32", where, text));
  }
  return BucketShape{values[0], values[1], values[2]};
}

PatchGrid patch_grid(const BucketShape& bucket, const PatchSize& patch) {
  if (bucket.frames % patch.frames != 0 || bucket.height % patch.size != 0 ||
      bucket.width % patch.size != 0) {
    throw InputError(fmt::format("bucket {} does not divide into whole patches of {}",
                                 bucket.name(), to_string(patch)));
  }
  return PatchGrid{bucket.frames / patch.frames, bucket.height / patch.size,
                   bucket.width / patch.size};
}

}  // namespace vdit::data
