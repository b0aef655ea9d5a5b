#include "core/progress.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>

namespace vdit {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A clock the test moves by hand.
struct FakeClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>();
  ProgressReporter::Clock function() const {
    return [now = now] { return *now; };
  }
  void advance(std::chrono::milliseconds by) const { *now += by; }
};

ProgressReporter::Options options_for(const FakeClock& clock, int64_t total, std::string unit) {
  ProgressReporter::Options options;
  options.label = "pack";
  options.total = total;
  options.unit = std::move(unit);
  options.clock = clock.function();
  return options;
}

TEST(ProgressReporter, PrintsPlainLinesWithRateAndEtaOncePerPeriodWhenNotATerminal) {
  FakeClock clock;
  std::ostringstream out;
  ProgressReporter progress({&out, false}, options_for(clock, 20, "videos"));
  EXPECT_EQ(out.str(), "") << "no line before the first period";
  clock.advance(seconds(10));
  progress.advance(5, "a.mp4");
  EXPECT_EQ(out.str(), "") << "10 s is within the 30 s period";
  clock.advance(seconds(20));
  progress.advance(1, "b.mp4");
  // 6 videos in 30 s: 0.2 videos/s, 14 left: 70 s.
  EXPECT_EQ(out.str(), "pack: 6/20 videos (30%), 0.2 videos/s, ETA 1:10; b.mp4\n");
}

TEST(ProgressReporter, PrintsTheFinalLineWithElapsedTimeWhenTheTotalIsReached) {
  FakeClock clock;
  std::ostringstream out;
  ProgressReporter progress({&out, false}, options_for(clock, 4, "videos"));
  clock.advance(seconds(8));
  progress.advance(4);
  EXPECT_EQ(out.str(), "pack: 4/4 videos (100%), in 0:08, 0.5 videos/s\n");
  progress.finish();
  EXPECT_EQ(out.str(), "pack: 4/4 videos (100%), in 0:08, 0.5 videos/s\n") << "printed once";
}

TEST(ProgressReporter, RedrawsOneBarInPlaceOnATerminal) {
  FakeClock clock;
  std::ostringstream out;
  ProgressReporter progress({&out, true}, options_for(clock, 4, "videos"));
  EXPECT_EQ(out.str(), "\rpack [........................] 0/4 videos  0.0 videos/s");
  out.str("");
  clock.advance(seconds(2));
  progress.advance(1, "a.mp4");
  EXPECT_EQ(out.str(), "\rpack [######..................] 1/4 videos  0.5 videos/s  ETA 0:06  a.mp4");
  out.str("");
  clock.advance(milliseconds(50));
  progress.advance(1);
  EXPECT_EQ(out.str(), "") << "within the 100 ms redraw period";
  clock.advance(seconds(2));
  progress.advance(2);
  EXPECT_EQ(out.str(),
            "\rpack [########################] 4/4 videos  in 0:04  1.0 videos/s" +
                std::string(8, ' ') + "\n")
      << "blanks the longer bar it replaces and ends the line";
}

TEST(ProgressReporter, PrintsAMessageAboveTheBarAndRedrawsIt) {
  FakeClock clock;
  std::ostringstream out;
  ProgressReporter progress({&out, true}, options_for(clock, 2, "videos"));
  out.str("");
  progress.message("x.mp4: skipped");
  const std::string bar = "pack [........................] 0/2 videos  0.0 videos/s";
  EXPECT_EQ(out.str(), "\r" + std::string(bar.size(), ' ') + "\rx.mp4: skipped\n\r" + bar);
}

TEST(ProgressReporter, ShowsBytesInBinaryUnitsWhenTheUnitIsBytes) {
  FakeClock clock;
  std::ostringstream out;
  ProgressReporter progress({&out, false}, options_for(clock, 4 << 20, "bytes"));
  clock.advance(seconds(30));
  progress.advance(3 << 20);
  EXPECT_EQ(out.str(), "pack: 3.0 MiB/4.0 MiB (75%), 102.4 KiB/s, ETA 0:10\n");
}

TEST(ProgressReporter, WritesNothingWithoutAStream) {
  FakeClock clock;
  ProgressReporter progress({nullptr, true}, options_for(clock, 2, "videos"));
  progress.message("ignored");
  progress.advance(2);
  EXPECT_EQ(progress.done(), 2);
}

}  // namespace
}  // namespace vdit
