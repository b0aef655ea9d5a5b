#include "eval/feature_extraction.h"

#include <memory>
#include <vector>

#include "core/progress.h"

namespace vdit::eval {
namespace {

int64_t owned_count(const VideoSource& source, const WorkSplit& split) {
  int64_t count = 0;
  for (int64_t i = 0; i < source.size(); ++i) count += split.owns(i) ? 1 : 0;
  return count;
}

OwnedFeatures concatenate(std::vector<at::Tensor>& parts, std::vector<int64_t>& items,
                          int64_t width) {
  OwnedFeatures owned;
  owned.rows = parts.empty() ? at::zeros({0, width}, at::kDouble) : at::cat(parts, 0);
  owned.items = at::tensor(items, at::kLong);
  return owned;
}

}  // namespace

OwnedFeatures extract_frame_features(VideoSource& source, FrameDetector& detector,
                                     const WorkSplit& split, const Progress& progress) {
  std::vector<at::Tensor> parts;
  std::vector<int64_t> items;
  const int64_t total = owned_count(source, split);
  for (int64_t i = 0; i < source.size(); ++i) {
    if (!split.owns(i)) continue;
    parts.push_back(detector.features(frames_tensor(source.video(i))));  // [T, D]
    items.insert(items.end(), static_cast<size_t>(parts.back().size(0)), i);
    if (progress) progress(static_cast<int64_t>(parts.size()), total);
  }
  return concatenate(parts, items, detector.width());
}

OwnedFeatures extract_clip_features(VideoSource& source, VideoDetector& detector,
                                    const WorkSplit& split, const Progress& progress) {
  std::vector<at::Tensor> parts;
  std::vector<int64_t> items;
  const int64_t total = owned_count(source, split);
  for (int64_t i = 0; i < source.size(); ++i) {
    if (!split.owns(i)) continue;
    const at::Tensor clip = cut_clip(source.video(i), detector.protocol(), source.describe(i));
    parts.push_back(detector.features(clip.unsqueeze(0)));  // [1, D]
    items.push_back(i);
    if (progress) progress(static_cast<int64_t>(parts.size()), total);
  }
  return concatenate(parts, items, detector.width());
}

at::Tensor gather_rows(const at::Tensor& local, const parallel::Communicator& group) {
  if (group.size() == 1) return local;
  // Counts first, then rows padded to the largest count (all_gather wants equal shapes).
  const at::Tensor counts = group.all_gather(at::full({1}, local.size(0), at::kLong));
  const int64_t most = counts.max().item<int64_t>();
  at::Tensor padded = at::zeros({most, local.size(1)}, local.options());
  padded.slice(0, 0, local.size(0)).copy_(local);
  const at::Tensor all = group.all_gather(padded);  // [size * most, D]
  std::vector<at::Tensor> rows;
  for (int rank = 0; rank < group.size(); ++rank) {
    rows.push_back(all.slice(0, rank * most, rank * most + counts[rank].item<int64_t>()));
  }
  return at::cat(rows, 0);
}

at::Tensor gather_in_video_order(const OwnedFeatures& local, const parallel::Communicator& group) {
  const at::Tensor rows = gather_rows(local.rows, group);
  const at::Tensor items = gather_rows(local.items.unsqueeze(1), group).squeeze(1);
  const at::Tensor order = std::get<1>(items.sort(/*stable=*/true, 0, false));
  return rows.index_select(0, order);
}

Progress console_progress(const std::string& label, const std::string& unit) {
  // Made at the first call, when the total is known; shared by every copy of the function.
  auto reporter = std::make_shared<std::unique_ptr<ProgressReporter>>();
  return [label, unit, reporter](int64_t done, int64_t total) {
    if (!*reporter) {
      ProgressReporter::Options options;
      options.label = label;
      options.total = total;
      options.unit = unit;
      *reporter = std::make_unique<ProgressReporter>(ProgressTarget::standard_error(), options);
    }
    (*reporter)->advance(done - (*reporter)->done());
  };
}

}  // namespace vdit::eval
