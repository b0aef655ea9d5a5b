#include "data/gif_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "core/error.h"

namespace vdit::data {
namespace {

// The palette is a 6x7x6 cube: 252 colours. Green gets the extra level because the eye resolves
// green best. A fixed cube needs no pass over the video (median cut would) and maps a pixel with
// three integer roundings; its banding on smooth gradients is acceptable for previews.
constexpr int kRedLevels = 6;
constexpr int kGreenLevels = 7;
constexpr int kBlueLevels = 6;
constexpr int kPaletteSize = 256;  // GIF colour tables are powers of two; 4 entries stay black
constexpr int kMinCodeSize = 8;    // bits per palette index
constexpr int kMaxCodes = 4096;    // GIF caps LZW codes at 12 bits
constexpr int kMaxCodeSize = 12;
constexpr size_t kMaxSubBlock = 255;
using Palette = std::array<uint8_t, static_cast<size_t>(kPaletteSize) * 3>;

int nearest_level(int value, int levels) { return (value * (levels - 1) + 127) / 255; }
int level_value(int level, int levels) { return (level * 255 + (levels - 1) / 2) / (levels - 1); }

uint8_t palette_index(const uint8_t* rgb) {
  const int r = nearest_level(rgb[0], kRedLevels);
  const int g = nearest_level(rgb[1], kGreenLevels);
  const int b = nearest_level(rgb[2], kBlueLevels);
  return static_cast<uint8_t>((r * kGreenLevels + g) * kBlueLevels + b);
}

Palette make_palette() {
  Palette palette{};
  for (int r = 0; r < kRedLevels; ++r) {
    for (int g = 0; g < kGreenLevels; ++g) {
      for (int b = 0; b < kBlueLevels; ++b) {
        const int index = (r * kGreenLevels + g) * kBlueLevels + b;
        palette[index * 3 + 0] = static_cast<uint8_t>(level_value(r, kRedLevels));
        palette[index * 3 + 1] = static_cast<uint8_t>(level_value(g, kGreenLevels));
        palette[index * 3 + 2] = static_cast<uint8_t>(level_value(b, kBlueLevels));
      }
    }
  }
  return palette;
}

void put_u16(std::vector<uint8_t>& out, int value) {  // GIF integers are little-endian
  out.push_back(static_cast<uint8_t>(value & 0xFF));
  out.push_back(static_cast<uint8_t>((value >> 8) & 0xFF));
}

// Packs variable-width codes least-significant bit first, as GIF stores them.
class CodeWriter {
 public:
  void put(int code, int code_size) {
    buffer_ |= static_cast<uint32_t>(code) << bit_count_;
    bit_count_ += code_size;
    while (bit_count_ >= 8) {
      bytes_.push_back(static_cast<uint8_t>(buffer_ & 0xFF));
      buffer_ >>= 8;
      bit_count_ -= 8;
    }
  }
  std::vector<uint8_t> finish() {
    if (bit_count_ > 0) bytes_.push_back(static_cast<uint8_t>(buffer_ & 0xFF));
    return std::move(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  uint32_t buffer_ = 0;
  int bit_count_ = 0;
};

// GIF's LZW: codes start at kMinCodeSize + 1 bits and widen up to 12; a clear code resets the
// table when all 4096 codes are used. The table maps (prefix code, next index) -> code.
std::vector<uint8_t> lzw_compress(const std::vector<uint8_t>& indices) {
  constexpr int kClearCode = 1 << kMinCodeSize;
  constexpr int kEndCode = kClearCode + 1;
  std::vector<uint16_t> extension(static_cast<size_t>(kMaxCodes) * kPaletteSize, 0);  // 0 = none
  int code_size = kMinCodeSize + 1;
  int next_code = kEndCode + 1;
  CodeWriter writer;
  writer.put(kClearCode, code_size);

  int prefix = indices[0];
  for (size_t i = 1; i < indices.size(); ++i) {
    const int index = indices[i];
    uint16_t& extended = extension[static_cast<size_t>(prefix) * kPaletteSize + index];
    if (extended != 0) {
      prefix = extended;
      continue;
    }
    writer.put(prefix, code_size);
    extended = static_cast<uint16_t>(next_code++);
    // The decoder adds each entry one code later than we do and widens when its next free code
    // reaches 2^code_size; that is the code read after the one where the entry we just made
    // first needs code_size + 1 bits.
    if (next_code > (1 << code_size) && code_size < kMaxCodeSize) ++code_size;
    if (next_code == kMaxCodes) {
      writer.put(kClearCode, code_size);
      std::fill(extension.begin(), extension.end(), 0);
      code_size = kMinCodeSize + 1;
      next_code = kEndCode + 1;
    }
    prefix = index;
  }
  writer.put(prefix, code_size);
  // After the last code the decoder still adds its lagging entry, which may widen the end code.
  if (next_code + 1 > (1 << code_size) && code_size < kMaxCodeSize) ++code_size;
  writer.put(kEndCode, code_size);
  return writer.finish();
}

// Palette indices of frame `t`, each pixel repeated scale x scale times.
std::vector<uint8_t> frame_indices(const RgbVideo& video, int t, int scale) {
  const int out_width = video.width * scale;
  std::vector<uint8_t> indices(static_cast<size_t>(video.height) * scale * out_width);
  const uint8_t* frame = video.frame(t);
  uint8_t* out = indices.data();
  for (int y = 0; y < video.height; ++y) {
    uint8_t* row = out;
    for (int x = 0; x < video.width; ++x) {
      const uint8_t index = palette_index(frame + (static_cast<size_t>(y) * video.width + x) * 3);
      std::fill_n(row + static_cast<ptrdiff_t>(x) * scale, scale, index);
    }
    out += out_width;
    for (int copy = 1; copy < scale; ++copy, out += out_width) std::copy_n(row, out_width, out);
  }
  return indices;
}

void validate_options(const RgbVideo& video, const GifOptions& options) {
  validate_rgb_video(video, "GIF frames");
  if (options.delay_cs < 0 || options.delay_cs > 0xFFFF) {
    throw InputError(fmt::format("GIF delay_cs is {}, expected 0..65535", options.delay_cs));
  }
  if (options.scale < 1 || options.scale > 64) {
    throw InputError(fmt::format("GIF scale is {}, expected 1..64", options.scale));
  }
  const int64_t height = static_cast<int64_t>(video.height) * options.scale;
  const int64_t width = static_cast<int64_t>(video.width) * options.scale;
  if (height > 0xFFFF || width > 0xFFFF) {
    throw InputError(
        fmt::format("GIF size {}x{} (after scale {}) exceeds 65535", height, width, options.scale));
  }
}

}  // namespace

std::vector<uint8_t> encode_gif(const RgbVideo& video, const GifOptions& options) {
  validate_options(video, options);
  const int height = video.height * options.scale;
  const int width = video.width * options.scale;

  const std::string signature = "GIF89a";
  std::vector<uint8_t> out(signature.begin(), signature.end());
  // Logical screen: global colour table present, 8-bit colour resolution, 2^(7+1) entries.
  put_u16(out, width);
  put_u16(out, height);
  out.insert(out.end(), {0xF7, 0x00, 0x00});
  const auto palette = make_palette();
  out.insert(out.end(), palette.begin(), palette.end());

  // NETSCAPE2.0 application extension: loop count 0 = forever.
  const std::string netscape = "NETSCAPE2.0";
  out.insert(out.end(), {0x21, 0xFF, 0x0B});
  out.insert(out.end(), netscape.begin(), netscape.end());
  out.insert(out.end(), {0x03, 0x01, 0x00, 0x00, 0x00});

  for (int t = 0; t < video.frames; ++t) {
    // Graphic control: disposal 1 (leave in place; every frame covers the screen), no transparency.
    out.insert(out.end(), {0x21, 0xF9, 0x04, 0x04});
    put_u16(out, options.delay_cs);
    out.insert(out.end(), {0x00, 0x00});
    // Image descriptor: the whole screen, no local colour table, not interlaced.
    out.push_back(0x2C);
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, width);
    put_u16(out, height);
    out.push_back(0x00);
    out.push_back(kMinCodeSize);
    const std::vector<uint8_t> data = lzw_compress(frame_indices(video, t, options.scale));
    for (size_t offset = 0; offset < data.size(); offset += kMaxSubBlock) {
      const size_t length = std::min(kMaxSubBlock, data.size() - offset);
      out.push_back(static_cast<uint8_t>(length));
      out.insert(out.end(), data.begin() + offset, data.begin() + offset + length);
    }
    out.push_back(0x00);  // block terminator
  }
  out.push_back(0x3B);  // trailer
  return out;
}

void write_gif(const std::string& path, const RgbVideo& video, const GifOptions& options) {
  const std::vector<uint8_t> bytes = encode_gif(video, options);
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw RuntimeError(fmt::format("cannot write GIF file {}", path));
}

}  // namespace vdit::data
