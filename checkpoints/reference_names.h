// vdit parameter names -> the reference DiT's (facebookresearch/DiT models.py), for export.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// The reference name of a vdit parameter ("t_embedder.fc1.weight" -> "t_embedder.mlp.0.weight",
// "blocks.3.attn.qkv.bias" unchanged). Parameters without a counterpart in the reference
// (cross_attn, norm_cross, caption_encoder, caption_pool) keep their vdit name. The table, with
// a comment per entry, is in reference_names.cpp.
std::string reference_name(const std::string& vdit_name);

// True for the patch embedding's weight, the one parameter whose layout changes on export.
bool is_patch_embedding_weight(const std::string& vdit_name);

// How a token packs pixels: pt frames x p x p pixels x C channels, values in (dt, dy, dx, c)
// order (channels innermost, see worker/model/patchify.h).
struct PatchLayout {
  int64_t frames = 1;    // pt
  int64_t size = 1;      // p
  int64_t channels = 3;  // C
  int64_t token_dim() const { return frames * size * size * channels; }
};

// vdit's patch embedding is a Linear [D, pt*p*p*C] over (dt, dy, dx, c)-ordered tokens; the
// same map as a Conv3d with kernel = stride = (pt, p, p) has weight [D, C, pt, p, p] (the
// reference DiT's PatchEmbed is the 2-D case, Conv2d [D, C, p, p]). Returns the Conv3d weight,
// row-major. InputError naming `where` if `linear` is not D x token_dim values.
std::vector<float> patch_linear_to_conv3d(const std::vector<float>& linear, int64_t hidden_size,
                                          const PatchLayout& patch, const std::string& where);

}  // namespace vdit::checkpoints
