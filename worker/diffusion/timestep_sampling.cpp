#include "worker/diffusion/timestep_sampling.h"

#include <algorithm>

namespace vdit::diffusion {

int64_t training_timestep(double uniform, int64_t timesteps, double shift) {
  const double shifted = shift * uniform / (1 + (shift - 1) * uniform);
  return std::clamp<int64_t>(static_cast<int64_t>(shifted * static_cast<double>(timesteps)), 0,
                             timesteps - 1);
}

}  // namespace vdit::diffusion
