#include "eval/bpe_tokenizer.h"

#include <fmt/core.h>
#include <zlib.h>

#include <cctype>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>

#include "core/error.h"

namespace vdit::eval {
namespace {

constexpr const char* kStart = "<|startoftext|>";
constexpr const char* kEnd = "<|endoftext|>";
constexpr size_t kMaxMerges = 49152 - 256 - 2;  // OpenAI's merges[1:49152-256-2+1]

std::string utf8(uint32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

// GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 bytes to
// code points 256.. in byte order, so every byte is one visible symbol.
std::vector<std::string> byte_symbols() {
  std::vector<std::string> symbols(256);
  std::vector<bool> printable(256, false);
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  uint32_t extra = 0;
  for (int b = 0; b < 256; ++b) {
    symbols[b] = utf8(printable[b] ? static_cast<uint32_t>(b) : 256 + extra++);
  }
  return symbols;
}

// Symbol order of the vocabulary: printable bytes first (in byte order), then the others.
std::vector<int> byte_vocab_order() {
  std::vector<int> order;
  auto printable = [](int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  for (int b = 0; b < 256; ++b)
    if (printable(b)) order.push_back(b);
  for (int b = 0; b < 256; ++b)
    if (!printable(b)) order.push_back(b);
  return order;
}

std::string read_gzip(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(
        fmt::format("{}: no such BPE vocabulary, expected a gzipped merge list "
                    "like bpe_simple_vocab_16e6.txt.gz",
                    path));
  }
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw InputError(fmt::format("{}: cannot open the BPE vocabulary", path));
  if (gzdirect(file.get()) != 0) {
    throw InputError(fmt::format("{}: not gzip-compressed, expected a .txt.gz merge list", path));
  }
  std::string text;
  char buffer[1 << 16];
  int got = 0;
  while ((got = gzread(file.get(), buffer, sizeof(buffer))) > 0) text.append(buffer, got);
  if (got < 0) throw InputError(fmt::format("{}: corrupt gzip stream", path));
  return text;
}

bool is_letter(unsigned char c) { return std::isalpha(c) || c >= 0x80; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_space(unsigned char c) { return std::isspace(c) != 0; }

// CLIP's pre-tokenizer: at each position the first alternative that matches, longest run.
std::vector<std::string> pre_tokenize(const std::string& text) {
  static const char* const kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};
  std::vector<std::string> pieces;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    for (const char* special : {kStart, kEnd}) {
      if (length == 0 && text.compare(i, std::char_traits<char>::length(special), special) == 0) {
        length = std::char_traits<char>::length(special);
      }
    }
    for (const char* contraction : kContractions) {
      const size_t n = std::char_traits<char>::length(contraction);
      if (length == 0 && text.compare(i, n, contraction) == 0) length = n;
    }
    if (length == 0 && is_letter(c)) {
      while (i + length < text.size() && is_letter(static_cast<unsigned char>(text[i + length])))
        ++length;
    }
    if (length == 0 && is_digit(c)) length = 1;
    if (length == 0 && !is_space(c)) {
      while (i + length < text.size()) {
        const auto d = static_cast<unsigned char>(text[i + length]);
        if (is_space(d) || is_letter(d) || is_digit(d)) break;
        ++length;
      }
    }
    if (length == 0) {  // white space separates pieces and is dropped
      ++i;
      continue;
    }
    pieces.push_back(text.substr(i, length));
    i += length;
  }
  return pieces;
}

// Lower case (ASCII) and runs of white space collapsed to one space, trimmed.
std::string clean(const std::string& text) {
  std::string out;
  bool pending_space = false;
  for (const char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

}  // namespace

BpeTokenizer BpeTokenizer::load(const std::string& path) {
  const std::string text = read_gzip(path);
  BpeTokenizer tokenizer;
  tokenizer.byte_symbols_ = byte_symbols();
  std::vector<std::string> vocab;
  for (const int b : byte_vocab_order()) vocab.push_back(tokenizer.byte_symbols_[b]);
  for (const int b : byte_vocab_order()) vocab.push_back(tokenizer.byte_symbols_[b] + "</w>");
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // "#version: 0.2": a header, not a merge
  for (size_t number = 2; std::getline(lines, line) && tokenizer.ranks_.size() < kMaxMerges;
       ++number) {
    if (line.empty()) continue;  // a trailing newline
    std::istringstream fields(line);
    std::string first, second, rest;
    if (!(fields >> first >> second) || (fields >> rest)) {
      throw InputError(
          fmt::format("{}: line {} is \"{}\", expected a merge of two symbols "
                      "such as \"t h\"",
                      path, number, line.substr(0, 60)));
    }
    tokenizer.ranks_.emplace(std::make_pair(first, second),
                             static_cast<int64_t>(tokenizer.ranks_.size()));
    vocab.push_back(first + second);
  }
  vocab.emplace_back(kStart);
  vocab.emplace_back(kEnd);
  for (size_t id = 0; id < vocab.size(); ++id) {
    tokenizer.encoder_.emplace(vocab[id], static_cast<int64_t>(id));  // first occurrence wins
  }
  tokenizer.start_ = static_cast<int64_t>(vocab.size()) - 2;
  tokenizer.end_ = static_cast<int64_t>(vocab.size()) - 1;
  return tokenizer;
}

std::string BpeTokenizer::bpe(const std::string& token) const {
  if (token == kStart || token == kEnd) return token;
  // token is a sequence of UTF-8 symbols; split it into them.
  std::vector<std::string> word;
  for (size_t i = 0; i < token.size();) {
    const auto lead = static_cast<unsigned char>(token[i]);
    const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    word.push_back(token.substr(i, length));
    i += length;
  }
  word.back() += "</w>";
  while (word.size() > 1) {
    int64_t best_rank = std::numeric_limits<int64_t>::max();
    std::pair<std::string, std::string> best;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      const auto found = ranks_.find({word[i], word[i + 1]});
      if (found != ranks_.end() && found->second < best_rank) {
        best_rank = found->second;
        best = found->first;
      }
    }
    if (best_rank == std::numeric_limits<int64_t>::max()) break;
    std::vector<std::string> merged;
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == best.first && word[i + 1] == best.second) {
        merged.push_back(word[i] + word[i + 1]);
        i += 2;
      } else {
        merged.push_back(word[i]);
        i += 1;
      }
    }
    word = std::move(merged);
  }
  std::string joined;
  for (size_t i = 0; i < word.size(); ++i) joined += (i ? " " : "") + word[i];
  return joined;
}

std::vector<int64_t> BpeTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const std::string& piece : pre_tokenize(clean(text))) {
    std::string symbols;
    if (piece == kStart || piece == kEnd) {
      symbols = piece;
    } else {
      for (const char c : piece) symbols += byte_symbols_[static_cast<unsigned char>(c)];
    }
    std::istringstream parts(bpe(symbols));
    std::string part;
    while (parts >> part) ids.push_back(encoder_.at(part));
  }
  return ids;
}

std::vector<int64_t> BpeTokenizer::tokenize(const std::string& text, int64_t context_length) const {
  std::vector<int64_t> ids = {start_};
  const std::vector<int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(end_);
  if (static_cast<int64_t>(ids.size()) > context_length) {
    ids.resize(static_cast<size_t>(context_length));
    ids.back() = end_;
  }
  ids.resize(static_cast<size_t>(context_length), 0);
  return ids;
}

}  // namespace vdit::eval
