// HDF5 files of evaluation inputs: a features file ([N, D] vectors) and a stats file (mean, cov).
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "eval/feature_statistics.h"

namespace vdit::eval {

// Features file: dataset `features` [N, D], float32 or float64 (h5py writes numpy arrays so).
inline constexpr const char* kFeaturesDataset = "features";

// Stats file: root attribute format = "vdit-eval-stats", datasets `mu` [D] and `sigma` [D, D]
// float64 (pytorch-fid's names), attributes count (N), protocol and detector (its checksum), so a
// number computed from it can say how the statistics were made.
inline constexpr const char* kStatsFormat = "vdit-eval-stats";

struct StoredStatistics {
  GaussianStatistics statistics;
  std::string protocol;  // e.g. "fid: all frames, uint8 [N,3,H,W]"; empty if not recorded
  std::string detector;  // checksum of the detector file; empty if not recorded
};

// What a path holds, judged by its content: a stats file has the format attribute, a features
// file the `features` dataset. kOther for anything else (including non-HDF5 files).
enum class FeatureFileKind { kStatistics, kFeatures, kOther };
FeatureFileKind feature_file_kind(const std::string& path);

// [N, D] float64. InputError naming the file and dataset for a missing dataset, a rank other
// than 2 or a non-float dtype.
at::Tensor read_features(const std::string& path);
void write_features(const std::string& path, const at::Tensor& features);

// InputError naming the file for a missing format attribute or datasets of the wrong shape.
StoredStatistics read_statistics(const std::string& path);
// Written to PATH.partial and renamed, so a cache never holds half a file.
void write_statistics(const std::string& path, const StoredStatistics& stored);

}  // namespace vdit::eval
