// Which diffusion timestep a training sample gets: uniform, or shifted toward high noise.
#pragma once

#include <cstdint>

namespace vdit::diffusion {

// Maps a uniform u in [0, 1) to a timestep in [0, timesteps). shift = 1 is the seed's uniform
// draw, floor(u T). shift > 1 bends u to s u / (1 + (s - 1) u) (the timestep shift of Esser et al.,
// "Scaling Rectified Flow Transformers", 2024), so more samples land at high noise, where the
// sampler's first steps decide a clip's layout and motion; shift < 1 favours low noise. The
// mapping is monotonic, so a counter-based u keeps every rank's draw identical.
int64_t training_timestep(double uniform, int64_t timesteps, double shift);

}  // namespace vdit::diffusion
