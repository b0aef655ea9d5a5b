// The small DiT the model tests build: D 24, 2 blocks of 2 heads, 1x4x4 patches of 3 channels,
// 8 caption ids through one text layer.
#pragma once

#include "worker/model/video_dit.h"

namespace vdit::testing {

inline model::VideoDiTOptions tiny_dit_options() {
  model::VideoDiTOptions options;
  options.hidden_size = 24;
  options.depth = 2;
  options.num_heads = 2;
  options.patch = PatchSize{1, 4};
  options.caption = model::CaptionEncoderOptions{24, 2, 96, 8, 257, 0, 1};
  return options;
}

}  // namespace vdit::testing
