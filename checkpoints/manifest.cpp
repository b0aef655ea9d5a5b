#include "checkpoints/manifest.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "checkpoints/checkpoint_layout.h"
#include "core/error.h"

namespace vdit::checkpoints {

using nlohmann::json;

std::string shard_file_name_problem(const std::string& name) {
  if (name.empty()) return "the shard file name is empty";
  if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos) {
    return fmt::format("shard file name '{}' must be a plain file name (no '/')", name);
  }
  if (name == "." || name == ".." || name == kManifestFileName || name == kLatestFileName) {
    return fmt::format("'{}' is reserved and cannot be a shard file name", name);
  }
  return "";
}

std::string manifest_to_json(const Manifest& manifest) {
  json state = json::object();
  if (!manifest.state_json.empty()) {
    try {
      state = json::parse(manifest.state_json);
    } catch (const json::parse_error& error) {
      throw RuntimeError(fmt::format("checkpoint state at step {} is not valid JSON: {}",
                                     manifest.step, error.what()));
    }
    if (!state.is_object()) {
      throw RuntimeError(fmt::format("checkpoint state at step {} must be a JSON object, got {}",
                                     manifest.step, state.type_name()));
    }
  }
  json files = json::array();
  for (const ManifestFile& file : manifest.files) {
    files.push_back({{"name", file.name}, {"size", file.size}, {"crc32", file.crc32}});
  }
  const json document = {{"format", kCheckpointFormat},    {"version", kCheckpointVersion},
                         {"step", manifest.step},          {"state", state},
                         {"config", manifest.config_toml}, {"files", files}};
  return document.dump(2) + "\n";
}

namespace {

// The field `key` of `object`, which must have JSON type `type` (described as `type_name`).
const json& require_field(const json& object, const char* key, json::value_t type,
                          const char* type_name, const std::string& where) {
  const auto field = object.find(key);
  if (field == object.end()) throw InputError(fmt::format("{}: missing field '{}'", where, key));
  // nlohmann stores non-negative integers as number_unsigned: any integer kind will do.
  const bool ok =
      type == json::value_t::number_integer ? field->is_number_integer() : field->type() == type;
  if (!ok) {
    throw InputError(fmt::format("{}: field '{}' is {}, expected {}", where, key,
                                 field->type_name(), type_name));
  }
  return *field;
}

}  // namespace

Manifest parse_manifest(const std::string& text, const std::string& where) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& error) {
    throw InputError(fmt::format("{}: not valid JSON (truncated or corrupted manifest): {}", where,
                                 error.what()));
  }
  if (!document.is_object()) {
    throw InputError(
        fmt::format("{}: expected a JSON object, got {}", where, document.type_name()));
  }
  using T = json::value_t;
  const std::string format = require_field(document, "format", T::string, "a string", where);
  if (format != kCheckpointFormat) {
    throw InputError(
        fmt::format("{}: format is '{}', expected '{}'", where, format, kCheckpointFormat));
  }
  const int64_t version =
      require_field(document, "version", T::number_integer, "an integer", where);
  if (version != kCheckpointVersion) {
    throw InputError(fmt::format("{}: version is {}, this build reads version {}", where, version,
                                 kCheckpointVersion));
  }
  Manifest manifest;
  manifest.step = require_field(document, "step", T::number_integer, "an integer", where);
  manifest.state_json = require_field(document, "state", T::object, "an object", where).dump();
  manifest.config_toml = require_field(document, "config", T::string, "a string", where);
  const json& files = require_field(document, "files", T::array, "an array", where);
  for (size_t index = 0; index < files.size(); ++index) {
    const std::string file_where = fmt::format("{}: files[{}]", where, index);
    if (!files[index].is_object()) {
      throw InputError(
          fmt::format("{} is {}, expected an object", file_where, files[index].type_name()));
    }
    ManifestFile file;
    file.name = require_field(files[index], "name", T::string, "a string", file_where);
    file.size = require_field(files[index], "size", T::number_integer, "an integer", file_where);
    const int64_t crc =
        require_field(files[index], "crc32", T::number_integer, "an integer", file_where);
    if (const std::string problem = shard_file_name_problem(file.name); !problem.empty()) {
      throw InputError(fmt::format("{}: {}", file_where, problem));
    }
    if (file.size < 0 || crc < 0 || crc > 0xffffffffLL) {
      throw InputError(
          fmt::format("{}: size {} / crc32 {} out of range", file_where, file.size, crc));
    }
    file.crc32 = static_cast<uint32_t>(crc);
    manifest.files.push_back(std::move(file));
  }
  return manifest;
}

}  // namespace vdit::checkpoints
