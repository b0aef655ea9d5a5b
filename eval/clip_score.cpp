#include "eval/clip_score.h"

#include <fmt/core.h>

#include <algorithm>

#include "core/error.h"

namespace vdit::eval {

std::string to_string(ClipConvention convention) {
  return convention == ClipConvention::kTorchmetrics ? "torchmetrics" : "clipscore";
}

ClipConvention parse_clip_convention(const std::string& text, const std::string& where) {
  if (text == "torchmetrics") return ClipConvention::kTorchmetrics;
  if (text == "clipscore") return ClipConvention::kClipscore;
  throw InputError(
      fmt::format("{}: found \"{}\", expected \"torchmetrics\" or \"clipscore\"", where, text));
}

void ClipScoreSums::add(ClipModel& model, const BpeTokenizer& tokenizer,
                        const at::Tensor& video_frames, const std::string& prompt) {
  const at::Tensor images = model.image_embeddings(video_frames);  // [T, E]
  const at::Tensor ids =
      at::tensor(tokenizer.tokenize(prompt, ClipModel::kContextLength), at::kLong)
          .unsqueeze(0);                                               // [1, 77]
  const at::Tensor text = model.text_embeddings(ids);                  // [1, E]
  const at::Tensor cosines = at::matmul(images, text.t()).squeeze(1);  // [T]
  frame_cosines += cosines.sum().item<double>();
  frames += cosines.size(0);
  sample_clipped += std::max(cosines.mean().item<double>(), 0.0);
  samples += 1;
}

void ClipScoreSums::all_reduce(const parallel::Communicator& group) {
  at::Tensor packed = at::tensor(
      {frame_cosines, static_cast<double>(frames), sample_clipped, static_cast<double>(samples)},
      at::kDouble);
  group.all_reduce_sum(packed);
  frame_cosines = packed[0].item<double>();
  frames = static_cast<int64_t>(packed[1].item<double>());
  sample_clipped = packed[2].item<double>();
  samples = static_cast<int64_t>(packed[3].item<double>());
}

double ClipScoreSums::score(ClipConvention convention) const {
  if (samples == 0) throw RuntimeError("CLIP score of no samples");
  if (convention == ClipConvention::kClipscore) return 2.5 * sample_clipped / samples;
  return std::max(100.0 * frame_cosines / frames, 0.0);
}

}  // namespace vdit::eval
