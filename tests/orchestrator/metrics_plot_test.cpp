// `vdit plot`: metrics.jsonl -> SVG with one point per step, stage boundaries, well-formed XML;
// bad input names the file and line.
#include "orchestrator/metrics_plot.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.h"

namespace vdit::orchestrator {
namespace {

namespace fs = std::filesystem;

std::string metrics_line(int64_t step, int64_t stage, const std::string& name,
                         const std::string& loss, double samples_per_second) {
  return "{\"step\":" + std::to_string(step) + ",\"stage\":" + std::to_string(stage) +
         ",\"stage_name\":\"" + name + "\",\"loss\":" + loss + ",\"diffusion_loss\":0.5" +
         ",\"samples_per_second\":" + std::to_string(samples_per_second) + "}\n";
}

// Stage 1 "img" on steps 1-4, stage 2 on steps 5-8 (a name that needs XML escaping).
std::string two_stages() {
  std::string text;
  for (int64_t step = 1; step <= 8; ++step) {
    text += metrics_line(step, step <= 4 ? 1 : 2, step <= 4 ? "img" : "clip & <motion>",
                         std::to_string(1.0 / static_cast<double>(step)),
                         10.0 + static_cast<double>(step));
  }
  return text;
}

// The (x, y) points of the polyline whose data-series is `series`.
std::vector<std::pair<double, double>> polyline_points(const std::string& svg,
                                                       const std::string& series) {
  const std::regex polyline("<polyline[^>]*data-series=\"" + series + "\"[^>]*points=\"([^\"]*)\"");
  std::smatch match;
  if (!std::regex_search(svg, match, polyline)) return {};
  std::vector<std::pair<double, double>> points;
  std::istringstream text(match[1].str());
  std::string pair;
  while (text >> pair) {
    const size_t comma = pair.find(',');
    points.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  return points;
}

class MetricsPlot : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = fs::temp_directory_path() /
           ("vdit_plot_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(run_);
    fs::create_directories(run_);
  }
  void TearDown() override { fs::remove_all(run_); }

  std::string write_metrics(const std::string& text) const {
    const std::string path = (run_ / "metrics.jsonl").string();
    std::ofstream(path) << text;
    return path;
  }
  // The message of the InputError that reading `text` throws; empty if none.
  std::string read_error(const std::string& text) const {
    try {
      read_metrics_log(write_metrics(text));
    } catch (const InputError& error) {
      return error.what();
    }
    return "";
  }

  fs::path run_;
};

TEST_F(MetricsPlot, DrawsOnePointPerStepAndAStageBoundary) {
  const std::string svg = metrics_svg(read_metrics_log(write_metrics(two_stages())), "run");
  const auto loss = polyline_points(svg, "loss");
  const auto throughput = polyline_points(svg, "samples_per_second");
  ASSERT_EQ(loss.size(), 8u) << svg;
  EXPECT_EQ(throughput.size(), 8u);
  EXPECT_EQ(polyline_points(svg, "diffusion_loss").size(), 8u);
  // Steps increase left to right; loss falls (larger y is lower), samples/s rises.
  EXPECT_LT(loss.front().first, loss.back().first);
  EXPECT_LT(loss.front().second, loss.back().second);
  EXPECT_GT(throughput.front().second, throughput.back().second);

  // One boundary, after step 4 (stage 1's last), at that step's x, labelled with the next stage.
  const std::regex boundary("<line class=\"stage-boundary\" data-step=\"(\\d+)\" x1=\"([0-9.]+)\"");
  const auto boundaries =
      std::distance(std::sregex_iterator(svg.begin(), svg.end(), boundary), std::sregex_iterator());
  EXPECT_EQ(boundaries, 1);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(svg, match, boundary)) << svg;
  EXPECT_EQ(match[1].str(), "4");
  EXPECT_NEAR(std::stod(match[2].str()), loss[3].first, 0.01);
  EXPECT_NE(svg.find(">clip &amp; &lt;motion&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">img</text>"), std::string::npos);
}

TEST_F(MetricsPlot, WritesWellFormedXml) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  const std::string svg_path = (run_ / "plots" / "metrics.svg").string();
  write_metrics_plot(write_metrics(two_stages()), svg_path);
  ASSERT_TRUE(fs::exists(svg_path));
  const std::string command =
      "/usr/bin/python3 -c \"import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])\" " +
      svg_path;
  EXPECT_EQ(std::system(command.c_str()), 0);
}

TEST_F(MetricsPlot, ResumedRunKeepsTheLastLineOfARepeatedStep) {
  // A run logged steps 1-8, was resumed from a checkpoint at step 6 and logged 7-8 again.
  const std::string text = two_stages() + metrics_line(7, 2, "clip", "0.05", 20) +
                           metrics_line(8, 2, "clip", "0.04", 20);
  const std::vector<StepMetrics> rows = read_metrics_log(write_metrics(text));
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[6].step, 7);
  EXPECT_DOUBLE_EQ(rows[6].loss, 0.05);
  EXPECT_EQ(polyline_points(metrics_svg(rows, "run"), "loss").size(), 8u);
}

// Steps 1-8 logged, a crash, a resume from the checkpoint at step 6 that logged only step 7 before
// the next stop: step 8 of the crashed run must not be drawn as if the resumed run reached it.
TEST_F(MetricsPlot, DropsStepsAfterTheCheckpointWhenTheResumedRunMarkedItsResume) {
  const std::string path = write_metrics(two_stages());
  {
    MetricsLog log(path);
    log.mark_resume(6, "run/checkpoints/step_000000006");
    StepMetrics step7;
    step7.step = 7;
    step7.stage = 2;
    step7.stage_name = "clip";
    step7.loss = 0.05;
    step7.samples_per_second = 20;
    log.write(step7);
  }
  const std::vector<StepMetrics> rows = read_metrics_log(path);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows.back().step, 7);
  EXPECT_DOUBLE_EQ(rows.back().loss, 0.05);
  EXPECT_EQ(rows[5].step, 6);                // the checkpoint's own history is kept
  EXPECT_NEAR(rows[5].loss, 1.0 / 6, 1e-6);  // as written by std::to_string: 6 digits
}

