// A SentencePiece model file (T5-style text encoders' tokenizer), through Debian's
// libsentencepiece.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace vdit::eval {

// Caption -> fixed-length ids as T5's tokenizer makes them: the pieces, then </s> (the model's
// eos id, when it has one), padded with the model's pad id (0 when it has none); a longer
// sequence is cut to the length with </s> kept as its last id.
class SentencePieceTokenizer {
 public:
  // InputError naming the file if it is missing or not a SentencePiece model.
  static SentencePieceTokenizer load(const std::string& path);
  SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept;
  SentencePieceTokenizer& operator=(SentencePieceTokenizer&&) noexcept;
  ~SentencePieceTokenizer();

  // [length] ids. InputError naming the file if the library cannot encode the text.
  std::vector<int64_t> tokenize(const std::string& text, int64_t length) const;
  int64_t vocab_size() const;

 private:
  SentencePieceTokenizer() = default;
  std::string path_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

}  // namespace vdit::eval
