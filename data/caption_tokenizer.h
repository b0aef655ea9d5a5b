// Byte-level caption tokenizer: id = byte + 1, 0 = padding, fixed length, vocabulary of 257.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::data {

// Byte-level so that any UTF-8 caption encodes without a vocabulary file; the text encoder learns
// from bytes. Captions longer than the length are truncated, shorter ones padded with 0.
class CaptionTokenizer {
 public:
  static constexpr int32_t kPaddingId = 0;
  static constexpr int64_t kVocabularySize = 257;
  static constexpr int64_t kDefaultLength = 32;

  // Throws InputError if length < 1.
  explicit CaptionTokenizer(int64_t length = kDefaultLength);

  int64_t length() const { return length_; }
  std::vector<int32_t> encode(const std::string& caption) const;
  // Stops at the first padding id. Throws InputError on an id outside [0, 257).
  std::string decode(const std::vector<int32_t>& ids) const;

 private:
  int64_t length_;
};

}  // namespace vdit::data
