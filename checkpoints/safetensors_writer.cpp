#include "checkpoints/safetensors_writer.h"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoints/durable_file.h"
#include "checkpoints/tensor_record.h"
#include "core/error.h"

namespace vdit::checkpoints {

namespace {

constexpr const char* kMetadataKey = "__metadata__";
constexpr int64_t kFloatBytes = 4;

// Appends `value` as `bytes` little-endian bytes, whatever the host's byte order.
void append_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

bool host_is_little_endian() {
  const uint32_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

void write_bytes(std::FILE* file, const std::string& bytes, const std::string& path) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) {
    throw RuntimeError(fmt::format("{}: write failed: {}", path, std::strerror(errno)));
  }
}

void write_file(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                const std::string& header, const SafetensorsValues& values) {
  File file(std::fopen(path.c_str(), "wb"));
  if (!file) throw RuntimeError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  std::string prefix;
  append_little_endian(prefix, header.size(), 8);
  write_bytes(file.get(), prefix + header, path);
  std::string data;
  for (size_t index = 0; index < entries.size(); ++index) {
    const std::vector<float> tensor = values(index);
    const int64_t expected = element_count(entries[index].shape);
    if (static_cast<int64_t>(tensor.size()) != expected) {
      throw RuntimeError(fmt::format("{}: tensor {} has {} values, its shape {} needs {}", path,
                                     entries[index].name, tensor.size(),
                                     describe_shape(entries[index].shape), expected));
    }
    data.clear();
    if (host_is_little_endian()) {  // the common case: the bytes are already in file order
      data.assign(reinterpret_cast<const char*>(tensor.data()), tensor.size() * kFloatBytes);
    } else {
      data.reserve(tensor.size() * kFloatBytes);
      for (const float value : tensor) {
        uint32_t bits = 0;
        std::memcpy(&bits, &value, sizeof bits);
        append_little_endian(data, bits, kFloatBytes);
      }
    }
    write_bytes(file.get(), data, path);
  }
  if (std::fflush(file.get()) != 0) {
    throw RuntimeError(fmt::format("{}: write failed: {}", path, std::strerror(errno)));
  }
}

}  // namespace

std::string safetensors_header(const std::vector<SafetensorsEntry>& entries,
                               const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps the entries in data order, which makes the header easy to read.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::set<std::string> names;
  int64_t offset = 0;
  for (const SafetensorsEntry& entry : entries) {
    if (entry.name.empty() || entry.name == kMetadataKey || !names.insert(entry.name).second) {
      throw InputError(fmt::format("safetensors: tensor name \"{}\" is empty, reserved or repeated",
                                   entry.name));
    }
    const int64_t end = offset + element_count(entry.shape) * kFloatBytes;
    header[entry.name] = {
        {"dtype", "F32"}, {"shape", entry.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  // The format allows trailing spaces; they make the data start 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata,
                       const SafetensorsValues& values) {
  const std::string header = safetensors_header(entries, metadata);
  const std::string temporary = path + ".tmp";
  try {
    write_file(temporary, entries, header, values);
    fsync_path(temporary);
    rename_durably(temporary, path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace vdit::checkpoints
