#include "data/patchify.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::data {

namespace {

// Calls visit(clip_offset, token_offset) for every (value, channel) run of C values, so that
// patchify and unpatchify share one definition of the layout.
template <typename Visit>
void for_each_patch_pixel(const BucketShape& bucket, int64_t channels, const PatchSize& patch,
                          Visit visit) {
  const PatchGrid grid = patch_grid(bucket, patch);
  const int64_t dim = patch.token_dim(channels);
  int64_t token_offset = 0;
  for (int64_t gt = 0; gt < grid.frames; ++gt) {
    for (int64_t gh = 0; gh < grid.height; ++gh) {
      for (int64_t gw = 0; gw < grid.width; ++gw) {
        int64_t inner = 0;
        for (int64_t dt = 0; dt < patch.frames; ++dt) {
          const int64_t t = gt * patch.frames + dt;
          for (int64_t dy = 0; dy < patch.size; ++dy) {
            const int64_t y = gh * patch.size + dy;
            for (int64_t dx = 0; dx < patch.size; ++dx) {
              const int64_t x = gw * patch.size + dx;
              const int64_t clip_offset = ((t * bucket.height + y) * bucket.width + x) * channels;
              visit(clip_offset, token_offset + inner);
              inner += channels;
            }
          }
        }
        token_offset += dim;
      }
    }
  }
}

void check_size(size_t found, int64_t expected, const char* what, const BucketShape& bucket) {
  if (static_cast<int64_t>(found) != expected) {
    throw InputError(fmt::format("{} for bucket {} has {} values, expected {}", what, bucket.name(),
                                 found, expected));
  }
}

}  // namespace

template <typename Value>
std::vector<Value> patchify_hwc(const std::vector<Value>& clip, const BucketShape& bucket,
                                int64_t channels, const PatchSize& patch) {
  const int64_t size = bucket.frames * bucket.height * bucket.width * channels;
  check_size(clip.size(), size, "clip [T, H, W, C]", bucket);
  std::vector<Value> tokens(clip.size());
  for_each_patch_pixel(bucket, channels, patch, [&](int64_t clip_offset, int64_t token_offset) {
    for (int64_t c = 0; c < channels; ++c) tokens[token_offset + c] = clip[clip_offset + c];
  });
  return tokens;
}

template <typename Value>
std::vector<Value> unpatchify_hwc(const std::vector<Value>& tokens, const BucketShape& bucket,
                                  int64_t channels, const PatchSize& patch) {
  const int64_t size = bucket.frames * bucket.height * bucket.width * channels;
  check_size(tokens.size(), size, "tokens [L, token_dim]", bucket);
  std::vector<Value> clip(tokens.size());
  for_each_patch_pixel(bucket, channels, patch, [&](int64_t clip_offset, int64_t token_offset) {
    for (int64_t c = 0; c < channels; ++c) clip[clip_offset + c] = tokens[token_offset + c];
  });
  return clip;
}

template std::vector<uint8_t> patchify_hwc(const std::vector<uint8_t>&, const BucketShape&, int64_t,
                                           const PatchSize&);
template std::vector<float> patchify_hwc(const std::vector<float>&, const BucketShape&, int64_t,
                                         const PatchSize&);
template std::vector<uint8_t> unpatchify_hwc(const std::vector<uint8_t>&, const BucketShape&,
                                             int64_t, const PatchSize&);
template std::vector<float> unpatchify_hwc(const std::vector<float>&, const BucketShape&, int64_t,
                                           const PatchSize&);

}  // namespace vdit::data
