// What the DiT is conditioned on: the diffusion timestep (sinusoid -> MLP) and the caption (a small
// trainable text encoder over byte-level caption ids, or a projection of precomputed embeddings).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "worker/model/attention.h"
#include "worker/model/mlp.h"

namespace vdit::model {

class TimestepEmbedderImpl : public torch::nn::Module {
 public:
  TimestepEmbedderImpl(int64_t dim, int64_t frequency_dim = 256);
  torch::Tensor forward(const torch::Tensor& timesteps);  // (N,) -> (N, D)

  int64_t frequency_dim;
  ParallelLinear fc1{nullptr};  // replicated: frequency_dim -> D
  ParallelLinear fc2{nullptr};  // replicated: D -> D
};
TORCH_MODULE(TimestepEmbedder);

// One pre-LayerNorm transformer layer of the text encoder. Every rank runs the text encoder whole:
// its layers get a one-rank context, so their Linears hold whole tensors.
class TextLayerImpl : public torch::nn::Module {
 public:
  TextLayerImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden);
  torch::Tensor forward(const torch::Tensor& x);  // (N, Lc, D) -> (N, Lc, D)

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  SelfAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(TextLayer);

struct CaptionEncoderOptions {
  int64_t dim = 0;  // D of the DiT
  int64_t num_heads = 1;
  int64_t mlp_hidden = 0;
  int64_t length = 32;    // Lc
  int64_t vocab = 257;    // caption ids mode
  int64_t embed_dim = 0;  // > 0: precomputed embeddings mode, else ids mode
  int64_t depth = 1;      // text layers (ids mode)
};

// Caption -> condition tokens (N, Lc, D). Classifier-free-guidance dropout replaces a sample's
// caption by the null caption: all-padding ids (the encoder learns what "no caption" means), or a
// learned null embedding sequence in embeddings mode.
class CaptionEncoderImpl : public torch::nn::Module {
 public:
  explicit CaptionEncoderImpl(const CaptionEncoderOptions& options);
  // caption: (N, Lc) int64 ids or (N, Lc, E) float embeddings; drop: (N,) bool or undefined.
  torch::Tensor forward(const torch::Tensor& caption, const torch::Tensor& drop);

  CaptionEncoderOptions options;
  torch::nn::Embedding token_embedding{nullptr};  // ids mode
  torch::Tensor position_embedding;               // (Lc, D), ids mode
  torch::nn::ModuleList layers{nullptr};          // ids mode
  ParallelLinear projection{nullptr};             // embeddings mode, replicated: E -> D
  torch::Tensor null_embedding;                   // (Lc, E), embeddings mode
  torch::nn::LayerNorm final_norm{nullptr};
};
TORCH_MODULE(CaptionEncoder);

}  // namespace vdit::model
