// Runs a detector over the videos of a source, each worker taking its share of the videos.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>

#include "eval/detectors.h"
#include "eval/video_source.h"
#include "parallel/communicator.h"

namespace vdit::eval {

// Video i belongs to rank i % size: every rank walks the same list, so the split needs no
// messages, and the union over ranks is every video exactly once.
struct WorkSplit {
  int rank = 0;
  int size = 1;
  static WorkSplit of(const parallel::Communicator& group) { return {group.rank(), group.size()}; }
  bool owns(int64_t item) const { return item % size == rank; }
};

// Called after each video with (videos done by this rank, videos this rank owns).
using Progress = std::function<void(int64_t done, int64_t total)>;

// A rank's feature rows and the video each came from, so that gathered rows can be put back in
// video order (KID's subsets pick rows by index: the order must not depend on the split).
struct OwnedFeatures {
  at::Tensor rows;   // float64 [n, D]
  at::Tensor items;  // int64 [n]: the video index of each row, ascending
};

// One feature vector per frame of each owned video.
OwnedFeatures extract_frame_features(VideoSource& source, FrameDetector& detector,
                                     const WorkSplit& split, const Progress& progress = {});

// One feature vector per owned video (its protocol clip). InputError naming the video if it is
// shorter than the protocol's clip.
OwnedFeatures extract_clip_features(VideoSource& source, VideoDetector& detector,
                                    const WorkSplit& split, const Progress& progress = {});

// Every rank's rows concatenated in rank order; the row counts may differ between ranks.
at::Tensor gather_rows(const at::Tensor& local, const parallel::Communicator& group);

// Every rank's rows in video order (a stable sort by item), as one process would have made them.
at::Tensor gather_in_video_order(const OwnedFeatures& local, const parallel::Communicator& group);

// Progress on stderr through core/progress.h: a bar with rate and ETA when stderr is a terminal,
// a plain line every 30 s and at the end otherwise. `label` names the work, `unit` its items.
Progress console_progress(const std::string& label, const std::string& unit);

}  // namespace vdit::eval
