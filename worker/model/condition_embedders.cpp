#include "worker/model/condition_embedders.h"

#include <torch/nn/functional/activation.h>

#include "worker/model/position_embedding.h"

namespace vdit::model {

TimestepEmbedderImpl::TimestepEmbedderImpl(int64_t dim, int64_t frequency_dim)
    : frequency_dim(frequency_dim) {
  fc1 = register_module("fc1", ParallelLinear(frequency_dim, dim));
  fc2 = register_module("fc2", ParallelLinear(dim, dim));
}

torch::Tensor TimestepEmbedderImpl::forward(const torch::Tensor& timesteps) {
  return fc2(torch::silu(fc1(timestep_sinusoid(timesteps, frequency_dim))));  // (N, D)
}

TextLayerImpl::TextLayerImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  attn = register_module("attn", SelfAttention(dim, num_heads, ParallelContext{}));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  mlp = register_module("mlp", Mlp(dim, mlp_hidden, ParallelContext{}));
}

torch::Tensor TextLayerImpl::forward(const torch::Tensor& x) {
  const auto h = x + attn(norm1(x));
  return h + mlp(norm2(h));
}

CaptionEncoderImpl::CaptionEncoderImpl(const CaptionEncoderOptions& options) : options(options) {
  if (options.embed_dim > 0) {
    projection = register_module("projection", ParallelLinear(options.embed_dim, options.dim));
    null_embedding =
        register_parameter("null_embedding", torch::zeros({options.length, options.embed_dim}));
  } else {
    token_embedding =
        register_module("token_embedding", torch::nn::Embedding(options.vocab, options.dim));
    position_embedding =
        register_parameter("position_embedding", torch::zeros({options.length, options.dim}));
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < options.depth; ++i) {
      layers->push_back(TextLayer(options.dim, options.num_heads, options.mlp_hidden));
    }
  }
  final_norm = register_module("final_norm",
                               torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.dim})));
}

torch::Tensor CaptionEncoderImpl::forward(const torch::Tensor& caption, const torch::Tensor& drop) {
  if (options.embed_dim > 0) {
    auto embeddings = caption.to(torch::kFloat32);  // (N, Lc, E)
    if (drop.defined()) {
      embeddings = torch::where(drop.view({-1, 1, 1}),
                                null_embedding.unsqueeze(0).expand_as(embeddings), embeddings);
    }
    return final_norm(projection(embeddings));  // (N, Lc, D)
  }
  auto ids = caption;  // (N, Lc)
  if (drop.defined()) ids = torch::where(drop.view({-1, 1}), torch::zeros_like(ids), ids);
  auto x = token_embedding(ids) + position_embedding.unsqueeze(0);  // (N, Lc, D)
  for (const auto& layer : *layers) x = layer->as<TextLayer>()->forward(x);
  return final_norm(x);  // (N, Lc, D)
}

}  // namespace vdit::model
