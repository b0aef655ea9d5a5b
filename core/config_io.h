// Reading a RunConfig from TOML (unknown keys are errors), `--set section.key=value` overrides, and
// writing the resolved config back out as TOML.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace vdit {

// Parses TOML text; `source` names the file in messages. Applies `overrides` ("model.depth=4",
// "curriculum.stages.0.steps=10") before typed reading, so overrides are validated like the file.
// Throws InputError naming the source, the dotted field, the value found and the type expected.
RunConfig parse_run_config(const std::string& toml_text, const std::string& source,
                           const std::vector<std::string>& overrides = {});

// Reads and parses a file (see parse_run_config).
RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The config as TOML; parse_run_config(to_toml(c)) reproduces c.
std::string to_toml(const RunConfig& config);

}  // namespace vdit
