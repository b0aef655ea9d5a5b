#include "data/contact_sheet.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "data/png_writer.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

// Every pixel of every frame a different colour, so a misplaced cell cannot go unnoticed.
RgbVideo numbered_video(int frames, int height, int width, uint8_t blue) {
  RgbVideo video{frames, height, width, {}};
  for (int t = 0; t < frames; ++t) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        video.pixels.insert(video.pixels.end(),
                            {static_cast<uint8_t>(t * 40 + x), static_cast<uint8_t>(y * 30), blue});
      }
    }
  }
  return video;
}

TEST(ContactSheet, PlacesFrameTOfSampleIInRowIColumnT) {
  // Two samples of 2x3 pixels, the second one frame shorter; scale 2, gap 1.
  const std::vector<RgbVideo> videos = {numbered_video(3, 2, 3, 10), numbered_video(2, 2, 3, 200)};
  ContactSheetOptions options;
  options.scale = 2;
  options.gap = 1;
  const RgbVideo sheet = contact_sheet(videos, options);
  ASSERT_EQ(sheet.frames, 1);
  ASSERT_EQ(sheet.height, 2 * (4 + 1) + 1);
  ASSERT_EQ(sheet.width, 3 * (6 + 1) + 1);
  auto pixel = [&](int y, int x) {
    return sheet.frame(0) + (static_cast<size_t>(y) * sheet.width + x) * 3;
  };
  for (int row = 0; row < 2; ++row) {
    for (int column = 0; column < 3; ++column) {
      for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 6; ++x) {
          const uint8_t* shown = pixel(1 + row * 5 + y, 1 + column * 7 + x);
          const RgbVideo& video = videos[static_cast<size_t>(row)];
          for (int c = 0; c < 3; ++c) {
            const int expected = column < video.frames
                                     ? video.frame(column)[((y / 2) * 3 + x / 2) * 3 + c]
                                     : options.background;  // sample 1 has no frame 2
            ASSERT_EQ(shown[c], expected)
                << "row " << row << " column " << column << " y " << y << " x " << x;
          }
        }
      }
    }
  }
  // The gaps: the sheet's border and the line between the rows.
  for (int x = 0; x < sheet.width; ++x) {
    for (int y : {0, 5, sheet.height - 1}) EXPECT_EQ(pixel(y, x)[0], options.background);
  }
}

TEST(ContactSheet, WritesAPngFfmpegDecodesExactly) {
  media_test::ScratchDir dir("contact-sheet");
  const RgbVideo sheet = contact_sheet({numbered_video(4, 5, 6, 0), numbered_video(4, 5, 6, 90)});
  write_png(dir.file("sheet.png"), sheet);
  EXPECT_EQ(media_test::decode_with_ffmpeg(dir.file("sheet.png"), dir.file("sheet.rgb")),
            sheet.pixels);
}

TEST(ContactSheet, RejectsSamplesOfDifferentSizes) {
  try {
    contact_sheet({numbered_video(2, 4, 4, 0), numbered_video(2, 4, 6, 0)});
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "contact sheet video 1: 4x6 frames, expected 4x4 as video 0");
  }
  EXPECT_THROW(contact_sheet({}), InputError);
}

}  // namespace
}  // namespace vdit::data
