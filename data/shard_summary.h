// A human-readable summary of a validated shard, as printed by `vdit data inspect`.
#pragma once

#include <string>

#include "data/shard_reader.h"

namespace vdit::data {

// Format, version, space, patch, channels, then each bucket with its sample count and the shape
// and dtype of every dataset, followed by up to `captions_per_bucket` decoded captions and
// sources; for RGB pixel clips of 2+ frames also how far their foreground moves (motion_track.h).
std::string summarize_shard(ShardReader& reader, int captions_per_bucket = 3);

}  // namespace vdit::data
