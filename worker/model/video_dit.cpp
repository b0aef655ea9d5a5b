#include "worker/model/video_dit.h"

#include <fmt/core.h>
#include <torch/nn/init.h>

#include "core/error.h"
#include "worker/model/activation_checkpoint.h"
#include "worker/model/dit_block.h"
#include "worker/model/position_embedding.h"

namespace vdit::model {

VideoDiTOptions video_dit_options(const ModelConfig& model, int64_t checkpoint_every) {
  VideoDiTOptions options;
  options.hidden_size = model.hidden_size;
  options.depth = model.depth;
  options.num_heads = model.num_heads;
  options.mlp_ratio = model.mlp_ratio;
  options.patch = model.patch();
  options.channels = model.channels;
  options.caption.dim = model.hidden_size;
  options.caption.num_heads = model.num_heads;
  options.caption.mlp_hidden = options.mlp_hidden();
  options.caption.length = model.caption_length;
  options.caption.vocab = model.caption_vocab;
  options.caption.embed_dim = model.condition == "embeddings" ? model.caption_embed_dim : 0;
  options.caption.depth = model.text_encoder_depth;
  options.checkpoint_every = checkpoint_every;
  return options;
}

VideoDiTImpl::VideoDiTImpl(const VideoDiTOptions& options, ParallelContext context)
    : options(options) {
  const int64_t dim = options.hidden_size;
  x_embedder = register_module("x_embedder", ParallelLinear(options.token_dim(), dim));
  t_embedder = register_module("t_embedder", TimestepEmbedder(dim));
  caption_encoder = register_module("caption_encoder", CaptionEncoder(options.caption));
  caption_pool = register_module("caption_pool", ParallelLinear(dim, dim));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.depth; ++i) {
    blocks->push_back(DiTBlock(dim, options.num_heads, options.mlp_hidden(), context));
  }
  final_layer = register_module("final_layer", FinalLayer(dim, options.token_dim()));
  initialize_weights();
}

void VideoDiTImpl::initialize_weights() {
  torch::NoGradGuard no_grad;
  // 1. Every Linear: Xavier-uniform weights, zero bias (as the reference transformer layers).
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<ParallelLinear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      if (linear->bias.defined()) torch::nn::init::zeros_(linear->bias);
    }
  }
  // 2. Patch embedding like nn.Linear (the reference initializes its Conv as a flattened Linear).
  torch::nn::init::xavier_uniform_(x_embedder->weight);
  // 3. Timestep MLP: normal(0, 0.02).
  torch::nn::init::normal_(t_embedder->fc1->weight, 0.0, 0.02);
  torch::nn::init::normal_(t_embedder->fc2->weight, 0.0, 0.02);
  // 4. Caption tables: normal(0, 1), the scale of the text encoder's residual stream. Its
  //    attention and MLP branches are Xavier-initialized and add O(1) outputs; tables at the
  //    reference's 0.02 were drowned by the first attention's average over all caption positions,
  //    so every context token (and every caption) started out nearly the same vector.
  if (caption_encoder->token_embedding) {
    torch::nn::init::normal_(caption_encoder->token_embedding->weight, 0.0, 1.0);
    torch::nn::init::normal_(caption_encoder->position_embedding, 0.0, 1.0);
  }
  // 5. adaLN-Zero: every block's modulation starts at zero, so each block starts as the identity.
  for (const auto& block : *blocks) {
    auto* modulation = block->as<DiTBlock>()->adaLN_modulation[1]->as<ParallelLinear>();
    torch::nn::init::zeros_(modulation->weight);
    torch::nn::init::zeros_(modulation->bias);
  }
  // 6. Final layer zeroed: the untrained model predicts zeros.
  auto* final_modulation = final_layer->adaLN_modulation[1]->as<ParallelLinear>();
  torch::nn::init::zeros_(final_modulation->weight);
  torch::nn::init::zeros_(final_modulation->bias);
  torch::nn::init::zeros_(final_layer->linear->weight);
  torch::nn::init::zeros_(final_layer->linear->bias);
}

void VideoDiTImpl::set_checkpoint_every(int64_t every) {
  if (every < 0) {
    throw RuntimeError(
        fmt::format("activation checkpointing every {} blocks: expected >= 0", every));
  }
  options.checkpoint_every = every;
}

torch::Tensor VideoDiTImpl::forward(const DiTInput& input) {
  const int64_t count = input.tokens.size(1);
  const auto positions = sincos_3d(input.grid, options.hidden_size, input.token_begin, count)
                             .to(input.tokens.device());                       // (L, D)
  auto x = x_embedder(input.tokens) + positions.unsqueeze(0);                  // (N, L, D)
  const auto context = caption_encoder(input.caption, input.drop_condition);   // (N, Lc, D)
  const auto c = t_embedder(input.timesteps) + caption_pool(context.mean(1));  // (N, D)
  for (int64_t i = 0; i < options.depth; ++i) {
    const std::shared_ptr<DiTBlockImpl> block = blocks->ptr<DiTBlockImpl>(i);
    if (options.checkpoint_every > 0 && i % options.checkpoint_every == 0) {
      x = checkpoint(
          [block](const std::vector<torch::Tensor>& in) {
            return block->forward(in[0], in[1], in[2]);
          },
          {x, c, context});
    } else {
      x = block->forward(x, c, context);  // (N, L, D)
    }
  }
  return final_layer(x, c);  // (N, L, token_dim)
}

}  // namespace vdit::model