TEST_F(MetricsPlot, ResumeRecordWithABadStepNamesTheLine) {
  const std::string message = read_error(two_stages() + "{\"resumed_from\": \"six\"}\n");
  EXPECT_NE(message.find("line 9: resumed_from is \"six\""), std::string::npos) << message;
}

TEST_F(MetricsPlot, NonFiniteLossIsLeftOutOfTheLine) {
  // MetricsLog writes a NaN loss as null.
  const std::string text = metrics_line(1, 1, "img", "1.0", 10) +
                           metrics_line(2, 1, "img", "null", 10) +
                           metrics_line(3, 1, "img", "0.5", 10);
  const std::string svg = metrics_svg(read_metrics_log(write_metrics(text)), "run");
  EXPECT_EQ(polyline_points(svg, "loss").size(), 2u);
  EXPECT_EQ(polyline_points(svg, "samples_per_second").size(), 3u);
}

TEST_F(MetricsPlot, MalformedLineNamesFileAndLine) {
  const std::string text = metrics_line(1, 1, "img", "1.0", 10) + "\n" + "{\"step\": 2, oops\n";
  const std::string message = read_error(text);
  EXPECT_NE(message.find((run_ / "metrics.jsonl").string() + ": line 3"), std::string::npos)
      << message;
}

TEST_F(MetricsPlot, MissingOrMistypedFieldIsNamed) {
  const std::string missing =
      read_error(metrics_line(1, 1, "img", "1.0", 10) + "{\"step\":2,\"stage\":1}\n");
  EXPECT_NE(missing.find("line 2: field \"loss\" is missing"), std::string::npos) << missing;
  const std::string mistyped = read_error(metrics_line(1, 1, "img", "\"low\"", 10));
  EXPECT_NE(mistyped.find("line 1: field \"loss\" is \"low\", expected a number"),
            std::string::npos)
      << mistyped;
}

TEST_F(MetricsPlot, MissingOrEmptyLogNamesTheFile) {
  const std::string path = (run_ / "metrics.jsonl").string();
  EXPECT_THROW(read_metrics_log(path), InputError);
  const std::string empty = read_error("\n");
  EXPECT_NE(empty.find(path + ": no metrics logged"), std::string::npos) << empty;
}

int run_vdit(const std::string& arguments, const fs::path& log) {
  const int status = std::system(
      (std::string(VDIT_BINARY) + " " + arguments + " > " + log.string() + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(MetricsPlot, CommandWritesDefaultPlotAndRejectsBadInputWithExitCode2) {
  write_metrics(two_stages());
  const fs::path log = run_.parent_path() / (run_.filename().string() + ".log");
  EXPECT_EQ(run_vdit("plot " + run_.string(), log), 0);
  EXPECT_TRUE(fs::exists(run_ / "plots" / "metrics.svg"));
  const fs::path custom = run_ / "custom.svg";
  EXPECT_EQ(run_vdit("plot " + run_.string() + " --out " + custom.string(), log), 0);
  EXPECT_TRUE(fs::exists(custom));

  write_metrics(two_stages() + "not json\n");
  EXPECT_EQ(run_vdit("plot " + run_.string(), log), 2);
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  EXPECT_NE(output.str().find("metrics.jsonl: line 9"), std::string::npos) << output.str();
  EXPECT_EQ(run_vdit("plot " + (run_ / "no_such_run").string(), log), 2);
  fs::remove(log);
}

}  // namespace
}  // namespace vdit::orchestrator
