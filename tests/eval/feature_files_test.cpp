#include "eval/feature_files.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/frechet_distance.h"
#include "eval/input_statistics.h"
#include "eval/reference_cache.h"
#include "parallel/solo_communicator.h"
#include "tests/data/media_test_utils.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

GaussianStatistics statistics_of(const at::Tensor& features) {
  FeatureSums sums(features.size(1));
  sums.add(features);
  return sums.statistics("features");
}

TEST(FeatureFiles, FrechetDistanceIsTheSameFromFeaturesAndStatsFiles) {
  data::media_test::ScratchDir scratch("vdit-feature-files");
  const at::Tensor a = test::synthetic_features(50, 6, 1, 1.0, 0.0, 0, false);
  const at::Tensor b = test::synthetic_features(40, 6, 2, 1.5, 0.2, 0, false);
  write_features(scratch.file("a.h5"), a);
  write_features(scratch.file("b.h5"), b);
  StoredStatistics stored;
  stored.statistics = statistics_of(b);
  stored.protocol = "test protocol";
  stored.detector = "crc32:00000000-0";
  write_statistics(scratch.file("b_stats.h5"), stored);
  EXPECT_EQ(feature_file_kind(scratch.file("a.h5")), FeatureFileKind::kFeatures);
  EXPECT_EQ(feature_file_kind(scratch.file("b_stats.h5")), FeatureFileKind::kStatistics);

  const auto group = parallel::make_solo_communicator();
  const StoredStatistics from_stats =
      input_statistics(scratch.file("b_stats.h5"), nullptr, group, nullptr);
  EXPECT_EQ(from_stats.protocol, "test protocol");
  EXPECT_EQ(from_stats.statistics.count, 40);
  const double direct = frechet_distance(statistics_of(a), statistics_of(b)).value;
  const double via_files =
      frechet_distance(input_statistics(scratch.file("a.h5"), nullptr, group, nullptr).statistics,
                       from_stats.statistics)
          .value;
  EXPECT_NEAR(via_files, direct, 1e-12 * direct);
}

TEST(FeatureFiles, NamesDatasetWhenFeaturesAreNotAMatrix) {
  data::media_test::ScratchDir scratch("vdit-feature-files");
  write_features(scratch.file("flat.h5"), at::ones({2, 3, 4}));
  try {
    read_features(scratch.file("flat.h5"));
    FAIL() << "a rank-3 features dataset was accepted";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("'features'"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("[N, D]"), std::string::npos) << error.what();
  }
}

TEST(FeatureFiles, FdRefusesVideosWhenNoDetectorIsGiven) {
  const auto group = parallel::make_solo_communicator();
  EXPECT_THROW(input_statistics(test::fixture("set_a"), nullptr, group, nullptr), InputError);
}

TEST(ReferenceCache, ReusesStatisticsWhenKeyMatches) {
  data::media_test::ScratchDir scratch("vdit-reference-cache");
  const ReferenceCache cache(scratch.file("cache"));
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const FeatureProtocol protocol = frame_protocol(detector);
  const auto group = parallel::make_solo_communicator();
  bool from_cache = true;
  const StoredStatistics first =
      input_statistics(test::fixture("set_a"), &protocol, group, &cache, &from_cache);
  EXPECT_FALSE(from_cache);
  const StoredStatistics second =
      input_statistics(test::fixture("set_a"), &protocol, group, &cache, &from_cache);
  EXPECT_TRUE(from_cache);
  EXPECT_EQ(second.statistics.count, first.statistics.count);
  EXPECT_TRUE(at::allclose(second.statistics.covariance, first.statistics.covariance, 0, 0));
  EXPECT_EQ(second.detector, detector.file().checksum);
}

TEST(ReferenceCache, KeyChangesWhenFileContentDetectorOrProtocolChanges) {
  data::media_test::ScratchDir scratch("vdit-reference-key");
  const std::string file = scratch.file("shard.h5");
  std::ofstream(file) << "one";
  const std::string key = reference_key({file}, "crc32:1", "stylegan-v, 16 frames, stride 1");
  EXPECT_EQ(reference_key({file}, "crc32:1", "stylegan-v, 16 frames, stride 1"), key);
  EXPECT_NE(reference_key({file}, "crc32:2", "stylegan-v, 16 frames, stride 1"), key);
  EXPECT_NE(reference_key({file}, "crc32:1", "stylegan-v, 16 frames, stride 2"), key);
  std::ofstream(file) << "two";
  EXPECT_NE(reference_key({file}, "crc32:1", "stylegan-v, 16 frames, stride 1"), key);
}

}  // namespace
}  // namespace vdit::eval
