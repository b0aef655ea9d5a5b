// One evaluation number with everything needed to compare it with another: N, D, protocol.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vdit::eval {

// Below this many vectors FID and FVD are biased upward enough that published comparisons use
// at least 2048 (StyleGAN-V's fvd2048, clean-fid's advice); smaller N is reported with a warning.
inline constexpr int64_t kUnbiasedSampleCount = 2048;

struct MetricResult {
  std::string metric;  // "fd", "fid", "fvd", "kid", "clip_score"
  double value = 0;
  double std = std::nan("");    // KID: over subsets
  std::vector<int64_t> counts;  // N of each input (one for CLIP score)
  int64_t dim = 0;              // D of the features (CLIP: embedding width)
  std::string protocol;         // the preset / convention the number follows
  std::string detector;         // the detector file's checksum
  bool rank_deficient = false;
  std::vector<std::string> warnings;

  // {"fid": 12.3, "N": [..], "D": 2048, "protocol": "...", "detector": "...", ...}
  nlohmann::json to_json() const;
  // "fid = 12.3456 (N = 80 and 48, D = 16; protocol: ...; detector: ...)"
  std::string to_text() const;
};

// Adds the rank-deficiency and small-N warnings that apply to a Fréchet-type result.
void add_sample_size_warnings(MetricResult& result);

}  // namespace vdit::eval
