#include "eval/metric_result.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>

namespace vdit::eval {

nlohmann::json MetricResult::to_json() const {
  nlohmann::json out;
  out[metric] = value;
  if (!std::isnan(std)) out[metric + "_std"] = std;
  out["N"] = counts;
  out["D"] = dim;
  out["protocol"] = protocol;
  out["detector"] = detector;
  if (metric == "fd" || metric == "fid" || metric == "fvd") out["rank_deficient"] = rank_deficient;
  out["warnings"] = warnings;
  return out;
}

std::string MetricResult::to_text() const {
  std::string text = fmt::format("{} = {:.6g}", metric, value);
  if (!std::isnan(std)) text += fmt::format(" +- {:.3g}", std);
  text += fmt::format(" (N = {}, D = {}; protocol: {}", fmt::join(counts, " and "), dim,
                      protocol.empty() ? "not recorded" : protocol);
  if (!detector.empty()) text += "; detector " + detector;
  return text + ")";
}

void add_sample_size_warnings(MetricResult& result) {
  if (result.rank_deficient) {
    result.warnings.push_back(fmt::format(
        "N <= D ({} vectors for {} dimensions): the covariance is singular and the distance a "
        "rank-deficient estimate",
        *std::min_element(result.counts.begin(), result.counts.end()), result.dim));
  }
  const int64_t smallest = *std::min_element(result.counts.begin(), result.counts.end());
  if (smallest < kUnbiasedSampleCount && result.metric != "kid" && result.metric != "clip_score") {
    result.warnings.push_back(fmt::format(
        "N = {} < {}: {} is biased upward at small N; compare only numbers with the same N",
        smallest, kUnbiasedSampleCount, result.metric));
  }
}

}  // namespace vdit::eval
