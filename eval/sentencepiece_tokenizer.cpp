#include "eval/sentencepiece_tokenizer.h"

#include <fmt/core.h>
#include <sentencepiece_processor.h>

#include <filesystem>

#include "core/error.h"

namespace vdit::eval {

SentencePieceTokenizer SentencePieceTokenizer::load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(
        fmt::format("{}: no such tokenizer file, expected a SentencePiece .model", path));
  }
  SentencePieceTokenizer tokenizer;
  tokenizer.path_ = path;
  tokenizer.processor_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = tokenizer.processor_->Load(path);
  if (!status.ok()) {
    throw InputError(fmt::format("{}: not a SentencePiece model ({})", path, status.ToString()));
  }
  return tokenizer;
}

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;
SentencePieceTokenizer& SentencePieceTokenizer::operator=(SentencePieceTokenizer&&) noexcept =
    default;
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

int64_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

std::vector<int64_t> SentencePieceTokenizer::tokenize(const std::string& text,
                                                      int64_t length) const {
  std::vector<int> pieces;
  const auto status = processor_->Encode(text, &pieces);
  if (!status.ok()) {
    throw InputError(fmt::format("{}: cannot tokenize \"{}\": {}", path_, text, status.ToString()));
  }
  const int eos = processor_->eos_id();
  const int pad = processor_->pad_id();
  std::vector<int64_t> ids(pieces.begin(), pieces.end());
  if (eos >= 0) ids.push_back(eos);
  if (static_cast<int64_t>(ids.size()) > length) {
    ids.resize(static_cast<size_t>(length));
    if (eos >= 0) ids.back() = eos;
  }
  ids.resize(static_cast<size_t>(length), pad >= 0 ? pad : 0);
  return ids;
}

}  // namespace vdit::eval
