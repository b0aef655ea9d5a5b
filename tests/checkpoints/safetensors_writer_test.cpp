// The safetensors files vdit writes load with an independent reader (numpy, and the safetensors
// package when installed) and follow the format: aligned header, contiguous offsets.
#include "checkpoints/safetensors_writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints::testing {

// A format reader written from the spec, independent of the C++ writer: numpy parses the data,
// and the safetensors package (if installed) loads the file too and must agree.
constexpr const char* kNumpyReader = R"(
import json, struct, sys
import numpy as np
path, out = sys.argv[1], sys.argv[2]
blob = open(path, 'rb').read()
(n,) = struct.unpack('<Q', blob[:8])
assert n % 8 == 0, 'header length %d is not a multiple of 8' % n
text = blob[8:8 + n].decode('utf-8')
assert text.startswith('{') and text.rstrip(' ').endswith('}'), 'header is not space-padded JSON'
header = json.loads(text)
data = blob[8 + n:]
metadata = header.pop('__metadata__', {})
assert all(isinstance(v, str) for v in metadata.values()), 'metadata values must be strings'
result = {'header_length': n, 'metadata': metadata, 'tensors': {}}
end = 0
for name, info in sorted(header.items(), key=lambda item: item[1]['data_offsets'][0]):
    begin, stop = info['data_offsets']
    assert begin == end, '%s starts at %d, the previous tensor ends at %d' % (name, begin, end)
    assert info['dtype'] == 'F32', name
    array = np.frombuffer(data[begin:stop], dtype='<f4').reshape(info['shape'])
    result['tensors'][name] = {'shape': list(array.shape), 'values': array.reshape(-1).tolist()}
    end = stop
assert end == len(data), 'data holds %d bytes, the offsets end at %d' % (len(data), end)
try:
    from safetensors.numpy import load_file
except ImportError:
    result['checked_by_safetensors'] = False
else:
    for name, array in load_file(path).items():
        assert array.reshape(-1).tolist() == result['tensors'][name]['values'], name
    result['checked_by_safetensors'] = True
json.dump(result, open(out, 'w'))
)";

// Runs kNumpyReader on `path`: {"header_length", "metadata", "tensors": {name: {"shape",
// "values"}}, "checked_by_safetensors"}. Fails the test (and returns null) if the reader does.
// Also used by ckpt_command_test.cpp (same test binary).
nlohmann::json load_with_numpy(const std::string& path) {
  const std::string python = "/usr/bin/python3";
  const std::string script = path + ".reader.py", out = path + ".reader.json";
  const std::string log = path + ".reader.log";
  std::ofstream(script) << kNumpyReader;
  const int status = std::system(
      (python + " " + script + " '" + path + "' '" + out + "' > '" + log + "' 2>&1").c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  std::filesystem::remove(script);
  std::filesystem::remove(log);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << "the numpy safetensors reader rejected " << path << ":\n" << output.str();
    return nullptr;
  }
  std::ifstream result_file(out);
  nlohmann::json result = nlohmann::json::parse(result_file);
  std::filesystem::remove(out);
  return result;
}

namespace {

std::vector<SafetensorsEntry> sample_entries() {
  // A scalar, a 1-D and a 3-D tensor, names in non-alphabetical order.
  return {{"pos.scale", {}}, {"blocks.0.attn.qkv.weight", {3, 2, 2}}, {"bias", {5}}};
}

std::vector<float> sample_values(size_t index) {
  const std::vector<int64_t> counts = {1, 12, 5};
  std::vector<float> values = pattern(counts[index], static_cast<float>(index) + 0.125f);
  values[0] = -values[0] - 1.0f / 3.0f;  // a sign and a value with all mantissa bits in use
  return values;
}

TEST(SafetensorsHeader, IsSpacePaddedToEightBytesWithContiguousOffsetsInEntryOrder) {
  const std::string header = safetensors_header(sample_entries(), {{"format", "vdit"}});
  EXPECT_EQ(header.size() % 8, 0u);
  const auto json = nlohmann::json::parse(header);  // trailing spaces are valid JSON whitespace
  EXPECT_EQ(json["__metadata__"]["format"], "vdit");
  EXPECT_EQ(json["pos.scale"]["data_offsets"], nlohmann::json({0, 4}));
  EXPECT_EQ(json["pos.scale"]["shape"], nlohmann::json::array());
  EXPECT_EQ(json["blocks.0.attn.qkv.weight"]["data_offsets"], nlohmann::json({4, 52}));
  EXPECT_EQ(json["blocks.0.attn.qkv.weight"]["dtype"], "F32");
  EXPECT_EQ(json["bias"]["data_offsets"], nlohmann::json({52, 72}));
}

TEST(SafetensorsHeader, RefusesRepeatedOrReservedNames) {
  EXPECT_THROW(safetensors_header({{"a", {1}}, {"a", {2}}}, {}), InputError);
  EXPECT_THROW(safetensors_header({{"__metadata__", {1}}}, {}), InputError);
  EXPECT_THROW(safetensors_header({{"", {1}}}, {}), InputError);
}

TEST(WriteSafetensors, FileLoadsWithAnIndependentReaderWithTheSameValues) {
  TempRoot root;
  const std::string path = root / "model.safetensors";
  const std::map<std::string, std::string> metadata = {
      {"format", "vdit"}, {"step", "12"}, {"config", "[model]\npatch_size = 2\n# \"quoted\"\n"}};
  write_safetensors(path, sample_entries(), metadata, sample_values);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  const nlohmann::json loaded = load_with_numpy(path);
  ASSERT_FALSE(loaded.is_null());
  EXPECT_EQ(loaded["metadata"], nlohmann::json(metadata));
  const std::vector<SafetensorsEntry> entries = sample_entries();
  ASSERT_EQ(loaded["tensors"].size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& tensor = loaded["tensors"][entries[i].name];
    EXPECT_EQ(tensor["shape"].get<std::vector<int64_t>>(), entries[i].shape) << entries[i].name;
    const std::vector<float> expected = sample_values(i);
    const auto values = tensor["values"].get<std::vector<double>>();
    ASSERT_EQ(values.size(), expected.size()) << entries[i].name;
    for (size_t k = 0; k < values.size(); ++k) {
      EXPECT_EQ(static_cast<float>(values[k]), expected[k]) << entries[i].name << " [" << k << "]";
    }
  }
  // 8 + header + 18 floats: nothing after the data.
  EXPECT_EQ(file_size(path), 8 + loaded["header_length"].get<int64_t>() + 18 * 4);
}

TEST(WriteSafetensors, WrongValueCountFailsAndLeavesNoFile) {
  TempRoot root;
  const std::string path = root / "model.safetensors";
  EXPECT_THROW(
      write_safetensors(path, {{"w", {2, 3}}}, {}, [](size_t) { return std::vector<float>(5); }),
      RuntimeError);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

}  // namespace
}  // namespace vdit::checkpoints::testing
