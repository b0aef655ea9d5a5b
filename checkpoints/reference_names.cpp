#include "checkpoints/reference_names.h"

#include <fmt/core.h>

#include <cctype>

#include "core/error.h"

namespace vdit::checkpoints {

namespace {

// One renamed module: a vdit module path and its reference counterpart, both ending in '.', so
// that ".weight" / ".bias" follow unchanged. '#' stands for a block index (digits), copied over.
struct ModuleRename {
  const char* vdit;
  const char* reference;
};

// Reference names are those of facebookresearch/DiT models.py (DiT, DiTBlock, FinalLayer,
// TimestepEmbedder) and of the timm layers it uses (PatchEmbed, Attention, Mlp).
constexpr ModuleRename kModuleRenames[] = {
    // PatchEmbed wraps its conv as .proj; vdit's Linear becomes that conv (see
    // patch_linear_to_conv3d for the weight's new layout).
    {"x_embedder.", "x_embedder.proj."},
    // TimestepEmbedder.mlp = Sequential(Linear, SiLU, Linear): the Linears are mlp.0 and mlp.2.
    {"t_embedder.fc1.", "t_embedder.mlp.0."},
    {"t_embedder.fc2.", "t_embedder.mlp.2."},
    // DiTBlock: timm Attention (qkv, proj) and Mlp (fc1, fc2) already share vdit's names; qkv's
    // output rows are [q; k; v], heads contiguous in each, as timm's reshape(3, heads, d) reads.
    {"blocks.#.attn.qkv.", "blocks.#.attn.qkv."},
    {"blocks.#.attn.proj.", "blocks.#.attn.proj."},
    {"blocks.#.mlp.fc1.", "blocks.#.mlp.fc1."},
    {"blocks.#.mlp.fc2.", "blocks.#.mlp.fc2."},
    // adaLN_modulation = Sequential(SiLU, Linear) in both: the Linear is .1.
    {"blocks.#.adaLN_modulation.1.", "blocks.#.adaLN_modulation.1."},
    // FinalLayer: its linear's output is a token, (dt, dy, dx, c) ordered like the reference's
    // (p, q, c) unpatchify order extended by time.
    {"final_layer.linear.", "final_layer.linear."},
    {"final_layer.adaLN_modulation.1.", "final_layer.adaLN_modulation.1."},
    // Not listed, so exported under their vdit names: blocks.#.cross_attn.*, blocks.#.norm_cross.*
    // (caption cross-attention) and caption_encoder.*, caption_pool.* (the text condition,
    // which replaces the reference's class-label y_embedder). norm1, norm2 and norm_final have
    // no weights in either model (LayerNorm without elementwise affine).
};

// If `name` starts with `pattern` ('#' = one or more digits), the length matched and the digits
// '#' matched; otherwise a length of 0.
size_t match_prefix(const std::string& name, const char* pattern, std::string& digits) {
  size_t at = 0;
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (*p == '#') {
      const size_t start = at;
      while (at < name.size() && std::isdigit(static_cast<unsigned char>(name[at]))) ++at;
      if (at == start) return 0;
      digits = name.substr(start, at - start);
    } else {
      if (at >= name.size() || name[at] != *p) return 0;
      ++at;
    }
  }
  return at;
}

std::string fill_digits(const char* pattern, const std::string& digits) {
  std::string text;
  for (const char* p = pattern; *p != '\0'; ++p) {
    if (*p == '#') {
      text += digits;
    } else {
      text += *p;
    }
  }
  return text;
}

}  // namespace

std::string reference_name(const std::string& vdit_name) {
  for (const ModuleRename& rename : kModuleRenames) {
    std::string digits;
    const size_t matched = match_prefix(vdit_name, rename.vdit, digits);
    if (matched > 0) return fill_digits(rename.reference, digits) + vdit_name.substr(matched);
  }
  return vdit_name;
}

bool is_patch_embedding_weight(const std::string& vdit_name) {
  return vdit_name == "x_embedder.weight";
}

std::vector<float> patch_linear_to_conv3d(const std::vector<float>& linear, int64_t hidden_size,
                                          const PatchLayout& patch, const std::string& where) {
  const int64_t token_dim = patch.token_dim();
  if (hidden_size <= 0 || static_cast<int64_t>(linear.size()) != hidden_size * token_dim) {
    throw InputError(fmt::format(
        "{}: x_embedder.weight has {} values, expected D x pt*p*p*C = {} x {} (patch {}x{}x{}, "
        "{} channels)",
        where, linear.size(), hidden_size, token_dim, patch.frames, patch.size, patch.size,
        patch.channels));
  }
  const int64_t pt = patch.frames, p = patch.size, channels = patch.channels;
  std::vector<float> conv(linear.size());
  for (int64_t d = 0; d < hidden_size; ++d) {
    const float* row = linear.data() + d * token_dim;  // one output unit: (dt, dy, dx, c) order
    float* kernel = conv.data() + d * token_dim;       // the same unit: (c, dt, dy, dx) order
    for (int64_t dt = 0; dt < pt; ++dt) {
      for (int64_t dy = 0; dy < p; ++dy) {
        for (int64_t dx = 0; dx < p; ++dx) {
          for (int64_t c = 0; c < channels; ++c) {
            kernel[((c * pt + dt) * p + dy) * p + dx] =
                row[((dt * p + dy) * p + dx) * channels + c];
          }
        }
      }
    }
  }
  return conv;
}

}  // namespace vdit::checkpoints
