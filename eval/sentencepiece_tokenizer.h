// A SentencePiece model file (T5-style text encoders' tokenizer), through Debian's
// libsentencepiece.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vdit::eval {

// Caption -> fixed-length ids as T5's tokenizer makes them: the pieces, then </s> (the model's
// eos id, when it has one), padded with the model's pad id (0 when it has none); a longer
// sequence is cut to the length with </s> kept as its last id.
// The library runs inside eval/sentencepiece_module.cpp, a shared module loaded on first use (see
// there why it cannot be linked into vdit directly).
class SentencePieceTokenizer {
 public:
  // InputError naming the file if it is missing or not a SentencePiece model; RuntimeError if
  // the module cannot be loaded.
  static SentencePieceTokenizer load(const std::string& path);
  SentencePieceTokenizer(SentencePieceTokenizer&& other) noexcept;
  SentencePieceTokenizer& operator=(SentencePieceTokenizer&&) = delete;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;
  ~SentencePieceTokenizer();

  // [length] ids. InputError naming the file if the library cannot encode the text.
  std::vector<int64_t> tokenize(const std::string& text, int64_t length) const;
  int64_t vocab_size() const;

  struct Module;  // the loaded module and its functions

 private:
  SentencePieceTokenizer() = default;
  std::shared_ptr<const Module> module_;
  std::string path_;
  void* processor_ = nullptr;  // owned: freed through the module
};

}  // namespace vdit::eval
