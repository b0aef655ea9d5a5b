// CLIP score of videos against their prompts: 100 x cosine of image and text embeddings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/bpe_tokenizer.h"
#include "eval/detectors.h"
#include "parallel/communicator.h"

namespace vdit::eval {

// torchmetrics (the default): 100 x cosine averaged over every frame of every sample, the mean
// clamped at 0. clipscore (Hessel et al. 2021): per sample 2.5 x max(mean cosine over its
// frames, 0), averaged over samples. Recorded with every number.
enum class ClipConvention { kTorchmetrics, kClipscore };
std::string to_string(ClipConvention convention);
// InputError naming `where` unless "torchmetrics" or "clipscore".
ClipConvention parse_clip_convention(const std::string& text, const std::string& where);

// Sums over samples, so workers reduce them: both conventions from one pass.
struct ClipScoreSums {
  double frame_cosines = 0;  // sum over frames of cos
  int64_t frames = 0;
  double sample_clipped = 0;  // sum over samples of max(mean cos of its frames, 0)
  int64_t samples = 0;

  // video_frames: uint8 [T, 3, H, W] of one sample; its prompt is tokenized to 77 ids.
  void add(ClipModel& model, const BpeTokenizer& tokenizer, const at::Tensor& video_frames,
           const std::string& prompt);
  void all_reduce(const parallel::Communicator& group);
  // RuntimeError if no sample was added.
  double score(ClipConvention convention) const;
};

}  // namespace vdit::eval
