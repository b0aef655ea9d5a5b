// Reads and checks a shard's root attributes (format, version, space, channels, patch).
#pragma once

#include <cstdint>
#include <string>

#include "data/hdf5_handle.h"
#include "data/shard_format.h"

namespace vdit::data {

// The shard's header from the attributes of `root`. Checks format first and version second (a
// newer version may change everything else), then space, channels and patch, each also against
// `expected`. Every problem is an InputError naming `path`, the attribute, the value found and the
// value expected. Stores the version in *version.
ShardHeader read_shard_header(hid_t root, const std::string& path,
                              const ShardExpectations& expected, int64_t* version);

}  // namespace vdit::data
