#include "slurm/time_limit.h"

#include <fmt/core.h>

#include <vector>

namespace vdit::slurm {
namespace {

// "12" -> 12; nullopt unless 1 to 6 decimal digits (enough for any sane limit, no overflow).
std::optional<int64_t> parse_number(const std::string& text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<std::vector<int64_t>> parse_fields(const std::string& text) {
  std::vector<int64_t> fields;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    const auto field = parse_number(text.substr(start, colon - start));
    if (!field) return std::nullopt;
    fields.push_back(*field);
    if (colon == std::string::npos) return fields;
    start = colon + 1;
  }
}

}  // namespace

std::optional<int64_t> parse_time_limit(const std::string& text) {
  const size_t dash = text.find('-');
  if (dash != std::string::npos) {
    // Days form: D-HH, D-HH:MM, D-HH:MM:SS.
    const auto days = parse_number(text.substr(0, dash));
    const auto rest = parse_fields(text.substr(dash + 1));
    if (!days || !rest || rest->size() > 3) return std::nullopt;
    const int64_t hours = (*rest)[0];
    const int64_t minutes = rest->size() > 1 ? (*rest)[1] : 0;
    const int64_t seconds = rest->size() > 2 ? (*rest)[2] : 0;
    return ((*days * 24 + hours) * 60 + minutes) * 60 + seconds;
  }
  const auto fields = parse_fields(text);
  if (!fields) return std::nullopt;
  switch (fields->size()) {
    case 1:  // MM
      return (*fields)[0] * 60;
    case 2:  // MM:SS
      return (*fields)[0] * 60 + (*fields)[1];
    case 3:  // HH:MM:SS
      return ((*fields)[0] * 60 + (*fields)[1]) * 60 + (*fields)[2];
    default:
      return std::nullopt;
  }
}

std::string format_time_limit(int64_t seconds) {
  const int64_t days = seconds / 86400;
  const int64_t hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, rest = seconds % 60;
  if (days > 0) return fmt::format("{}-{:02}:{:02}:{:02}", days, hours, minutes, rest);
  return fmt::format("{:02}:{:02}:{:02}", hours, minutes, rest);
}

}  // namespace vdit::slurm
