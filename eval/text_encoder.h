// A user's text encoder (a TorchScript file) with its tokenizer: caption embeddings computed once
// when `vdit data pack --text-encoder --tokenizer` writes caption_emb, and again by `vdit sample`
// for the captions it is given.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/pack_encoders.h"
#include "eval/bpe_tokenizer.h"
#include "eval/detector_file.h"
#include "eval/sentencepiece_tokenizer.h"

namespace vdit::eval {

// The encoder file's contract: forward(ids) : ids [N, Lc] int64 -> [N, Lc, D] float, one
// embedding per token (a T5 encoder's or CLIP text transformer's last hidden states).
// The tokenizer file is either a SentencePiece model (T5-style ids, see SentencePieceTokenizer) or
// a gzip'd CLIP BPE merge list such as bpe_simple_vocab_16e6.txt.gz (CLIP-style ids, see
// BpeTokenizer::tokenize), told apart by the gzip magic bytes.
class TextEncoder final : public data::CaptionEncoder {
 public:
  // Probes forward with one caption to learn D. InputError naming the file if either file is
  // missing or malformed, or forward does not return [1, length, D].
  static TextEncoder load(const std::string& encoder_path, const std::string& tokenizer_path,
                          int64_t length);

  int64_t length() const override { return length_; }
  int64_t dim() const override { return dim_; }
  std::string checksum() const override { return file_.checksum; }
  const std::string& path() const { return file_.path; }
  std::vector<float> encode(const std::string& caption) const override;

  std::vector<int64_t> tokenize(const std::string& caption) const;          // [Lc] ids
  at::Tensor encode_batch(const std::vector<std::string>& captions) const;  // (N, Lc, D) float

 private:
  DetectorFile file_;
  std::optional<BpeTokenizer> bpe_;
  std::optional<SentencePieceTokenizer> sentencepiece_;
  int64_t length_ = 0;
  int64_t dim_ = 0;
};

}  // namespace vdit::eval
