#include "data/caption_tokenizer.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::data {

CaptionTokenizer::CaptionTokenizer(int64_t length) : length_(length) {
  if (length < 1) {
    throw InputError(fmt::format("caption length is {}, expected at least 1", length));
  }
}

std::vector<int32_t> CaptionTokenizer::encode(const std::string& caption) const {
  std::vector<int32_t> ids(static_cast<size_t>(length_), kPaddingId);
  const size_t used = std::min(caption.size(), ids.size());
  for (size_t i = 0; i < used; ++i) {
    ids[i] = static_cast<int32_t>(static_cast<unsigned char>(caption[i])) + 1;
  }
  return ids;
}

std::string CaptionTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string caption;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= kVocabularySize) {
      throw InputError(fmt::format("caption id {} at position {} is outside the vocabulary [0, {})",
                                   id, i, kVocabularySize));
    }
    if (id == kPaddingId) break;
    caption.push_back(static_cast<char>(id - 1));
  }
  return caption;
}

}  // namespace vdit::data
