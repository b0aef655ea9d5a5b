// Byte-level caption tokenizer: id = byte + 1, 0 = padding, fixed length, vocabulary of 257.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::data {

// Byte-level so that any UTF-8 caption encodes without a vocabulary file; the text encoder learns
// from bytes. Captions longer than the length are cut at the last UTF-8 character boundary that
// fits (never half a character), shorter ones padded with 0.
class CaptionTokenizer {
 public:
  static constexpr int32_t kPaddingId = 0;
  static constexpr int64_t kVocabularySize = 257;
  static constexpr int64_t kDefaultLength = 32;

  // Throws InputError if length < 1.
  explicit CaptionTokenizer(int64_t length = kDefaultLength);

  int64_t length() const { return length_; }
  // How many leading bytes of `caption` encode() keeps: all when it fits, else at most length()
  // ending on a character boundary (bytes that are not UTF-8 are cut at length()).
  size_t kept_bytes(const std::string& caption) const;
  bool fits(const std::string& caption) const { return kept_bytes(caption) == caption.size(); }
  std::vector<int32_t> encode(const std::string& caption) const;
  // Stops at the first padding id. Throws InputError on an id outside [0, 257).
  std::string decode(const std::vector<int32_t>& ids) const;

 private:
  int64_t length_;
};

// The one warning a packing run prints for all the captions it had to cut:
// "warning: 3 of 200 captions are longer than 32 bytes and were cut ... (<remedy>)\n". Empty
// when cut == 0.
std::string caption_truncation_warning(int64_t cut, int64_t total, int64_t length,
                                       const std::string& remedy);

}  // namespace vdit::data
