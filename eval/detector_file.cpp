#include "eval/detector_file.h"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/shape_text.h"

namespace vdit::eval {
namespace {

// TorchScript errors carry a C++ backtrace after the first line; users need the first line.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string signature_text(const std::string& method, const std::vector<std::string>& names) {
  std::string text = method + "(";
  for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
  return text + ")";
}

}  // namespace

std::string file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("{}: cannot read to checksum it", path));
  std::vector<char> buffer(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t bytes = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(got));
    bytes += static_cast<uint64_t>(got);
  }
  return fmt::format("crc32:{:08x}-{}", crc, bytes);
}

DetectorFile load_detector_file(const std::string& path, const std::string& role) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(
        fmt::format("{}: no such detector file, expected {} (a TorchScript .pt file)", path, role));
  }
  DetectorFile detector;
  detector.path = path;
  detector.role = role;
  try {
    detector.module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& failure) {
    throw InputError(
        fmt::format("{}: not a TorchScript file, expected {} saved with "
                    "torch.jit.save ({})",
                    path, role, first_line(failure.what())));
  }
  detector.module.eval();
  detector.checksum = file_checksum(path);
  return detector;
}

void require_signature(const DetectorFile& detector, const std::string& method,
                       const std::vector<std::string>& keywords) {
  std::vector<std::string> expected = {"x"};
  expected.insert(expected.end(), keywords.begin(), keywords.end());
  const auto found = detector.module.find_method(method);
  if (!found) {
    throw InputError(fmt::format("{}: has no method {}, expected {} with {}", detector.path, method,
                                 detector.role, signature_text(method, expected)));
  }
  std::vector<std::string> names;
  for (const auto& argument : found->function().getSchema().arguments()) {
    if (argument.name() != "self") names.push_back(argument.name());
  }
  bool matches = !names.empty();
  for (const auto& keyword : keywords) {
    if (std::find(names.begin(), names.end(), keyword) == names.end()) matches = false;
  }
  if (!matches || names.size() != expected.size()) {
    throw InputError(fmt::format("{}: {} has the signature {}, expected {} for {}", detector.path,
                                 method, signature_text(method, names),
                                 signature_text(method, expected), detector.role));
  }
}

c10::IValue call_detector(const DetectorFile& detector, const std::string& method,
                          std::vector<c10::IValue> inputs, const torch::jit::Kwargs& keywords,
                          const std::string& call) {
  try {
    return detector.module.get_method(method)(std::move(inputs), keywords);
  } catch (const std::exception& failure) {
    // c10::Error for argument mismatches, torch::jit::JITException for errors inside the
    // network: either way the file does not take the documented input.
    throw InputError(fmt::format("{}: {} failed, expected {} to accept it: {}", detector.path, call,
                                 detector.role, first_line(failure.what())));
  }
}

at::Tensor require_features(const DetectorFile& detector, const c10::IValue& output,
                            const std::string& call, int64_t rows, int64_t width) {
  const std::string expected =
      width < 0 ? fmt::format("[{}, D]", rows) : fmt::format("[{}, {}]", rows, width);
  if (!output.isTensor()) {
    throw InputError(fmt::format("{}: {} returned a {}, expected a feature tensor {} ({})",
                                 detector.path, call, output.tagKind(), expected, detector.role));
  }
  const at::Tensor features = output.toTensor();
  if (features.dim() != 2 || features.size(0) != rows ||
      (width >= 0 && features.size(1) != width) || !features.is_floating_point()) {
    throw InputError(
        fmt::format("{}: {} returned {} {}, expected float features {} ({}; "
                    "pass the width your detector produces if it is another one)",
                    detector.path, call, c10::toString(features.scalar_type()),
                    shape_text(features), expected, detector.role));
  }
  return features;
}

}  // namespace vdit::eval
