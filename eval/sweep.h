// `vdit eval RUN`: score every checkpoint of a run with fixed seeds and prompts, resumably.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/clip_score.h"
#include "eval/fvd_protocol.h"
#include "parallel/communicator.h"

namespace vdit::eval {

struct SweepRequest {
  std::string run_dir;
  std::vector<std::string> reference;  // shard files or folders: the real videos
  std::vector<std::string> metrics;    // any of fid, fvd, kid, clip
  int64_t num_samples = 2048;          // generated videos per checkpoint
  std::string prompts_file;            // one prompt per line; empty: the reference's captions
  std::string checkpoints_glob = "step_*";
  // Detector files; empty ones default to these names in detector_dir.
  std::string detector_dir;
  std::string fid_detector;   // inception-2015-12-05.pt (FID and KID)
  std::string fvd_detector;   // i3d_torchscript.pt
  std::string clip_detector;  // ViT-B-32.pt
  std::string clip_vocab;     // bpe_simple_vocab_16e6.txt.gz
  int64_t fid_width = 2048;
  int64_t fvd_width = 400;
  FvdProtocol fvd;
  ClipConvention clip_convention = ClipConvention::kTorchmetrics;
  uint64_t seed = 0;          // sample i uses noise seed + i, whichever rank draws it
  int64_t sample_steps = -1;  // < 0: the run config's diffusion.sample_steps
  std::string cache_dir;      // reference statistics; empty: RUN/eval/reference_cache
};

struct SweepSummary {
  int64_t scored = 0;
  int64_t skipped = 0;             // already in results.jsonl with the same N and protocol
  std::vector<std::string> notes;  // warnings, also written into the report
};

// Validates everything (metrics, detector files by probe calls, reference, prompts, that
// checkpoints exist) before sampling; InputError naming the flag or file otherwise. Samples are
// split over `group` (sample i on rank i % size) and the sums reduced; rank 0 writes
// RUN/eval/results.{jsonl,csv}, plots/<metric>.svg, samples/<checkpoint>/*.gif and report.html.
SweepSummary run_sweep(const SweepRequest& request, const parallel::Communicator& group);

// The default detector file names inside --detector-dir.
inline constexpr const char* kInceptionFileName = "inception-2015-12-05.pt";
inline constexpr const char* kI3dFileName = "i3d_torchscript.pt";
inline constexpr const char* kClipFileName = "ViT-B-32.pt";
inline constexpr const char* kClipVocabFileName = "bpe_simple_vocab_16e6.txt.gz";

}  // namespace vdit::eval
