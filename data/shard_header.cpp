#include "data/shard_header.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <vector>

#include "core/error.h"
#include "data/hdf5_io.h"

namespace vdit::data {

ShardHeader read_shard_header(hid_t root, const std::string& path,
                              const ShardExpectations& expected, int64_t* version) {
  const std::optional<std::string> format = read_string_attribute(root, "format", path);
  if (!format) {
    throw InputError(
        fmt::format("{}: root attribute 'format' is missing, expected \"{}\" (not a "
                    "vdit shard?)",
                    path, kShardFormat));
  }
  if (*format != kShardFormat) {
    throw InputError(fmt::format("{}: root attribute 'format' is \"{}\", expected \"{}\"", path,
                                 *format, kShardFormat));
  }
  const auto missing = [&](const char* name, const char* what) {
    return InputError(
        fmt::format("{}: root attribute '{}' is missing, expected {}", path, name, what));
  };
  const std::optional<std::vector<int64_t>> versions = read_int_attributes(root, "version", path);
  if (!versions) throw missing("version", "the integer 1");
  if (versions->size() != 1) {
    throw InputError(
        fmt::format("{}: root attribute 'version' has {} values, expected one "
                    "integer",
                    path, versions->size()));
  }
  *version = versions->front();
  if (*version > kShardVersion) {
    throw InputError(fmt::format("{}: version {} is newer than this vdit supports ({})", path,
                                 *version, kShardVersion));
  }
  if (*version < 1) {
    throw InputError(fmt::format("{}: version {} is not a valid vdit-shard version (expected {})",
                                 path, *version, kShardVersion));
  }

  ShardHeader header;
  const std::optional<std::string> space = read_string_attribute(root, "space", path);
  if (!space) throw missing("space", "\"pixel\" or \"latent\"");
  header.space = parse_token_space(*space, path + ": root attribute 'space'");
  const std::optional<std::vector<int64_t>> channels = read_int_attributes(root, "channels", path);
  if (!channels) throw missing("channels", "a positive integer");
  if (channels->size() != 1 || channels->front() < 1) {
    throw InputError(
        fmt::format("{}: root attribute 'channels' is {}, expected one positive "
                    "integer",
                    path, fmt::join(*channels, ", ")));
  }
  header.channels = channels->front();
  const std::optional<std::vector<int64_t>> patch = read_int_attributes(root, "patch", path);
  if (!patch) throw missing("patch", "[pt, p, p]");
  if (patch->size() != 3 || (*patch)[0] < 1 || (*patch)[1] < 1 || (*patch)[1] != (*patch)[2]) {
    throw InputError(
        fmt::format("{}: root attribute 'patch' is [{}], expected [pt, p, p] with "
                    "positive pt and p",
                    path, fmt::join(*patch, ", ")));
  }
  header.patch = PatchSize{(*patch)[0], (*patch)[1]};
  // Every size the reader computes starts from pt*p*p*C values per token: a corrupt header must
  // not make that overflow (undefined behaviour; see shard_reader_fuzz_regression_test.cpp).
  int64_t patch_values = 0;
  if (__builtin_mul_overflow((*patch)[0], (*patch)[1], &patch_values) ||
      __builtin_mul_overflow(patch_values, (*patch)[2], &patch_values)) {
    throw InputError(
        fmt::format("{}: root attribute 'patch' is [{}], too large: pt*p*p overflows a 64-bit size",
                    path, fmt::join(*patch, ", ")));
  }
  int64_t token_values = 0;
  if (__builtin_mul_overflow(patch_values, header.channels, &token_values)) {
    throw InputError(fmt::format(
        "{}: root attribute 'channels' is {}, too large for patch {}: pt*p*p*C overflows a "
        "64-bit size",
        path, header.channels, to_string(header.patch)));
  }

  // Optional provenance of latents and caption embeddings (vdit data pack --vae/--text-encoder).
  header.vae_checksum = read_string_attribute(root, "vae_checksum", path).value_or("");
  const std::optional<double> factor = read_double_attribute(root, "vae_scaling_factor", path);
  if (!header.vae_checksum.empty() && !(factor && *factor > 0 && std::isfinite(*factor))) {
    throw InputError(fmt::format(
        "{}: root attribute 'vae_scaling_factor' is {}, expected a positive number beside "
        "'vae_checksum'",
        path, factor ? fmt::format("{}", *factor) : std::string("missing")));
  }
  header.vae_scaling_factor = header.vae_checksum.empty() ? 0 : *factor;
  header.text_encoder_checksum =
      read_string_attribute(root, "text_encoder_checksum", path).value_or("");

  if (expected.space && *expected.space != header.space) {
    throw InputError(fmt::format(
        "{}: space is \"{}\", the model expects \"{}\" (model.space; latent shards come from "
        "`vdit data pack --vae`)",
        path, to_string(header.space), to_string(*expected.space)));
  }
  if (expected.channels && *expected.channels != header.channels) {
    throw InputError(fmt::format("{}: channels is {}, the model expects {} (model.channels)", path,
                                 header.channels, *expected.channels));
  }
  if (expected.patch && *expected.patch != header.patch) {
    throw InputError(fmt::format("{}: patch is {}, the model expects {}", path,
                                 to_string(header.patch), to_string(*expected.patch)));
  }
  return header;
}

}  // namespace vdit::data
