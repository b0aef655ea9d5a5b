// `vdit plot`: a run's metrics.jsonl drawn as an SVG: loss and samples/s against step, with the
// curriculum's stage boundaries.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/metrics_log.h"

namespace vdit::orchestrator {

// Reads a metrics.jsonl written by MetricsLog, one row per step, ordered by step. A resumed run
// appends to the same file and may log a step again; the last line for a step wins, and a
// `resumed_from` N line (MetricsLog::mark_resume) drops every step > N logged before it, since
// the run continued from the state after step N. A value logged as null (NaN or inf) and a missing
// optional field read as NaN.
// Throws InputError naming the file (and the line and field) if the file is missing, holds no
// rows, or a line is not a JSON object with numeric step, stage, loss and samples_per_second.
std::vector<StepMetrics> read_metrics_log(const std::string& path);

// The SVG: a loss panel (total and diffusion) over a samples/s panel, sharing the step axis,
// with a dashed vertical line where `stage` changes, labelled with the new stage's name.
// Non-finite values are left out of the lines. `rows` must be non-empty and ordered by step.
std::string metrics_svg(const std::vector<StepMetrics>& rows, const std::string& title);

// One value against step, e.g. an evaluation metric per checkpoint (`vdit eval`).
struct StepValue {
  int64_t step = 0;
  int64_t stage = 0;
  std::string stage_name;
  double value = 0;  // non-finite values are left out of the line
};

// A one-panel SVG of `rows` (non-empty, ordered by step) with metrics_svg's axes, style and
// stage boundaries; `y_label` names the value axis and the legend entry.
std::string step_values_svg(const std::vector<StepValue>& rows, const std::string& title,
                            const std::string& y_label);

// read_metrics_log(metrics_path) drawn into `svg_path` (its folder is created if missing).
void write_metrics_plot(const std::string& metrics_path, const std::string& svg_path);

// `text` made safe inside XML and HTML text and attributes: & < > " ' as entities.
std::string escape_xml(const std::string& text);

}  // namespace vdit::orchestrator
