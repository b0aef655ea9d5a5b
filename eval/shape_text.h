// "[N, 3, H, W]"-style text of a tensor's shape, for error messages.
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace vdit::eval {

inline std::string shape_text(const at::Tensor& tensor) {
  std::string text = "[";
  for (int64_t i = 0; i < tensor.dim(); ++i) {
    text += (i ? ", " : "") + std::to_string(tensor.size(i));
  }
  return text + "]";
}

}  // namespace vdit::eval
