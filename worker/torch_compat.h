// The LibTorch API differences vdit meets between Debian's LibTorch 1.13 and a PyTorch 2.x wheel's,
// in one place: bf16 autocast on CUDA and the fused scaled-dot-product attention.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

// at::scaled_dot_product_attention is public from 2.0 (1.13 has only a private prototype).
#if TORCH_VERSION_MAJOR >= 2
#define VDIT_HAS_SDPA 1
#else
#define VDIT_HAS_SDPA 0
#endif

namespace vdit::compat {

// 2.4 replaced the CUDA-only autocast calls (set_enabled, set_autocast_gpu_dtype) with ones taking
// a device type; the old ones warn as deprecated there.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
inline bool cuda_autocast_enabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
inline void set_cuda_autocast_enabled(bool enabled) {
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
}
inline at::ScalarType cuda_autocast_dtype() { return at::autocast::get_autocast_dtype(at::kCUDA); }
inline void set_cuda_autocast_dtype(at::ScalarType dtype) {
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
}
#else
inline bool cuda_autocast_enabled() { return at::autocast::is_enabled(); }
inline void set_cuda_autocast_enabled(bool enabled) { at::autocast::set_enabled(enabled); }
inline at::ScalarType cuda_autocast_dtype() { return at::autocast::get_autocast_gpu_dtype(); }
inline void set_cuda_autocast_dtype(at::ScalarType dtype) {
  at::autocast::set_autocast_gpu_dtype(dtype);
}
#endif

// softmax(q k^T / sqrt(d)) v through LibTorch's fused kernel (flash / memory-efficient on CUDA).
// Only where VDIT_HAS_SDPA; callers fall back to their own formula otherwise.
#if VDIT_HAS_SDPA
inline torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v) {
  return at::scaled_dot_product_attention(q, k, v);
}
#endif

}  // namespace vdit::compat
