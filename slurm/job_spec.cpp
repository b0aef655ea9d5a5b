#include "slurm/job_spec.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"
#include "slurm/time_limit.h"

namespace vdit::slurm {
namespace {

// Names a field in messages: the flag if the user typed one, else the config field.
class FieldNames {
 public:
  FieldNames(const SubmitFlags& flags, std::string source)
      : flags_(flags), source_(std::move(source)) {}

  std::string operator()(const std::string& field) const {
    if (flags_.count(field) != 0) return flag_of(field);
    return fmt::format("{}: slurm.{}", source_, field);
  }

 private:
  const SubmitFlags& flags_;
  std::string source_;
};

// Copies each given flag onto its field; integers must parse whole.
class FlagWriter {
 public:
  explicit FlagWriter(const SubmitFlags& flags) : flags_(flags) {}

  void operator()(const char* field, int64_t& value) {
    const auto given = flags_.find(field);
    if (given == flags_.end()) return;
    known_.insert(field);
    const std::string& text = given->second;
    size_t used = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size()) {
      throw InputError(
          fmt::format("{}: found '{}', expected a whole number", flag_of(field), text));
    }
  }
  void operator()(const char* field, std::string& value) {
    const auto given = flags_.find(field);
    if (given == flags_.end()) return;
    known_.insert(field);
    value = given->second;
  }

  void reject_unknown() const {
    for (const auto& [field, text] : flags_) {
      if (known_.count(field) == 0)
        throw InputError(fmt::format("{}: not a [slurm] field", flag_of(field)));
    }
  }

 private:
  const SubmitFlags& flags_;
  std::set<std::string> known_;
};

void check_range(const FieldNames& name, const char* field, int64_t value, int64_t low,
                 int64_t high, const char* why = "") {
  if (value < low || value > high) {
    throw InputError(fmt::format("{}: found {}, expected {} to {}{}", name(field), value, low,
                                 high, why));
  }
}

// Slurm names (partition, account, QOS, MPI plugin): letters, digits and . _ - (plus `extra`).
// Nothing a #SBATCH line or a shell could read as syntax gets through.
void check_name(const FieldNames& name, const char* field, const std::string& value,
                const std::string& extra, const char* expected) {
  const auto bad = std::find_if(value.begin(), value.end(), [&](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
             extra.find(c) != std::string::npos);
  });
  if (bad != value.end()) {
    throw InputError(fmt::format("{}: found '{}', expected {} (the character '{}' is not allowed)",
                                 name(field), value, expected, *bad));
  }
}

std::string normalized_signal(const FieldNames& name, std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (value.rfind("SIG", 0) == 0) value = value.substr(3);
  if (value != "USR1" && value != "USR2") {
    throw InputError(fmt::format(
        "{}: found '{}', expected USR2 or USR1 (the signals vdit train saves on; TERM is what "
        "a preemption sends)",
        name("signal"), value));
  }
  return value;
}

}  // namespace

