#include "data/gif_writer.h"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "data/encoded_video_file.h"

namespace vdit::data {
namespace {

constexpr int kMaxGifSide = 0xFFFF;  // GIF stores sizes in 16 bits
// One palette for the clip: palettegen sees every frame before paletteuse maps the first, and
// keeps all 256 entries for colours (no transparent one: every frame covers the whole screen).
constexpr const char* kPaletteFilters =
    "split[frames][stats];"
    "[stats]palettegen=max_colors=256:reserve_transparent=0:stats_mode=full[palette];"
    "[frames][palette]paletteuse=dither=none";

void check(int status, const std::string& path, const char* step) {
  if (status < 0) {
    throw RuntimeError(
        fmt::format("{}: cannot write GIF: {} failed: {}", path, step, av_error_text(status)));
  }
}

void validate_options(const RgbVideo& video, const GifOptions& options) {
  validate_rgb_video(video, "GIF frames");
  if (options.delay_cs < 0 || options.delay_cs > 0xFFFF) {
    throw InputError(fmt::format("GIF delay_cs is {}, expected 0..65535", options.delay_cs));
  }
  if (options.scale < 1 || options.scale > kMaxUpscale) {
    throw InputError(fmt::format("GIF scale is {}, expected 1..{}", options.scale, kMaxUpscale));
  }
  const int64_t height = static_cast<int64_t>(video.height) * options.scale;
  const int64_t width = static_cast<int64_t>(video.width) * options.scale;
  if (height > kMaxGifSide || width > kMaxGifSide) {
    throw InputError(fmt::format("GIF size {}x{} (after scale {}) exceeds {}", height, width,
                                 options.scale, kMaxGifSide));
  }
}

// The filter graph RGB24 frames -> palette-mapped PAL8 frames.
struct PaletteGraph {
  FilterGraphPtr graph;
  AVFilterContext* source = nullptr;  // owned by graph
  AVFilterContext* sink = nullptr;    // owned by graph
};

PaletteGraph make_palette_graph(int width, int height, int delay_cs, const std::string& path) {
  PaletteGraph palette;
  palette.graph.reset(avfilter_graph_alloc());
  if (!palette.graph) throw RuntimeError("avfilter_graph_alloc: out of memory");
  const std::string source_args =
      fmt::format("video_size={}x{}:pix_fmt={}:time_base=1/100:pixel_aspect=1/1:frame_rate=100/{}",
                  width, height, static_cast<int>(AV_PIX_FMT_RGB24), std::max(delay_cs, 1));
  check(avfilter_graph_create_filter(&palette.source, avfilter_get_by_name("buffer"), "frames",
                                     source_args.c_str(), nullptr, palette.graph.get()),
        path, "creating the buffer source");
  check(avfilter_graph_create_filter(&palette.sink, avfilter_get_by_name("buffersink"), "gif",
                                     nullptr, nullptr, palette.graph.get()),
        path, "creating the buffer sink");
  const AVPixelFormat sink_formats[] = {AV_PIX_FMT_PAL8, AV_PIX_FMT_NONE};
  check(av_opt_set_int_list(palette.sink, "pix_fmts", sink_formats, AV_PIX_FMT_NONE,
                            AV_OPT_SEARCH_CHILDREN),
        path, "setting the sink's pixel format");

  // The parsed chain's open ends: its input is fed by our source, its output feeds our sink.
  FilterInOutPtr chain_input(avfilter_inout_alloc());
  FilterInOutPtr chain_output(avfilter_inout_alloc());
  if (!chain_input || !chain_output) throw RuntimeError("avfilter_inout_alloc: out of memory");
  chain_input->name = av_strdup("in");
  chain_input->filter_ctx = palette.source;
  chain_output->name = av_strdup("out");
  chain_output->filter_ctx = palette.sink;
  AVFilterInOut* inputs = chain_output.release();
  AVFilterInOut* outputs = chain_input.release();
  const int parsed =
      avfilter_graph_parse_ptr(palette.graph.get(), kPaletteFilters, &inputs, &outputs, nullptr);
  chain_output.reset(inputs);  // what the parser left unlinked, freed either way
  chain_input.reset(outputs);
  check(parsed, path, "avfilter_graph_parse_ptr");
  check(avfilter_graph_config(palette.graph.get(), nullptr), path, "avfilter_graph_config");
  return palette;
}

}  // namespace

void write_gif(const std::string& path, const RgbVideo& video, const GifOptions& options) {
  validate_options(video, options);
  const RgbVideo frames = upscale_nearest(video, options.scale);
  PaletteGraph palette = make_palette_graph(frames.width, frames.height, options.delay_cs, path);

  FramePtr rgb = allocate_video_frame(AV_PIX_FMT_RGB24, frames.width, frames.height, path);
  const size_t row_bytes = static_cast<size_t>(frames.width) * 3;
  for (int t = 0; t < frames.frames; ++t) {
    check(av_frame_make_writable(rgb.get()), path, "av_frame_make_writable");
    for (int y = 0; y < frames.height; ++y) {
      std::copy_n(frames.frame(t) + y * row_bytes, row_bytes,
                  rgb->data[0] + static_cast<ptrdiff_t>(y) * rgb->linesize[0]);
    }
    rgb->pts = static_cast<int64_t>(t) * options.delay_cs;
    check(av_buffersrc_add_frame_flags(palette.source, rgb.get(), AV_BUFFERSRC_FLAG_KEEP_REF), path,
          "av_buffersrc_add_frame_flags");
  }
  // The end of the clip: palettegen emits the palette, paletteuse then maps every frame.
  check(av_buffersrc_add_frame_flags(palette.source, nullptr, 0), path, "closing the filter input");

  EncodedVideoSettings settings;
  settings.path = path;
  settings.muxer = "gif";  // loops forever by default (its "loop" option is 0)
  settings.encoder = "gif";
  settings.pixel_format = AV_PIX_FMT_PAL8;
  settings.width = frames.width;
  settings.height = frames.height;
  settings.time_base = AVRational{1, 100};
  settings.frame_rate = AVRational{100, std::max(options.delay_cs, 1)};
  settings.frame_duration = options.delay_cs;
  EncodedVideoFile file(settings);
  FramePtr mapped(av_frame_alloc());
  if (!mapped) throw RuntimeError("av_frame_alloc: out of memory");
  int written = 0;
  while (true) {
    const int received = av_buffersink_get_frame(palette.sink, mapped.get());
    if (received == AVERROR_EOF) break;
    check(received, path, "av_buffersink_get_frame");
    file.write(*mapped);
    av_frame_unref(mapped.get());
    ++written;
  }
  if (written != frames.frames) {
    throw RuntimeError(
        fmt::format("{}: cannot write GIF: the palette filters returned {} of {} "
                    "frames",
                    path, written, frames.frames));
  }
  file.finish();
}

}  // namespace vdit::data
