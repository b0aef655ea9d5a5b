#include "data/loader.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using shard_test::TempDir;

const ShardHeader kHeader{TokenSpace::kPixel, 3, PatchSize{1, 4}};
const BucketShape kImages{1, 8, 8};  // 4 tokens
const BucketShape kClips{2, 8, 8};   // 8 tokens
constexpr int64_t kGlobalBatch = 4;

// Two shards, given in reverse name order: images 5 + 6 samples, clips 5 + 3 samples.
std::vector<std::string> write_corpus(const TempDir& dir) {
  const std::vector<std::string> paths{dir.file("b.h5"), dir.file("a.h5")};
  const std::vector<std::pair<int64_t, int64_t>> counts{{6, 3}, {5, 5}};
  for (size_t k = 0; k < paths.size(); ++k) {
    ShardWriter writer = ShardWriter::create(paths[k], kHeader);
    const auto sample_number = [&](int64_t i) { return static_cast<int64_t>(k) * 100 + i; };
    for (int64_t i = 0; i < counts[k].first; ++i) {
      writer.add_sample(kImages, shard_test::pixel_sample(kImages, kHeader, sample_number(i)));
    }
    for (int64_t i = 0; i < counts[k].second; ++i) {
      writer.add_sample(kClips, shard_test::pixel_sample(kClips, kHeader, sample_number(i) + 50));
    }
    writer.close();
  }
  return paths;
}

LoaderOptions options_for(const std::vector<std::string>& paths, DataRank rank,
                          int64_t samples_consumed = 0) {
  LoaderOptions options;
  options.shard_paths = paths;
  options.expected = {TokenSpace::kPixel, 3, PatchSize{1, 4}};
  options.seed = 5;
  options.stage = 1;
  options.global_batch_size = kGlobalBatch;
  options.rank = rank;
  options.samples_consumed = samples_consumed;
  options.prefetch_depth = 2;
  return options;
}

// One global batch as a mesh-independent record: sample ids, global indices, whole tokens.
struct GlobalRecord {
  BucketShape bucket;
  std::vector<std::string> ids;
  std::vector<int64_t> indices;
  std::vector<std::vector<float>> tokens;      // per sample, all tokens
  std::vector<std::vector<int32_t>> captions;  // per sample
};

// Runs every (dp, sp) rank's loader for `batches` batches and stitches their slices together.
std::vector<GlobalRecord> read_with_mesh(const std::vector<std::string>& paths, int dp_size,
                                         int sp_size, int64_t samples_consumed, int batches) {
  std::vector<GlobalRecord> records(static_cast<size_t>(batches));
  for (int dp = 0; dp < dp_size; ++dp) {
    for (int sp = 0; sp < sp_size; ++sp) {
      StreamingLoader loader(
          options_for(paths, DataRank{dp, dp_size, sp, sp_size}, samples_consumed));
      for (int b = 0; b < batches; ++b) {
        const LocalBatch batch = loader.next().batch;
        GlobalRecord& record = records[static_cast<size_t>(b)];
        EXPECT_EQ(batch.samples_consumed_before, samples_consumed + b * kGlobalBatch);
        EXPECT_EQ(batch.batch, kGlobalBatch / dp_size);
        record.bucket = batch.bucket;
        const size_t local_values =
            static_cast<size_t>(batch.tokens_per_sample_local * batch.token_dim);
        for (int64_t i = 0; i < batch.batch; ++i) {
          const auto position = static_cast<size_t>(dp * batch.batch + i);
          if (record.ids.size() <= position) {
            record.ids.resize(position + 1);
            record.indices.resize(position + 1);
            record.tokens.resize(position + 1);
            record.captions.resize(position + 1);
          }
          record.ids[position] = batch.sample_ids[static_cast<size_t>(i)];
          record.indices[position] = batch.global_sample_index[static_cast<size_t>(i)];
          // sp ranks are visited in order, so appending rebuilds the token sequence.
          EXPECT_EQ(batch.token_begin, sp * batch.tokens_per_sample_local);
          const auto begin = batch.tokens.begin() + static_cast<ptrdiff_t>(i * local_values);
          record.tokens[position].insert(record.tokens[position].end(), begin,
                                         begin + static_cast<ptrdiff_t>(local_values));
          const auto caption = batch.caption_ids.begin() + i * batch.caption_length;
          record.captions[position].assign(caption, caption + batch.caption_length);
        }
      }
    }
  }
  return records;
}

void expect_same(const std::vector<GlobalRecord>& a, const std::vector<GlobalRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].bucket, b[k].bucket) << "batch " << k;
    EXPECT_EQ(a[k].ids, b[k].ids) << "batch " << k;
    EXPECT_EQ(a[k].indices, b[k].indices) << "batch " << k;
    EXPECT_EQ(a[k].tokens, b[k].tokens) << "batch " << k;
    EXPECT_EQ(a[k].captions, b[k].captions) << "batch " << k;
  }
}

TEST(StreamingLoader, GlobalSequenceIsTheSameForEveryMesh) {
  TempDir dir("vdit-loader");
  const std::vector<std::string> paths = write_corpus(dir);
  // 11 images -> 2 batches, 8 clips -> 2 batches: 8 batches span two epochs.
  const std::vector<GlobalRecord> reference = read_with_mesh(paths, 1, 1, 0, 8);
  for (const GlobalRecord& record : reference) ASSERT_EQ(record.ids.size(), 4u);
  expect_same(read_with_mesh(paths, 2, 1, 0, 8), reference);
  expect_same(read_with_mesh(paths, 4, 1, 0, 8), reference);
  expect_same(read_with_mesh(paths, 1, 2, 0, 8), reference);
  expect_same(read_with_mesh(paths, 2, 2, 0, 8), reference);
}

