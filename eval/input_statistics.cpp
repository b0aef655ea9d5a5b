#include "eval/input_statistics.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::eval {
namespace {

FeatureSums sums_of(const at::Tensor& features) {
  FeatureSums sums(features.size(1));
  sums.add(features);
  return sums;
}

void check_width(const std::string& input, int64_t found, const FeatureProtocol* protocol) {
  if (protocol && found != protocol->width) {
    throw InputError(fmt::format("{}: features of width {}, expected {} to match the detector",
                                 input, found, protocol->width));
  }
}

}  // namespace

FeatureProtocol frame_protocol(FrameDetector& detector) {
  FeatureProtocol protocol;
  protocol.metric = "fid";
  protocol.protocol = kFrameProtocolText;
  protocol.detector = detector.file().checksum;
  protocol.width = detector.width();
  protocol.extract = [&detector](VideoSource& source, const WorkSplit& split) {
    return extract_frame_features(
        source, detector, split,
        split.rank == 0 ? console_progress("fid features", "videos") : Progress{});
  };
  return protocol;
}

FeatureProtocol clip_protocol(VideoDetector& detector) {
  FeatureProtocol protocol;
  protocol.metric = "fvd";
  protocol.protocol = detector.protocol().describe();
  protocol.detector = detector.file().checksum;
  protocol.width = detector.width();
  protocol.extract = [&detector](VideoSource& source, const WorkSplit& split) {
    return extract_clip_features(
        source, detector, split,
        split.rank == 0 ? console_progress("fvd features", "videos") : Progress{});
  };
  return protocol;
}

StoredStatistics input_statistics(const std::string& input, const FeatureProtocol* protocol,
                                  const parallel::Communicator& group, const ReferenceCache* cache,
                                  bool* from_cache) {
  if (from_cache) *from_cache = false;
  switch (feature_file_kind(input)) {
    case FeatureFileKind::kStatistics: {
      StoredStatistics stored = read_statistics(input);
      check_width(input, stored.statistics.dim(), protocol);
      return stored;
    }
    case FeatureFileKind::kFeatures: {
      const at::Tensor features = read_features(input);
      check_width(input, features.size(1), protocol);
      StoredStatistics stored;
      stored.statistics = sums_of(features).statistics(input);
      stored.protocol = "features file";
      return stored;
    }
    case FeatureFileKind::kOther:
      break;
  }
  if (!protocol) {
    throw InputError(
        fmt::format("{}: not a stats file (format \"{}\") or a features file "
                    "(dataset 'features' [N, D]); videos and shards need "
                    "`vdit eval fid|fvd ... --detector FILE`",
                    input, kStatsFormat));
  }
  VideoSource source = VideoSource::open(input);
  return source_statistics(source, *protocol, group, cache, from_cache);
}

StoredStatistics source_statistics(VideoSource& source, const FeatureProtocol& protocol,
                                   const parallel::Communicator& group, const ReferenceCache* cache,
                                   bool* from_cache) {
  if (from_cache) *from_cache = false;
  std::string key;
  if (cache && source.is_shards()) {
    key = reference_key(source.files(), protocol.detector, protocol.protocol);
    // Rank 0 decides, so that every rank takes the same branch even while rank 0 writes.
    std::optional<StoredStatistics> cached = group.rank() == 0 ? cache->find(key) : std::nullopt;
    at::Tensor hit = at::full({1}, cached ? 1 : 0, at::kLong);
    group.broadcast(hit, 0);
    if (hit.item<int64_t>() == 1) {
      if (from_cache) *from_cache = true;
      return cached ? *cached : cache->find(key).value();
    }
  }
  FeatureSums sums(protocol.width);
  sums.add(protocol.extract(source, WorkSplit::of(group)).rows);
  sums.all_reduce(group);
  StoredStatistics stored;
  stored.statistics = sums.statistics(source.path());
  stored.protocol = protocol.protocol;
  stored.detector = protocol.detector;
  if (!key.empty() && group.rank() == 0) cache->store(key, stored);
  return stored;
}

at::Tensor input_features(const std::string& input, const FeatureProtocol& protocol,
                          const parallel::Communicator& group) {
  switch (feature_file_kind(input)) {
    case FeatureFileKind::kStatistics:
      throw InputError(
          fmt::format("{}: a stats file holds only mean and covariance; KID needs "
                      "the feature vectors (a features file, shards or videos)",
                      input));
    case FeatureFileKind::kFeatures: {
      at::Tensor features = read_features(input);
      check_width(input, features.size(1), &protocol);
      return features;
    }
    case FeatureFileKind::kOther:
      break;
  }
  VideoSource source = VideoSource::open(input);
  return gather_in_video_order(protocol.extract(source, WorkSplit::of(group)), group);
}

}  // namespace vdit::eval
