// Which files `vdit sample` writes for each sample (`--format gif,mp4,png`).
#pragma once

#include <string>

namespace vdit::orchestrator {

struct SampleFormats {
  bool gif = true;  // sample_NN.gif: one palette, loops forever
  bool mp4 = true;  // sample_NN.mp4: H.264, plays in a browser
  bool png = true;  // sample_NN_frameMMM.png: every frame, exact pixels
};

// Parses a comma-separated list of gif, mp4 and png (each at most once, at least one), such as
// "mp4" or "gif,png". InputError naming --format, the value found and the values expected.
SampleFormats parse_sample_formats(const std::string& list);

}  // namespace vdit::orchestrator
