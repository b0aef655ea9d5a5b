// Progress of long work (pack, sample, eval, checkpoint load): a redrawn bar with rate and ETA on a
// terminal, plain periodic lines where nobody watches a cursor (logs under Slurm, a pipe).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace vdit {

// Where a command's progress goes. A null stream means silent.
struct ProgressTarget {
  std::ostream* stream = nullptr;
  bool terminal = false;  // redraw one bar in place (\r) rather than printing lines

  // std::cerr, as a bar when stderr is a terminal. Progress goes to stderr, never stdout, so that a
  // command's results stay clean for a pipe (`vdit eval --json | jq`), and the mode follows the
  // stream it is drawn on: a bar redrawn into a log file would be one unreadable line.
  static ProgressTarget standard_error();
};

// Counts items done out of a known total and shows them. On a terminal:
//   "pack [#########.....] 12/20 videos  3.1 videos/s  ETA 0:03  clip.mp4"
// redrawn at most every `redraw_every`; otherwise one line per `line_every`:
//   "pack: 12/20 videos (60%), 3.1 videos/s, ETA 0:03; clip.mp4"
// Both modes end with a final line when the total is reached (or finish() is called).
class ProgressReporter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Options {
    std::string label;           // "pack", "fid features", a checkpoint name
    int64_t total = 0;           // items expected (>= 0)
    std::string unit = "items";  // plural noun for the items; "bytes" prints KiB/MiB/GiB
    std::chrono::milliseconds redraw_every{100};
    std::chrono::milliseconds line_every{30000};
    Clock clock = std::chrono::steady_clock::now;  // injectable for tests
  };

  ProgressReporter(ProgressTarget target, Options options);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // `items` more are done; `detail` (e.g. the file just finished) is shown after the numbers.
  void advance(int64_t items = 1, std::string_view detail = {});
  // A line of its own (a failed file, a shard written), printed above the bar on a terminal.
  void message(std::string_view text);
  // Prints the final state once, if it was not printed yet; later calls do nothing.
  void finish();

  int64_t done() const { return done_; }

 private:
  std::string numbers(double seconds) const;
  void draw(bool final);

  ProgressTarget target_;
  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_shown_;
  int64_t done_ = 0;
  std::string detail_;
  bool finished_ = false;
  size_t drawn_width_ = 0;  // characters of the bar on screen, to blank when a shorter one replaces it
};

}  // namespace vdit
