// `vdit plot RUN [--out FILE.svg]`: draw RUN/metrics.jsonl as an SVG.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "orchestrator/metrics_plot.h"

namespace vdit::cli {

int run_plot(const Args& args) {
  namespace po = boost::program_options;
  std::string run_dir;
  std::string out;
  po::options_description options(
      "vdit plot RUN [options]\n\nDraws RUN/metrics.jsonl as an SVG: loss and samples/s against "
      "step, with the curriculum's stage boundaries");
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("run", po::value(&run_dir), "run folder (also the first positional argument)")
      ("out", po::value(&out), "SVG file to write (default: RUN/plots/metrics.svg)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto values = parse_command_line(args, options, positional, options, "plot");
  if (!values) return kExitOk;
  if (run_dir.empty()) {
    throw InputError("give the run folder: vdit plot RUN (see vdit plot --help)");
  }
  if (out.empty()) out = run_dir + "/plots/metrics.svg";
  // Not RunDirectory(run_dir): it creates the folder, and a mistyped RUN should fail, not appear.
  orchestrator::write_metrics_plot(run_dir + "/metrics.jsonl", out);
  fmt::print("wrote {}\n", out);
  return kExitOk;
}

}  // namespace vdit::cli
