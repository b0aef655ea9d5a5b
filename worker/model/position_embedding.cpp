// sin-cos tables computed on the fly in float64 then cast: cheap next to attention.
#include "worker/model/position_embedding.h"

#include <cmath>

namespace vdit::model {
namespace {

// (M, dim) embedding of positions (M,) for one axis: [sin(p w), cos(p w)], w_i = 10000^(-2i/dim).
torch::Tensor sincos_1d(const torch::Tensor& positions, int64_t dim) {
  const auto omega = torch::pow(10000.0, -torch::arange(dim / 2, torch::kFloat64) / (dim / 2.0));
  const auto angles =
      positions.to(torch::kFloat64).unsqueeze(1) * omega.unsqueeze(0);  // (M, dim/2)
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

}  // namespace

torch::Tensor sincos_3d(PatchGrid grid, int64_t dim, int64_t begin, int64_t count) {
  const int64_t spatial_dim = 2 * (dim / 6);
  const int64_t temporal_dim = dim - 2 * spatial_dim;
  const auto index = torch::arange(begin, begin + count, torch::kInt64);  // token ids in (t, h, w)
  // Floor division: `/` on an integer tensor is true division in LibTorch and would give every
  // token of a frame a different, fractional t (and h), blurring which frame a token is in.
  const auto w = index.remainder(grid.width);
  const auto h = index.div(grid.width, "floor").remainder(grid.height);
  const auto t = index.div(grid.width * grid.height, "floor");
  return torch::cat(
             {sincos_1d(t, temporal_dim), sincos_1d(h, spatial_dim), sincos_1d(w, spatial_dim)}, 1)
      .to(torch::kFloat32);  // (count, dim)
}

torch::Tensor timestep_sinusoid(const torch::Tensor& timesteps, int64_t dim) {
  const int64_t half = dim / 2;
  const auto freqs = torch::exp(-std::log(10000.0) * torch::arange(half, torch::kFloat32) / half)
                         .to(timesteps.device());
  const auto args = timesteps.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);  // (N, half)
  auto embedding = torch::cat({torch::cos(args), torch::sin(args)}, 1);
  if (dim % 2 == 1)
    embedding = torch::cat({embedding, torch::zeros_like(embedding.narrow(1, 0, 1))}, 1);
  return embedding;
}

}  // namespace vdit::model
