#include "orchestrator/sample_formats.h"

#include <fmt/core.h>

#include <sstream>

#include "core/error.h"

namespace vdit::orchestrator {

SampleFormats parse_sample_formats(const std::string& list) {
  SampleFormats formats{false, false, false};
  std::istringstream items(list);
  std::string item;
  int count = 0;
  while (std::getline(items, item, ',')) {
    bool* chosen = item == "gif"   ? &formats.gif
                   : item == "mp4" ? &formats.mp4
                   : item == "png" ? &formats.png
                                   : nullptr;
    if (chosen == nullptr) {
      throw InputError(fmt::format(
          "--format: found \"{}\" in \"{}\", expected gif, mp4 or png (a comma-separated list "
          "such as gif,mp4)",
          item, list));
    }
    if (*chosen) {
      throw InputError(
          fmt::format("--format: found \"{}\" twice in \"{}\", expected each once", item, list));
    }
    *chosen = true;
    ++count;
  }
  if (count == 0 || list.back() == ',') {
    throw InputError(fmt::format(
        "--format: found \"{}\", expected gif, mp4 or png (a comma-separated list such as gif,mp4)",
        list));
  }
  return formats;
}

}  // namespace vdit::orchestrator
