#include "data/caption_tokenizer.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::data {

CaptionTokenizer::CaptionTokenizer(int64_t length) : length_(length) {
  if (length < 1) {
    throw InputError(fmt::format("caption length is {}, expected at least 1", length));
  }
}

size_t CaptionTokenizer::kept_bytes(const std::string& caption) const {
  const auto length = static_cast<size_t>(length_);
  if (caption.size() <= length) return caption.size();
  // caption[length] is the first byte left out; while it continues a character (10xxxxxx), that
  // character started inside the kept bytes and must go too. A UTF-8 character has at most 3
  // continuation bytes: more means the text is not UTF-8, and it is cut where it stands.
  const auto continues = [&](size_t at) {
    return (static_cast<unsigned char>(caption[at]) & 0xC0) == 0x80;
  };
  size_t kept = length;
  while (kept > 0 && length - kept < 3 && continues(kept)) --kept;
  return continues(kept) ? length : kept;
}

std::vector<int32_t> CaptionTokenizer::encode(const std::string& caption) const {
  std::vector<int32_t> ids(static_cast<size_t>(length_), kPaddingId);
  const size_t used = kept_bytes(caption);
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

namespace vdit::data {

std::string caption_truncation_warning(int64_t cut, int64_t total, int64_t length,
                                       const std::string& remedy) {
  if (cut == 0) return "";
  return fmt::format(
      "warning: {} of {} captions are longer than {} bytes and were cut at the last character "
      "that fits ({})\n",
      cut, total, length, remedy);
}

}  // namespace vdit::data
