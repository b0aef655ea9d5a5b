// bf16 autocast around a forward pass, as a scope: the weights stay fp32 (the master copy the
// optimizer updates), matmuls and attention run in bf16 on CUDA, and the loss is computed after
// the scope in fp32.
#pragma once

#include <ATen/autocast_mode.h>

#include "worker/torch_compat.h"

namespace vdit::training {

// Enables CUDA autocast to `dtype` for its lifetime when `enabled`, and restores the previous
// state (enabled flag, dtype) on exit, clearing the cast cache as LibTorch's Python
// `torch.autocast` does. Disabled, it does nothing, so the caller writes one code path:
//   { AutocastGuard autocast(config.training.precision == "bf16"); output = model(input); }
// Autocast applies to CUDA tensors only; precision = "bf16" on the CPU is refused by the config
// check, so a CPU run never pretends to be bf16.
class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled, at::ScalarType dtype = at::kBFloat16) : active_(enabled) {
    if (!active_) return;
    previous_enabled_ = compat::cuda_autocast_enabled();
    previous_dtype_ = compat::cuda_autocast_dtype();
    compat::set_cuda_autocast_dtype(dtype);
    compat::set_cuda_autocast_enabled(true);
    at::autocast::increment_nesting();
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;
  ~AutocastGuard() {
    if (!active_) return;
    // The cache holds bf16 copies of the weights for this forward; drop them when the outermost
    // autocast scope ends (the weights change at the next optimizer step).
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    compat::set_cuda_autocast_enabled(previous_enabled_);
    compat::set_cuda_autocast_dtype(previous_dtype_);
  }

 private:
  bool active_;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kHalf;
};

}  // namespace vdit::training
