// The video Diffusion Transformer: patch tokens + 3-D positions in, predicted noise (or v) out,
// conditioned on the timestep and the caption. Mirrors the reference DiT's models.py top to bottom.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "core/config.h"
#include "worker/model/condition_embedders.h"
#include "worker/model/final_layer.h"
#include "worker/model/parallel_context.h"
#include "worker/model/parallel_linear.h"
#include "worker/model/patchify.h"

namespace vdit::model {

struct VideoDiTOptions {
  int64_t hidden_size = 64;
  int64_t depth = 4;
  int64_t num_heads = 4;
  double mlp_ratio = 4.0;
  PatchSize patch;
  int64_t channels = 3;
  CaptionEncoderOptions caption;  // dim / heads / mlp filled from the fields above
  // Recompute every k-th block in backward instead of storing its activations; 0 = none.
  int64_t checkpoint_every = 0;

  int64_t token_dim() const { return patch.token_dim(channels); }
  int64_t mlp_hidden() const { return static_cast<int64_t>(hidden_size * mlp_ratio); }
};

// From a validated (preset-resolved) ModelConfig.
VideoDiTOptions video_dit_options(const ModelConfig& model, int64_t checkpoint_every);

// One forward's inputs. A sequence-parallel rank passes its own token range of the grid.
struct DiTInput {
  torch::Tensor tokens;          // (N, L, token_dim) noisy tokens x_t (L = grid tokens, or a slice)
  torch::Tensor timesteps;       // (N,) int64
  torch::Tensor caption;         // (N, Lc) int64 ids, or (N, Lc, E) float embeddings
  torch::Tensor drop_condition;  // (N,) bool: use the null caption (CFG); undefined = keep all
  PatchGrid grid;
  int64_t token_begin = 0;  // first token of `tokens` within the grid
};

class VideoDiTImpl : public torch::nn::Module {
 public:
  // `context`: the tp/sp communicators; blocks are tensor/sequence parallel, everything else
  // (embedders, caption encoder, final layer) is replicated on every rank.
  explicit VideoDiTImpl(const VideoDiTOptions& options, ParallelContext context = {});

  torch::Tensor forward(const DiTInput& input);  // -> (N, L, token_dim)

  // The reference DiT's initialization (see the comment per step in the .cpp).
  void initialize_weights();
  // Activation checkpointing from the next forward on: every k-th block (0 = none).
  void set_checkpoint_every(int64_t every);

  VideoDiTOptions options;
  ParallelLinear x_embedder{nullptr};  // token_dim -> D: a Conv3d with kernel = stride = patch
  TimestepEmbedder t_embedder{nullptr};
  CaptionEncoder caption_encoder{nullptr};
  ParallelLinear caption_pool{nullptr};  // mean caption token -> added to the timestep vector
  torch::nn::ModuleList blocks{nullptr};
  FinalLayer final_layer{nullptr};
};
TORCH_MODULE(VideoDiT);

}  // namespace vdit::model
