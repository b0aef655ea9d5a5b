// Distributed evaluation (label mpi): under mpirun -np 1, 2 and 4 every rank takes its share of
// the videos and the sums are reduced; the numbers must equal one process's.
#include <gtest/gtest.h>
#include <mpi.h>

#include "eval/clip_score.h"
#include "eval/frechet_distance.h"
#include "eval/input_statistics.h"
#include "eval/kernel_distance.h"
#include "parallel/mpi/mpi_communicator.h"
#include "parallel/solo_communicator.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

parallel::Communicator world() {
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  return parallel::MpiCommunicator::create(parallel::MpiCommunicatorHandle(comm));
}

// Sums over a different split add in a different order: equal to ~1e-15 relative, not bitwise.
constexpr double kSplitTolerance = 1e-9;

TEST(DistributedEval, FidEqualsSingleProcessWhenSplitOverRanks) {
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const FeatureProtocol protocol = frame_protocol(detector);
  const auto group = world();
  const auto solo = parallel::make_solo_communicator();
  const auto fid = [&](const parallel::Communicator& over) {
    return frechet_distance(
               input_statistics(test::fixture("set_a"), &protocol, over, nullptr).statistics,
               input_statistics(test::fixture("set_b"), &protocol, over, nullptr).statistics)
        .value;
  };
  const double alone = fid(solo);
  const double split = fid(group);
  EXPECT_NEAR(split, alone, kSplitTolerance * alone) << "ranks: " << group.size();
  const double python = test::reference()["shards"]["fid_scipy"];
  EXPECT_NEAR(split, python, 1e-4 * python);
}

TEST(DistributedEval, FvdAndKidEqualSingleProcessWhenSplitOverRanks) {
  FvdProtocol fvd;
  fvd.frames = 8;
  VideoDetector i3d = VideoDetector::load(test::fixture("i3d_tiny.pt"), fvd, 12);
  const FeatureProtocol clips = clip_protocol(i3d);
  const auto group = world();
  const auto solo = parallel::make_solo_communicator();
  const at::Tensor gathered = input_features(test::fixture("set_a"), clips, group);
  const at::Tensor alone = input_features(test::fixture("set_a"), clips, solo);
  ASSERT_EQ(gathered.size(0), alone.size(0));
  // Back in video order, so KID's subsets (rows picked by index) are the ones one process picks.
  EXPECT_TRUE(at::equal(gathered, alone));
  const at::Tensor b = input_features(test::fixture("set_b"), clips, solo);
  const double kid_split = kernel_distance(gathered, b).mean;
  const double kid_alone = kernel_distance(alone, b).mean;
  EXPECT_NEAR(kid_split, kid_alone, 1e-12 + kSplitTolerance * std::abs(kid_alone));
  const double fvd_split =
      frechet_distance(input_statistics(test::fixture("set_a"), &clips, group, nullptr).statistics,
                       input_statistics(test::fixture("set_b"), &clips, group, nullptr).statistics)
          .value;
  const double fvd_python = test::reference()["shards"]["fvd_stylegan-v"];
  EXPECT_NEAR(fvd_split, fvd_python, 1e-4 * fvd_python);
}

TEST(DistributedEval, ClipScoreEqualsSingleProcessWhenSumsAreReduced) {
  ClipModel model = ClipModel::load(test::fixture("clip_tiny.pt"));
  const BpeTokenizer tokenizer = BpeTokenizer::load(test::fixture("bpe_tiny_vocab.txt.gz"));
  VideoSource source = VideoSource::open(test::fixture("set_b"));
  const auto group = world();
  const WorkSplit split = WorkSplit::of(group);
  ClipScoreSums mine;
  for (int64_t i = 0; i < source.size(); ++i) {
    if (split.owns(i)) mine.add(model, tokenizer, frames_tensor(source.video(i)), "a blue square");
  }
  mine.all_reduce(group);
  ClipScoreSums all;
  for (int64_t i = 0; i < source.size(); ++i) {
    all.add(model, tokenizer, frames_tensor(source.video(i)), "a blue square");
  }
  EXPECT_EQ(mine.samples, all.samples);
  for (const auto convention : {ClipConvention::kTorchmetrics, ClipConvention::kClipscore}) {
    EXPECT_NEAR(mine.score(convention), all.score(convention),
                kSplitTolerance * std::abs(all.score(convention)));
  }
}

}  // namespace
}  // namespace vdit::eval
