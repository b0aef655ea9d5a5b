// Turns an evaluation input (stats file, features file, shards or media) into statistics.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>

#include "eval/feature_extraction.h"
#include "eval/feature_files.h"
#include "eval/reference_cache.h"
#include "parallel/communicator.h"

namespace vdit::eval {

// How videos become feature vectors: the detector, its call, and the text recorded with results.
struct FeatureProtocol {
  std::string metric;    // "fid" or "fvd"
  std::string protocol;  // e.g. "stylegan-v, 16 frames, stride 1"
  std::string detector;  // the detector file's checksum
  int64_t width = 0;
  std::function<OwnedFeatures(VideoSource&, const WorkSplit&)> extract;  // my share
};

// FID/KID: every frame at its own size through forward(x, return_features=True), as
// StyleGAN2-ADA's metrics call the Inception file (it resizes to 299 itself).
FeatureProtocol frame_protocol(FrameDetector& detector);
FeatureProtocol clip_protocol(VideoDetector& detector);

// The frame protocol's text, recorded with every FID and KID.
inline constexpr const char* kFrameProtocolText =
    "stylegan2-ada: every frame, uint8 [N, 3, H, W] at native size (the network resizes)";

// A stats file as stored; a features file's mean and covariance; videos through the protocol
// (split over `group`, the sums reduced, so every rank returns the same). Shard inputs go
// through `cache` when it is given. `protocol` may be null only for stats and features files
// (`vdit eval fd`): InputError naming the input otherwise.
StoredStatistics input_statistics(const std::string& input, const FeatureProtocol* protocol,
                                  const parallel::Communicator& group, const ReferenceCache* cache,
                                  bool* from_cache = nullptr);

// The same for an opened source of videos (input_statistics opens the path).
StoredStatistics source_statistics(VideoSource& source, const FeatureProtocol& protocol,
                                   const parallel::Communicator& group, const ReferenceCache* cache,
                                   bool* from_cache = nullptr);

// The raw feature vectors (KID needs them): a features file, or videos through the protocol,
// gathered to every rank in video order. InputError for a stats file (it no longer holds the
// vectors).
at::Tensor input_features(const std::string& input, const FeatureProtocol& protocol,
                          const parallel::Communicator& group);

}  // namespace vdit::eval
