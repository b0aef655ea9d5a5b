#include "slurm/job_script.h"

#include <fmt/core.h>

#include <filesystem>
#include <set>

#include "core/error.h"
#include "slurm/job_template.h"
#include "slurm/shell_quote.h"
#include "slurm/time_limit.h"

namespace vdit::slurm {

std::string job_name_for(const std::string& run_dir) {
  std::string name = std::filesystem::path(run_dir).lexically_normal().filename().string();
  if (name.empty()) {
    name = std::filesystem::path(run_dir).lexically_normal().parent_path().filename().string();
  }
  for (char& c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!plain) c = '_';
  }
  return "vdit-" + name;
}

std::string fill_template(const std::string& text,
                          const std::map<std::string, std::string>& values) {
  std::string out;
  std::set<std::string> used;
  size_t at = 0;
  while (true) {
    const size_t open = text.find("{{", at);
    if (open == std::string::npos) break;
    const size_t close = text.find("}}", open);
    if (close == std::string::npos) throw RuntimeError("job template: unclosed {{");
    const std::string key = text.substr(open + 2, close - open - 2);
    const auto value = values.find(key);
    if (value == values.end())
      throw RuntimeError(fmt::format("job template: no value for {{{{{}}}}}", key));
    out += text.substr(at, open - at) + value->second;
    used.insert(key);
    at = close + 2;
  }
  out += text.substr(at);
  for (const auto& [key, value] : values) {
    if (used.count(key) == 0)
      throw RuntimeError(fmt::format("job template: {{{{{}}}}} is never used", key));
  }
  return out;
}

std::string render_job_script(const JobSpec& spec, const JobPaths& paths) {
  std::string resources;
  auto line = [&](const std::string& option, const std::string& value) {
    if (!value.empty()) resources += fmt::format("#SBATCH --{}={}\n", option, value);
  };
  if (spec.gpus_per_node > 0) line("gpus-per-node", std::to_string(spec.gpus_per_node));
  if (spec.time_limit_s) line("time", format_time_limit(*spec.time_limit_s));
  line("partition", spec.partition);
  line("account", spec.account);
  line("qos", spec.qos);
  line("constraint", spec.constraint);
  const bool srun = spec.launcher == Launcher::kSrun;
  // srun: Slurm signals every task of the step itself. mpirun's ranks live in the batch step,
  // which a plain --signal skips: signal the batch shell (B:), which passes it to mpirun, which
  // passes it to every rank.
  const std::string signal_spec =
      fmt::format("{}{}@{}", srun ? "" : "B:", spec.signal, spec.signal_lead_s);
  const std::map<std::string, std::string> values = {
      {"job_name", job_name_for(paths.run_dir)},
      {"nodes", std::to_string(spec.nodes)},
      // Every node reserves room for the coordinator; only the first one runs it.
      {"tasks_per_node", std::to_string(spec.workers_per_node + 1)},
      {"cpus_per_task", std::to_string(spec.cpus_per_worker)},
      {"resource_lines", resources},
      {"signal_spec", signal_spec},
      {"vdit", shell_quote(paths.vdit_binary, "the vdit binary path")},
      {"config", shell_quote(paths.config, "the config path")},
      {"run_dir", shell_quote(paths.run_dir, "--run-dir")},
      {"launcher", srun ? "srun" : "mpirun"},
      {"srun_mpi", shell_quote(spec.srun_mpi, "--srun-mpi")},
      {"signal", spec.signal},
      {"signal_lead", std::to_string(spec.signal_lead_s)},
      {"max_requeues", std::to_string(spec.max_requeues)},
      {"workers_per_node", std::to_string(spec.workers_per_node)},
      {"gpus_per_node", std::to_string(spec.gpus_per_node)},
      {"tasks", std::to_string(spec.tasks())},
  };
  return fill_template(job_script_template(), values);
}

}  // namespace vdit::slurm