std::string flag_of(const std::string& field) {
  std::string flag = "--" + field;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

JobSpec resolve_job_spec(SlurmConfig& section, const SubmitFlags& flags,
                         const std::string& config_source) {
  FlagWriter writer(flags);
  section.visit(writer);
  writer.reject_unknown();
  const FieldNames name(flags, config_source);

  JobSpec spec;
  check_range(name, "nodes", section.nodes, 1, 100000);
  spec.nodes = section.nodes;
  check_range(name, "gpus_per_node", section.gpus_per_node, 0, 64, " (0 = CPU workers)");
  spec.gpus_per_node = section.gpus_per_node;
  if (section.workers_per_node == 0) {
    spec.workers_per_node = std::max<int64_t>(section.gpus_per_node, 1);
  } else if (section.gpus_per_node > 0) {
    check_range(name, "workers_per_node", section.workers_per_node, 1, section.gpus_per_node,
                fmt::format(" (one GPU each: {} {})", name("gpus_per_node"),
                            section.gpus_per_node)
                    .c_str());
    spec.workers_per_node = section.workers_per_node;
  } else {
    check_range(name, "workers_per_node", section.workers_per_node, 1, 1024, " (0 = automatic)");
    spec.workers_per_node = section.workers_per_node;
  }
  check_range(name, "cpus_per_worker", section.cpus_per_worker, 1, 1024);
  spec.cpus_per_worker = section.cpus_per_worker;

  if (!section.time.empty()) {
    spec.time_limit_s = parse_time_limit(section.time);
    if (!spec.time_limit_s) {
      throw InputError(fmt::format(
          "{}: found '{}', expected a Slurm time limit: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
          "D-HH:MM:SS",
          name("time"), section.time));
    }
    if (*spec.time_limit_s < 60) {
      throw InputError(fmt::format("{}: found '{}' ({} s), expected at least 1 minute (Slurm "
                                   "counts time limits in whole minutes)",
                                   name("time"), section.time, *spec.time_limit_s));
    }
  }
  check_name(name, "partition", section.partition, ",", "a partition name (or a comma list)");
  spec.partition = section.partition;
  check_name(name, "account", section.account, "", "an account name");
  spec.account = section.account;
  check_name(name, "qos", section.qos, "", "a QOS name");
  spec.qos = section.qos;
  check_name(name, "constraint", section.constraint, "&|,*[]():!",
             "node features joined by & | , with optional [] () * counts");
  spec.constraint = section.constraint;

  spec.signal = normalized_signal(name, section.signal);
  section.signal = spec.signal;
  check_range(name, "signal_lead", section.signal_lead, 1, 65535, " seconds");
  spec.signal_lead_s = section.signal_lead;
  if (spec.time_limit_s && spec.signal_lead_s >= *spec.time_limit_s) {
    throw InputError(fmt::format(
        "{}: found {} s, expected less than the time limit {} ({} s): the warning would come "
        "before the run has started",
        name("signal_lead"), spec.signal_lead_s, format_time_limit(*spec.time_limit_s),
        *spec.time_limit_s));
  }
  check_range(name, "max_requeues", section.max_requeues, 0, 10000);
  spec.max_requeues = section.max_requeues;

  if (section.launcher == "srun") {
    spec.launcher = Launcher::kSrun;
  } else if (section.launcher == "mpirun") {
    spec.launcher = Launcher::kMpirun;
  } else {
    throw InputError(
        fmt::format("{}: found '{}', expected srun or mpirun", name("launcher"), section.launcher));
  }
  if (section.srun_mpi.empty()) {
    throw InputError(fmt::format("{}: found '', expected an srun --mpi plugin such as pmix",
                                 name("srun_mpi")));
  }
  check_name(name, "srun_mpi", section.srun_mpi, "", "an srun --mpi plugin name such as pmix");
  spec.srun_mpi = section.srun_mpi;
  return spec;
}

void check_run_fits_job(const RunConfig& config, const JobSpec& spec, const SubmitFlags& flags) {
  const FieldNames name(flags, config.source);
  const ParallelConfig& p = config.parallel;
  const int64_t mesh = p.dp * p.sp * p.tp;
  if (mesh != spec.workers()) {
    throw InputError(fmt::format(
        "{}: parallel: dp({}) x sp({}) x tp({}) = {} worker ranks, but the job has {} nodes x "
        "{} workers per node = {} workers ({} / {}); change one so they agree",
        config.source, p.dp, p.sp, p.tp, mesh, spec.nodes, spec.workers_per_node, spec.workers(),
        name("nodes"), name("workers_per_node")));
  }
  const std::string& device = config.training.device;
  if (spec.gpus_per_node > 0 && device != "cuda") {
    throw InputError(fmt::format(
        "{}: training.device: found \"{}\", expected \"cuda\" for a job with {} {}",
        config.source, device, name("gpus_per_node"), spec.gpus_per_node));
  }
  if (spec.gpus_per_node == 0 && device == "cuda") {
    throw InputError(fmt::format(
        "{}: training.device: found \"cuda\", but the job asks for no GPUs ({} 0); ask for "
        "them with --gpus-per-node",
        config.source, name("gpus_per_node")));
  }
}

}  // namespace vdit::slurm
