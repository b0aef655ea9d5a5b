// CLIP's byte-level BPE tokenizer, read from a bpe_simple_vocab_16e6.txt.gz-format merge list.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vdit::eval {

// As OpenAI's simple_tokenizer.py: the vocabulary is the 256 byte symbols, the same with "</w>",
// one symbol per merge (at most 48894 merges, the file's first line is a header), then
// <|startoftext|> and <|endoftext|>. Text is lower-cased and its white space collapsed; it is
// not passed through ftfy or HTML unescaping. Pre-tokenization follows CLIP's pattern, with
// ASCII letters and every non-ASCII UTF-8 sequence counted as letters (\p{L}) and ASCII digits
// as numbers (\p{N}).
class BpeTokenizer {
 public:
  // InputError naming the file if it is missing, not gzip, or a merge line is not two symbols.
  static BpeTokenizer load(const std::string& path);

  // Token ids of `text`, without start/end tokens.
  std::vector<int64_t> encode(const std::string& text) const;
  // [context_length] ids: start, encode(text), end, zero padding; a longer sequence is cut to
  // context_length and its last id replaced by the end token (open_clip's truncate=True).
  std::vector<int64_t> tokenize(const std::string& text, int64_t context_length = 77) const;

  int64_t vocab_size() const { return static_cast<int64_t>(encoder_.size()); }
  int64_t start_token() const { return start_; }
  int64_t end_token() const { return end_; }

 private:
  std::string bpe(const std::string& token) const;  // symbols joined by ' '

  std::map<std::string, int64_t> encoder_;
  std::map<std::pair<std::string, std::string>, int64_t> ranks_;
  std::vector<std::string> byte_symbols_;  // byte -> its printable symbol, UTF-8
  int64_t start_ = 0;
  int64_t end_ = 0;
};

}  // namespace vdit::eval
