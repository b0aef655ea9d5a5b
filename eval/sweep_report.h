// What a sweep leaves for people: an SVG per metric against step, and a static report.html.
#pragma once

#include <string>
#include <vector>

#include "eval/sweep_results.h"

namespace vdit::eval {

// eval_dir/plots/<metric>.svg for every metric in `rows`, drawn with orchestrator's plotter
// (stage boundaries included). Returns the paths written.
std::vector<std::string> write_metric_plots(const std::string& eval_dir,
                                            const std::vector<SweepRow>& rows);

// eval_dir/report.html: one self-contained page (plots inlined, GIFs as data: URIs, no external
// assets): `notes` (warnings such as a small N) at the top, the results table, the plots, and a
// grid of each checkpoint's sample GIFs from eval_dir/samples/<checkpoint>/.
void write_sweep_report(const std::string& eval_dir, const std::vector<SweepRow>& rows,
                        const std::vector<std::string>& notes);

}  // namespace vdit::eval
