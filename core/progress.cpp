#include "core/progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace vdit {
namespace {

constexpr int kBarWidth = 24;
constexpr size_t kDetailWidth =
    40;  // on a terminal, a long path is cut from the left: its end names the file

std::string duration_text(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(seconds, 0.0)));
  const int64_t hours = total / 3600;
  const int64_t minutes = total / 60 % 60;
  const int64_t rest = total % 60;
  if (hours > 0) return fmt::format("{}:{:02d}:{:02d}", hours, minutes, rest);
  return fmt::format("{}:{:02d}", minutes, rest);
}

// 1536 -> "1.5 KiB"; counts of other units print as integers.
std::string amount_text(double amount, bool bytes) {
  if (!bytes) return fmt::format("{}", static_cast<int64_t>(amount));
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (amount >= 1024 && unit < 4) {
    amount /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", static_cast<int64_t>(amount))
                   : fmt::format("{:.1f} {}", amount, kUnits[unit]);
}

std::string cut_left(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  return "..." + std::string(text.substr(text.size() - (width - 3)));
}

}  // namespace

ProgressTarget ProgressTarget::standard_error() {
  return ProgressTarget{&std::cerr, ::isatty(STDERR_FILENO) == 1};
}

ProgressReporter::ProgressReporter(ProgressTarget target, Options options)
    : target_(target), options_(std::move(options)) {
  start_ = options_.clock();
  last_shown_ = start_;
  if (target_.stream != nullptr && target_.terminal) draw(false);
}

ProgressReporter::~ProgressReporter() {
  // Unwinding past an unfinished bar: end its line so that the error message starts on its own.
  if (target_.stream != nullptr && target_.terminal && !finished_) {
    try {
      *target_.stream << '\n' << std::flush;
    } catch (...) {  // a destructor must not throw; a lost newline is harmless
    }
  }
}

void ProgressReporter::advance(int64_t items, std::string_view detail) {
  done_ += items;
  detail_ = std::string(detail);
  if (target_.stream == nullptr || finished_) return;
  if (options_.total > 0 && done_ >= options_.total) {
    finish();
    return;
  }
  const auto now = options_.clock();
  const auto period = target_.terminal ? options_.redraw_every : options_.line_every;
  if (now - last_shown_ >= period) {
    last_shown_ = now;
    draw(false);
  }
}

void ProgressReporter::message(std::string_view text) {
  if (target_.stream == nullptr) return;
  std::ostream& out = *target_.stream;
  if (target_.terminal && !finished_) {
    out << '\r' << std::string(drawn_width_, ' ') << '\r' << text << '\n';
    drawn_width_ = 0;
    draw(false);
  } else {
    out << text << '\n' << std::flush;
  }
}

void ProgressReporter::finish() {
  if (finished_) return;
  finished_ = true;
  if (target_.stream != nullptr) draw(true);
}

std::string ProgressReporter::numbers(double seconds) const {
  const bool bytes = options_.unit == "bytes";
  const auto done = static_cast<double>(done_);
  const auto total = static_cast<double>(options_.total);
  std::string text = bytes ? fmt::format("{}/{}", amount_text(done, true), amount_text(total, true))
                           : fmt::format("{}/{} {}", done_, options_.total, options_.unit);
  if (!target_.terminal && options_.total > 0) {
    text += fmt::format(" ({}%)", static_cast<int64_t>(100 * done / total));
  }
  const double rate = seconds > 0 ? done / seconds : 0;
  const std::string per_second =
      bytes ? amount_text(rate, true) + "/s" : fmt::format("{:.1f} {}/s", rate, options_.unit);
  const std::string separator = target_.terminal ? "  " : ", ";
  if (finished_) return text + separator + "in " + duration_text(seconds) + separator + per_second;
  text += separator + per_second;
  if (rate > 0 && total > done) text += separator + "ETA " + duration_text((total - done) / rate);
  return text;
}

void ProgressReporter::draw(bool final) {
  std::ostream& out = *target_.stream;
  const double seconds =
      std::chrono::duration<double>(options_.clock() - start_).count();
  if (!target_.terminal) {  // a log line keeps the whole detail
    out << options_.label << ": " << numbers(seconds) << (detail_.empty() ? "" : "; ") << detail_
        << '\n'
        << std::flush;
    return;
  }
  const std::string detail = cut_left(detail_, kDetailWidth);
  const double fraction =
      options_.total > 0 ? std::min(1.0, static_cast<double>(done_) / options_.total) : 0.0;
  const auto filled = static_cast<int>(fraction * kBarWidth);
  std::string line = fmt::format("{} [{}{}] {}", options_.label, std::string(filled, '#'),
                                 std::string(kBarWidth - filled, '.'), numbers(seconds));
  if (!detail.empty()) line += "  " + detail;
  out << '\r' << line;
  if (line.size() < drawn_width_) out << std::string(drawn_width_ - line.size(), ' ');
  drawn_width_ = line.size();
  if (final) out << '\n';
  out << std::flush;
}

}  // namespace vdit
