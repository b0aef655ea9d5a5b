#include "data/png_writer.h"

#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <fstream>

#include "core/error.h"

namespace vdit::data {
namespace {

constexpr int kChannels = 3;

void put_u32(std::vector<uint8_t>& out, uint32_t value) {  // PNG integers are big-endian
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// A chunk is length, type, data, then the CRC-32 of type and data.
void put_chunk(std::vector<uint8_t>& out, const char (&type)[5], const std::vector<uint8_t>& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const size_t type_offset = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc =
      crc32(0L, out.data() + type_offset, static_cast<uInt>(out.size() - type_offset));
  put_u32(out, static_cast<uint32_t>(crc));
}

int paeth(int left, int up, int up_left) {
  const int estimate = left + up - up_left;
  const int to_left = std::abs(estimate - left);
  const int to_up = std::abs(estimate - up);
  const int to_up_left = std::abs(estimate - up_left);
  if (to_left <= to_up && to_left <= to_up_left) return left;
  return to_up <= to_up_left ? up : up_left;
}

// Row filters 0..4 (None, Sub, Up, Average, Paeth) applied to one row; `previous` is the row
// above or nullptr for the first row (which PNG treats as zeros).
std::vector<uint8_t> filter_row(int filter, const uint8_t* row, const uint8_t* previous,
                                size_t row_bytes) {
  std::vector<uint8_t> out(row_bytes);
  for (size_t i = 0; i < row_bytes; ++i) {
    const int left = i >= kChannels ? row[i - kChannels] : 0;
    const int up = previous != nullptr ? previous[i] : 0;
    const int up_left = previous != nullptr && i >= kChannels ? previous[i - kChannels] : 0;
    int predicted = 0;
    switch (filter) {
      case 1:
        predicted = left;
        break;
      case 2:
        predicted = up;
        break;
      case 3:
        predicted = (left + up) / 2;
        break;
      case 4:
        predicted = paeth(left, up, up_left);
        break;
      default:
        break;
    }
    out[i] = static_cast<uint8_t>(row[i] - predicted);
  }
  return out;
}

// The scanlines, each prefixed by its filter type. Each row takes the filter whose output has the
// smallest sum of bytes read as signed values: the heuristic the PNG specification recommends.
std::vector<uint8_t> filtered_scanlines(const uint8_t* pixels, int height, int width) {
  const size_t row_bytes = static_cast<size_t>(width) * kChannels;
  std::vector<uint8_t> out;
  out.reserve(height * (row_bytes + 1));
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = pixels + y * row_bytes;
    const uint8_t* previous = y > 0 ? row - row_bytes : nullptr;
    int best_filter = 0;
    std::vector<uint8_t> best;
    uint64_t best_cost = UINT64_MAX;
    for (int filter = 0; filter <= 4; ++filter) {
      std::vector<uint8_t> candidate = filter_row(filter, row, previous, row_bytes);
      uint64_t cost = 0;
      for (uint8_t byte : candidate) cost += std::abs(static_cast<int8_t>(byte));
      if (cost < best_cost) {
        best_cost = cost;
        best_filter = filter;
        best = std::move(candidate);
      }
    }
    out.push_back(static_cast<uint8_t>(best_filter));
    out.insert(out.end(), best.begin(), best.end());
  }
  return out;
}

std::vector<uint8_t> zlib_compress(const std::vector<uint8_t>& data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::vector<uint8_t> out(size);
  const int status = compress2(out.data(), &size, data.data(), static_cast<uLong>(data.size()),
                               Z_DEFAULT_COMPRESSION);
  if (status != Z_OK)
    throw RuntimeError(fmt::format("zlib compress2 failed with status {}", status));
  out.resize(size);
  return out;
}

}  // namespace

std::vector<uint8_t> encode_png(const RgbVideo& video, int frame_index) {
  validate_rgb_video(video, "PNG frame");
  if (frame_index < 0 || frame_index >= video.frames) {
    throw InputError(fmt::format("PNG frame index {} out of range: the video has {} frames",
                                 frame_index, video.frames));
  }
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  std::vector<uint8_t> header;
  put_u32(header, static_cast<uint32_t>(video.width));
  put_u32(header, static_cast<uint32_t>(video.height));
  // Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
  header.insert(header.end(), {8, 2, 0, 0, 0});
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT",
            zlib_compress(filtered_scanlines(video.frame(frame_index), video.height, video.width)));
  put_chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, const RgbVideo& video, int frame_index) {
  const std::vector<uint8_t> bytes = encode_png(video, frame_index);
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw RuntimeError(fmt::format("cannot write PNG file {}", path));
}

}  // namespace vdit::data
