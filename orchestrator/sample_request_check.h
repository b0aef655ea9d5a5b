// Checks a `vdit sample` request before any compute: each flag's range, the sizes against the
// checkpoint's model, and the memory the request needs against what the machine has.
#pragma once

#include <cstdint>
#include <optional>

#include "core/config.h"
#include "orchestrator/sample_writer.h"

namespace vdit::orchestrator {

// The checks that need no checkpoint: frames and size >= 1, steps >= 1 and a guidance scale in
// [0, kMaxGuidanceScale] when given, seed >= 0, a known sampler when given, at least one caption,
// upscale 1..kMaxSampleUpscale, fps 1..kMaxSampleFps. InputError naming the flag, the value found
// and the value expected.
void check_sample_flags(const SampleRequest& request);

// Against the checkpoint's (validated) config: frames a multiple of model.patch_frames, height and
// width multiples of model.patch_size, steps <= diffusion.timesteps (and none with DDPM, which
// visits every timestep). InputError as above.
void check_sample_against_model(const SampleRequest& request, const RunConfig& config);

// A lower bound of the peak memory sampling takes, in bytes: weights, the largest attention
// score matrices (LibTorch 1.13 has no fused attention, so softmax(Q K^T) is materialized for
// every head) and the token activations of one block, for the caption batch (doubled by
// classifier-free guidance). A double: a wild request overflows 64-bit integers.
double estimate_sample_memory_bytes(const SampleRequest& request, const RunConfig& config);

// InputError naming --frames, --size and the captions, with the estimate, when `estimate`
// exceeds `available` (nothing when `available` is unknown). vdit sample runs on the CPU only
// (no CUDA sampling path yet), so `available` is the host's MemAvailable.
void check_sample_memory(const SampleRequest& request, double estimate,
                         std::optional<int64_t> available);

inline constexpr double kMaxGuidanceScale = 100;
inline constexpr int kMaxSampleUpscale = 32;
// GIF stores frame delays in centiseconds, and browsers show delays below 2 cs as 10 cs.
inline constexpr int kMaxSampleFps = 50;

}  // namespace vdit::orchestrator
