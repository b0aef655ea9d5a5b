#include "eval/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "tests/data/media_test_utils.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

TEST(BpeTokenizer, MatchesReferenceTokenizerOnFixtureVocabulary) {
  const BpeTokenizer tokenizer = BpeTokenizer::load(test::fixture("bpe_tiny_vocab.txt.gz"));
  const auto& bpe = test::reference()["bpe"];
  EXPECT_EQ(tokenizer.vocab_size(), bpe["vocab_size"].get<int64_t>());
  for (const auto& row : bpe["cases"]) {
    EXPECT_EQ(tokenizer.tokenize(row["text"].get<std::string>()),
              row["ids"].get<std::vector<int64_t>>())
        << row["text"];
  }
}

TEST(BpeTokenizer, TruncatesToContextEndingWithEndToken) {
  const BpeTokenizer tokenizer = BpeTokenizer::load(test::fixture("bpe_tiny_vocab.txt.gz"));
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "red ";
  const auto ids = tokenizer.tokenize(long_text);
  ASSERT_EQ(ids.size(), 77u);
  EXPECT_EQ(ids.front(), tokenizer.start_token());
  EXPECT_EQ(ids.back(), tokenizer.end_token());
}

TEST(BpeTokenizer, NamesFileWhenNotGzip) {
  data::media_test::ScratchDir scratch("vdit-bpe");
  const std::string path = scratch.file("vocab.txt.gz");
  std::ofstream(path) << "#version: 0.2\nt h\n";
  try {
    BpeTokenizer::load(path);
    FAIL() << "a plain text file was accepted";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("not gzip"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace vdit::eval
