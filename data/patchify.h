// Cut a clip [T, H, W, C] into patch tokens and back, in the fixed vdit-shard token layout.
//
// Tokens run in (t, h, w) order over the patch grid (T/pt, H/p, W/p); the pt*p*p*C values inside a
// token run in (dt, dy, dx, c) order, channels innermost. Example, T=1, H=W=4, C=3, patch [1,2,2]:
// token 1 is the top-right 2x2 block, and its values are (y0,x2,rgb), (y0,x3,rgb), (y1,x2,rgb),
// (y1,x3,rgb).
#pragma once

#include <cstdint>
#include <vector>

#include "data/shard_format.h"

namespace vdit::data {

// clip: T*H*W*C values, row-major [T, H, W, C]. Returns L*token_dim values [L, pt*p*p*C].
// Throws InputError if the sizes do not match the bucket or the bucket does not divide into
// patches.
template <typename Value>
std::vector<Value> patchify_hwc(const std::vector<Value>& clip, const BucketShape& bucket,
                                int64_t channels, const PatchSize& patch);

// The exact inverse of patchify_hwc.
template <typename Value>
std::vector<Value> unpatchify_hwc(const std::vector<Value>& tokens, const BucketShape& bucket,
                                  int64_t channels, const PatchSize& patch);

}  // namespace vdit::data