TEST(StreamingLoader, ResumeFromSamplesConsumedContinuesExactly) {
  TempDir dir("vdit-loader");
  const std::vector<std::string> paths = write_corpus(dir);
  const std::vector<GlobalRecord> from_start = read_with_mesh(paths, 1, 1, 0, 10);
  const std::vector<GlobalRecord> resumed = read_with_mesh(paths, 2, 2, 3 * kGlobalBatch, 7);
  expect_same(std::vector<GlobalRecord>(from_start.begin() + 3, from_start.end()), resumed);
}

TEST(StreamingLoader, PrefetchedBatchesEqualDirectReads) {
  TempDir dir("vdit-loader");
  const std::vector<std::string> paths = write_corpus(dir);
  const DataRank rank{1, 2, 1, 2};
  StreamingLoader loader(options_for(paths, rank));
  ShardSet shards = ShardSet::open(paths);
  BatchPlanner planner(StagePlanInput{shards.buckets(), 5, 1, kGlobalBatch});
  for (int64_t b = 0; b < 6; ++b) {
    const LocalBatch prefetched = loader.next().batch;
    const LocalBatch direct = load_local_batch(shards, planner, rank, b * kGlobalBatch);
    EXPECT_EQ(prefetched.sample_ids, direct.sample_ids);
    EXPECT_EQ(prefetched.tokens, direct.tokens);
    // And both equal a plain read of the sample's second half of tokens.
    for (int64_t i = 0; i < direct.batch; ++i) {
      const std::string& id = direct.sample_ids[static_cast<size_t>(i)];
      const int64_t row = std::stoll(id.substr(id.find('/') + 1));
      const ShardSet::Location location = shards.locate(direct.bucket, row);
      const std::vector<float> whole = location.reader->read_tokens(direct.bucket, location.row);
      const size_t half = whole.size() / 2;
      const auto begin = prefetched.tokens.begin() + static_cast<ptrdiff_t>(i * half);
      EXPECT_TRUE(std::equal(begin, begin + static_cast<ptrdiff_t>(half), whole.begin() + half));
    }
  }
}

TEST(StreamingLoader, ReportsGridAndGlobalSampleIndices) {
  TempDir dir("vdit-loader");
  StreamingLoader loader(options_for(write_corpus(dir), DataRank{1, 2, 0, 1}, 8));
  const LoadedBatch loaded = loader.next();
  EXPECT_GE(loaded.wait_seconds, 0.0);
  const LocalBatch& batch = loaded.batch;
  EXPECT_EQ(batch.grid.tokens(), batch.tokens_per_sample_local);
  EXPECT_EQ(batch.global_sample_index, (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(batch.tokens.size(), static_cast<size_t>(2 * batch.tokens_per_sample_local * 48));
  EXPECT_EQ(batch.caption_ids.size(), 2u * 4u);
  EXPECT_TRUE(batch.caption_emb.empty());
}

TEST(StreamingLoader, DestructorReturnsWhileTheQueueIsFull) {
  TempDir dir("vdit-loader");
  const std::vector<std::string> paths = write_corpus(dir);
  for (int i = 0; i < 20; ++i) {
    StreamingLoader loader(options_for(paths, DataRank{}));
    if (i % 2 == 0) loader.next();
  }
}

TEST(StreamingLoader, ThrowsInputErrorBeforeStartingWhenLayoutDoesNotFit) {
  TempDir dir("vdit-loader");
  const std::vector<std::string> paths = write_corpus(dir);
  EXPECT_THROW(StreamingLoader(options_for(paths, DataRank{0, 3, 0, 1})), InputError);
  shard_test::expect_input_error(
      [&] {
        StreamingLoader loader(options_for(paths, DataRank{0, 1, 0, 3}));
      },
      {"bucket 1x8x8", "sequence-parallel size 3"});
  LoaderOptions wrong_patch = options_for(paths, DataRank{});
  wrong_patch.expected.patch = PatchSize{1, 2};
  shard_test::expect_input_error([&] { StreamingLoader loader(wrong_patch); },
                                 {"a.h5", "patch is [1, 4, 4]"});
  LoaderOptions no_bucket = options_for(paths, DataRank{});
  no_bucket.filter.frames_min = 4;
  shard_test::expect_input_error([&] { StreamingLoader loader(no_bucket); },
                                 {"no bucket can feed this stage", "1x8x8 (11 samples)"});
}

TEST(StreamingLoader, NextRethrowsAReadErrorFromTheReaderThread) {
  TempDir dir("vdit-loader");
  const std::string path = dir.file("nan.h5");
  ShardWriter writer = ShardWriter::create(path, {TokenSpace::kLatent, 4, PatchSize{1, 2}});
  for (int i = 0; i < 4; ++i) {
    ShardSample sample;
    sample.latent_tokens.assign(16, std::numeric_limits<float>::infinity());
    sample.source = "bad";
    writer.add_sample(BucketShape{1, 2, 2}, sample);
  }
  writer.close();
  LoaderOptions options;
  options.shard_paths = {path};
  options.global_batch_size = 2;
  StreamingLoader loader(options);
  shard_test::expect_input_error([&] { loader.next(); }, {path, "1x2x2", "non-finite"});
}

}  // namespace
}  // namespace vdit::data
