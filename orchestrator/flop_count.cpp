#include "orchestrator/flop_count.h"

namespace vdit::orchestrator {
namespace {

// y = x W for x (rows, in), W (in, out)
double linear(double rows, double in, double out) { return 2 * rows * in * out; }

}  // namespace

double forward_flops_per_sample(const model::VideoDiTOptions& o, int64_t tokens) {
  const double L = static_cast<double>(tokens), D = o.hidden_size, H = o.mlp_hidden();
  const double Lc = o.caption.length, token_dim = o.token_dim();
  double flops = linear(L, token_dim, D);        // patch embedding
  flops += linear(1, 256, D) + linear(1, D, D);  // timestep MLP
  flops += linear(1, D, D);                      // pooled caption
  if (o.caption.embed_dim > 0) {
    flops += linear(Lc, o.caption.embed_dim, D);  // caption projection
  } else {
    const double text_layer = linear(Lc, D, 3 * D) + 2 * 2 * Lc * Lc * D + linear(Lc, D, D) +
                              linear(Lc, D, o.caption.mlp_hidden) +
                              linear(Lc, o.caption.mlp_hidden, D);
    flops += o.caption.depth * text_layer;
  }
  const double self_attention = linear(L, D, 3 * D) + 2 * 2 * L * L * D + linear(L, D, D);
  const double cross_attention =
      linear(L, D, D) + linear(Lc, D, 2 * D) + 2 * 2 * L * Lc * D + linear(L, D, D);
  const double mlp = linear(L, D, H) + linear(L, H, D);
  const double adaln = linear(1, D, 6 * D);
  flops += o.depth * (self_attention + cross_attention + mlp + adaln);
  flops += linear(1, D, 2 * D) + linear(L, D, token_dim);  // final layer
  return flops;
}

}  // namespace vdit::orchestrator
