#include "orchestrator/metrics_plot.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace vdit::orchestrator {

namespace {

using nlohmann::json;

// Reads `field` of one metrics line. A required field must be present; null (nlohmann writes NaN
// and inf as null) and a missing optional field read as NaN, which the plot leaves out.
double number_field(const json& row, const char* field, bool required, const std::string& where) {
  const auto found = row.find(field);
  if (found == row.end()) {
    if (!required) return std::numeric_limits<double>::quiet_NaN();
    throw InputError(fmt::format("{}: field \"{}\" is missing, expected a number", where, field));
  }
  if (found->is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!found->is_number()) {
    throw InputError(
        fmt::format("{}: field \"{}\" is {}, expected a number", where, field, found->dump()));
  }
  return found->get<double>();
}

int64_t integer_field(const json& row, const char* field, const std::string& where) {
  const auto found = row.find(field);
  if (found == row.end() || !found->is_number_integer()) {
    throw InputError(fmt::format("{}: field \"{}\" is {}, expected an integer", where, field,
                                 found == row.end() ? "missing" : found->dump()));
  }
  return found->get<int64_t>();
}

StepMetrics parse_row(const std::string& line, const std::string& where) {
  const json row = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!row.is_object()) {
    throw InputError(
        fmt::format("{}: expected a JSON object such as {{\"step\": 1, ...}}, found \"{}\"", where,
                    line.substr(0, 80)));
  }
  StepMetrics m;
  m.step = integer_field(row, "step", where);
  m.stage = integer_field(row, "stage", where);
  const auto name = row.find("stage_name");
  m.stage_name = name != row.end() && name->is_string() ? name->get<std::string>()
                                                        : fmt::format("stage {}", m.stage);
  m.loss = number_field(row, "loss", true, where);
  m.samples_per_second = number_field(row, "samples_per_second", true, where);
  m.diffusion_loss = number_field(row, "diffusion_loss", false, where);
  m.temporal_loss = number_field(row, "temporal_loss", false, where);
  m.motion_loss = number_field(row, "motion_loss", false, where);
  m.grad_norm = number_field(row, "grad_norm", false, where);
  m.lr = number_field(row, "lr", false, where);
  m.tokens_per_second = number_field(row, "tokens_per_second", false, where);
  m.step_seconds = number_field(row, "step_seconds", false, where);
  m.data_wait_percent = number_field(row, "data_wait_percent", false, where);
  m.peak_memory_mb = number_field(row, "peak_memory_mb", false, where);
  m.mfu = number_field(row, "mfu", false, where);
  return m;
}

// Page layout, in SVG user units (px). Two panels share the step axis; the legend sits right.
constexpr double kWidth = 960;
constexpr double kHeight = 640;
constexpr double kLeft = 90;
constexpr double kPlotWidth = 640;
constexpr double kPanelHeight = 220;
constexpr double kLossTop = 60;
constexpr double kThroughputTop = 350;
constexpr double kLegendLeft = kLeft + kPlotWidth + 30;

// An axis: its range and where its labelled ticks go.
struct Axis {
  double lo = 0;
  double hi = 1;
  std::vector<double> ticks;
};

// A round tick spacing (1, 2 or 5 x 10^k) giving about five ticks over `range`.
double tick_spacing(double range) {
  const double rough = range / 5;
  const double magnitude = std::pow(10, std::floor(std::log10(rough)));
  for (const double factor : {1.0, 2.0, 5.0}) {
    if (factor * magnitude >= rough) return factor * magnitude;
  }
  return 10 * magnitude;
}

// Ticks at k * spacing in [lo, hi]; k * spacing rather than a running sum, so that labels read
// 0.3, not 0.30000000000000004.
std::vector<double> ticks_between(double lo, double hi, double spacing) {
  std::vector<double> ticks;
  for (auto k = static_cast<int64_t>(std::ceil(lo / spacing - 1e-9));
       static_cast<double>(k) * spacing <= hi + 1e-9 * spacing; ++k) {
    ticks.push_back(static_cast<double>(k) * spacing);
  }
  return ticks;
}

