// Validation of a RunConfig before any compute: every message names the field, the value found
// and the value expected.
#pragma once

#include "core/config.h"

namespace vdit {

// Resolves the model preset, fills stage defaults (a config without stages gets one stage "all" of
// training.steps steps over every bucket) and checks every field; throws InputError.
// Checks that need the world (mesh vs ranks, shards vs patch size) happen where that is known.
void resolve_and_validate(RunConfig& config);

// Parses training.activation_checkpointing: "none" -> 0, "full" -> 1, "every:k" -> k. Throws
// InputError naming `field` otherwise.
int64_t checkpoint_every(const std::string& mode, const std::string& field,
                         const std::string& source);

}  // namespace vdit
