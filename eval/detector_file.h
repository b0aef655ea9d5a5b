// Loads a TorchScript feature network (detector) the user named and checks its call signature.
#pragma once

#include <torch/script.h>

#include <string>
#include <vector>

namespace vdit::eval {

// A loaded TorchScript module with what a result must record about it. Frozen: eval mode, and
// callers run it under a no-grad guard.
struct DetectorFile {
  std::string path;
  std::string role;      // "the FID Inception network", ... for error messages
  std::string checksum;  // "crc32:<8 hex>-<bytes>" of the file, recorded with every number
  torch::jit::Module module;
};

// InputError naming the file and `role` if it is missing or not a TorchScript archive.
DetectorFile load_detector_file(const std::string& path, const std::string& role);

// InputError unless the module has `method` taking at least one positional input and every name
// in `keywords` as an argument, e.g. forward(x, return_features): names the file, the signature
// expected and the one found.
void require_signature(const DetectorFile& detector, const std::string& method,
                       const std::vector<std::string>& keywords);

// A probe or real call's output must be a 2-D tensor [rows, width]; width < 0 accepts any width.
// InputError naming the file, the call, the shape found and the shape expected otherwise.
at::Tensor require_features(const DetectorFile& detector, const c10::IValue& output,
                            const std::string& call, int64_t rows, int64_t width);

// Calls `method` with positional `inputs` and keyword arguments; a TorchScript error becomes an
// InputError naming the file and the call (the network did not accept the documented input).
c10::IValue call_detector(const DetectorFile& detector, const std::string& method,
                          std::vector<c10::IValue> inputs, const torch::jit::Kwargs& keywords,
                          const std::string& call);

// CRC-32 of a file's bytes with its size, "crc32:1a2b3c4d-12345". RuntimeError if unreadable.
std::string file_checksum(const std::string& path);

}  // namespace vdit::eval