// A value axis, widened to round ticks at both ends so the lines never touch the frame edge
// unlabelled. A flat series gets a band around its value.
Axis value_axis(double lo, double hi) {
  if (!(std::isfinite(lo) && std::isfinite(hi))) {  // nothing finite to show
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double spacing = tick_spacing(hi - lo);
  Axis axis;
  axis.lo = std::floor(lo / spacing) * spacing;
  axis.hi = std::ceil(hi / spacing) * spacing;
  axis.ticks = ticks_between(axis.lo, axis.hi, spacing);
  return axis;
}

// The step axis ends at the last step logged (widening it would leave an empty band on the
// right) and ticks at whole steps.
Axis step_axis(int64_t first, int64_t last) {
  const double spacing =
      std::max(1.0, tick_spacing(static_cast<double>(std::max<int64_t>(last - first, 1))));
  Axis axis;
  axis.lo = std::floor(static_cast<double>(first) / spacing) * spacing;
  axis.hi = std::max(static_cast<double>(last), axis.lo + 1);
  axis.ticks = ticks_between(axis.lo, axis.hi, spacing);
  return axis;
}


struct Series {
  const char* name;   // data-series attribute, for tools and tests
  const char* label;  // legend text
  const char* color;
  std::function<double(const StepMetrics&)> value;
};

class SvgPlot {
 public:
  SvgPlot(const std::vector<StepMetrics>& rows, Axis steps)
      : rows_(rows), steps_(std::move(steps)) {}

  double x_of(double step) const {
    return kLeft + (step - steps_.lo) / (steps_.hi - steps_.lo) * kPlotWidth;
  }

  // Frame, grid, ticks, axis labels and one polyline per series.
  void panel(double top, const std::string& y_label, const std::vector<Series>& series) {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (const Series& s : series) {
      for (const StepMetrics& row : rows_) {
        const double v = s.value(row);
        if (!std::isfinite(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    const Axis values = value_axis(lo, hi);
    const auto y_of = [&](double v) {
      return top + kPanelHeight - (v - values.lo) / (values.hi - values.lo) * kPanelHeight;
    };
    const double bottom = top + kPanelHeight;
    for (const double tick : values.ticks) {
      svg_ += fmt::format(
          "<line class=\"grid\" x1=\"{0:.2f}\" y1=\"{1:.2f}\" x2=\"{2:.2f}\" y2=\"{1:.2f}\"/>\n"
          "<text class=\"tick\" x=\"{3:.2f}\" y=\"{1:.2f}\" text-anchor=\"end\" "
          "dominant-baseline=\"middle\">{4:g}</text>\n",
          kLeft, y_of(tick), kLeft + kPlotWidth, kLeft - 6, tick);
    }
    for (const double tick : steps_.ticks) {
      svg_ += fmt::format(
          "<line class=\"axis\" x1=\"{0:.2f}\" y1=\"{1:.2f}\" x2=\"{0:.2f}\" y2=\"{2:.2f}\"/>\n"
          "<text class=\"tick\" x=\"{0:.2f}\" y=\"{3:.2f}\" text-anchor=\"middle\">{4:g}</text>\n",
          x_of(tick), bottom, bottom + 5, bottom + 18, tick);
    }
    svg_ += fmt::format(
        "<rect class=\"frame\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\"/>\n"
        "<text class=\"label\" x=\"{:.2f}\" y=\"{:.2f}\" text-anchor=\"middle\">step</text>\n"
        "<text class=\"label\" transform=\"translate({:.2f},{:.2f}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>\n",
        kLeft, top, kPlotWidth, kPanelHeight, kLeft + kPlotWidth / 2, bottom + 36, kLeft - 55,
        top + kPanelHeight / 2, escape_xml(y_label));
    for (const Series& s : series) {
      std::string points;
      for (const StepMetrics& row : rows_) {
        const double v = s.value(row);
        if (!std::isfinite(v)) continue;
        points += fmt::format("{}{:.2f},{:.2f}", points.empty() ? "" : " ",
                              x_of(static_cast<double>(row.step)), y_of(v));
      }
      svg_ += fmt::format(
          "<polyline class=\"series\" data-series=\"{}\" stroke=\"{}\" points=\"{}\"/>\n", s.name,
          s.color, points);
    }
  }

  // A dashed line across both panels after the last step of each stage, labelled with the next
  // stage's name. The coordinator always logs a stage's last step, so the line sits where it ended.
  void stage_boundaries(double bottom) {
    svg_ += fmt::format("<text class=\"stage\" x=\"{:.2f}\" y=\"{:.2f}\">{}</text>\n", kLeft + 4,
                        kLossTop - 6, escape_xml(rows_.front().stage_name));
    for (size_t i = 1; i < rows_.size(); ++i) {
      if (rows_[i].stage == rows_[i - 1].stage) continue;
      const int64_t step = rows_[i - 1].step;
      const double x = x_of(static_cast<double>(step));
      svg_ += fmt::format(
          "<line class=\"stage-boundary\" data-step=\"{}\" x1=\"{:.2f}\" y1=\"{:.2f}\" "
          "x2=\"{:.2f}\" "
          "y2=\"{:.2f}\"/>\n<text class=\"stage\" x=\"{:.2f}\" y=\"{:.2f}\">{}</text>\n",
          step, x, kLossTop, x, bottom, x + 4, kLossTop - 6, escape_xml(rows_[i].stage_name));
    }
  }

  void legend(const std::vector<Series>& series) {
    double y = kLossTop + 10;
    for (const Series& s : series) {
      svg_ += fmt::format(
          "<line x1=\"{0:.2f}\" y1=\"{1:.2f}\" x2=\"{2:.2f}\" y2=\"{1:.2f}\" stroke=\"{3}\" "
          "stroke-width=\"2\"/>\n<text class=\"label\" x=\"{4:.2f}\" y=\"{1:.2f}\" "
          "dominant-baseline=\"middle\">{5}</text>\n",
          kLegendLeft, y, kLegendLeft + 24, s.color, kLegendLeft + 30, escape_xml(s.label));
      y += 20;
    }
    svg_ += fmt::format(
        "<line class=\"stage-boundary\" x1=\"{0:.2f}\" y1=\"{1:.2f}\" x2=\"{2:.2f}\" "
        "y2=\"{1:.2f}\"/>\n"
        "<text class=\"label\" x=\"{3:.2f}\" y=\"{1:.2f}\" dominant-baseline=\"middle\">stage "
        "boundary</text>\n",
        kLegendLeft, y, kLegendLeft + 24, kLegendLeft + 30);
  }

  std::string& svg() { return svg_; }

 private:
  const std::vector<StepMetrics>& rows_;
  Axis steps_;
  std::string svg_;
};

// The SVG element, its style and the title: shared by both plot kinds.
std::string svg_header(double height, const std::string& title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<style>.frame{{fill:none;stroke:#333}} .grid{{stroke:#ddd}} .axis{{stroke:#333}} "
      ".series{{fill:none;stroke-width:1.5}} .stage-boundary{{stroke:#777;stroke-dasharray:6 4}} "
      ".stage{{fill:#555;font-style:italic}}</style>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2:.2f}\" y=\"24\" font-size=\"15\">{3}</text>\n",
      kWidth, height, kLeft, escape_xml(title));
}

}  // namespace

std::vector<StepMetrics> read_metrics_log(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw InputError(
        fmt::format("{}: cannot open the metrics log (has the run logged a step?)", path));
  }
  std::map<int64_t, StepMetrics> by_step;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}: line {}", path, number);
    if (const std::optional<int64_t> resumed = resumed_from_step(line, where)) {
      // Steps after the checkpoint were logged by a run that crashed: the resumed run replaces
      // them, and any it does not reach again must not be drawn either.
      by_step.erase(by_step.upper_bound(*resumed), by_step.end());
      continue;
    }
    StepMetrics row = parse_row(line, where);
    by_step[row.step] = std::move(row);
  }
  if (by_step.empty())
    throw InputError(fmt::format("{}: no metrics logged yet (the file is empty)", path));
  std::vector<StepMetrics> rows;
  for (auto& [step, row] : by_step) rows.push_back(std::move(row));
  return rows;
}

std::string metrics_svg(const std::vector<StepMetrics>& rows, const std::string& title) {
  if (rows.empty()) throw InputError("no metrics to plot");
  SvgPlot plot(rows, step_axis(rows.front().step, rows.back().step));
  const std::vector<Series> losses = {
      {"loss", "loss (total)", "#1f77b4", [](const StepMetrics& m) { return m.loss; }},
      {"diffusion_loss", "loss (diffusion)", "#2ca02c",
       [](const StepMetrics& m) { return m.diffusion_loss; }},
  };
  const std::vector<Series> throughput = {
      {"samples_per_second", "samples/s", "#d62728",
       [](const StepMetrics& m) { return m.samples_per_second; }},
  };
  std::string& svg = plot.svg();
  svg += svg_header(kHeight, title);
  plot.panel(kLossTop, "loss", losses);
  plot.panel(kThroughputTop, "samples/s", throughput);
  plot.stage_boundaries(kThroughputTop + kPanelHeight);
  std::vector<Series> all = losses;
  all.insert(all.end(), throughput.begin(), throughput.end());
  plot.legend(all);
  svg += "</svg>\n";
  return svg;
}

std::string step_values_svg(const std::vector<StepValue>& rows, const std::string& title,
                            const std::string& y_label) {
  if (rows.empty()) throw InputError("no values to plot");
  // The same plot machinery as metrics_svg: each value rides in a row's `loss` field.
  std::vector<StepMetrics> as_metrics;
  for (const StepValue& row : rows) {
    StepMetrics m;
    m.step = row.step;
    m.stage = row.stage;
    m.stage_name = row.stage_name;
    m.loss = row.value;
    as_metrics.push_back(std::move(m));
  }
  SvgPlot plot(as_metrics, step_axis(rows.front().step, rows.back().step));
  const std::vector<Series> series = {
      {"value", y_label.c_str(), "#1f77b4", [](const StepMetrics& m) { return m.loss; }}};
  std::string& svg = plot.svg();
  svg += svg_header(kLossTop + kPanelHeight + 60, title);
  plot.panel(kLossTop, y_label, series);
  plot.stage_boundaries(kLossTop + kPanelHeight);
  plot.legend(series);
  svg += "</svg>\n";
  return svg;
}

void write_metrics_plot(const std::string& metrics_path, const std::string& svg_path) {
  const std::string svg = metrics_svg(read_metrics_log(metrics_path), metrics_path);
  const std::filesystem::path parent = std::filesystem::path(svg_path).parent_path();
  std::error_code error;
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  std::ofstream out(svg_path);
  out << svg;
  out.close();
  if (error || !out) throw RuntimeError(fmt::format("{}: cannot write the plot", svg_path));
}

std::string escape_xml(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace vdit::orchestrator
