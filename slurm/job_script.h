// The sbatch script of a training job: slurm/job.sbatch.in with a JobSpec's values filled in.
#pragma once

#include <map>
#include <string>

#include "slurm/job_spec.h"

namespace vdit::slurm {

// Where the job finds vdit and the run: absolute paths, any bytes (they are shell-quoted).
struct JobPaths {
  std::string vdit_binary;
  std::string config;   // the resolved config in the run folder
  std::string run_dir;
};

// "vdit-<run folder name>" with every character outside [A-Za-z0-9._-] replaced by '_' (a job name
// lands in a #SBATCH line, which no quoting protects).
std::string job_name_for(const std::string& run_dir);

// The script text. Values in #SBATCH lines were validated by resolve_job_spec; every value in the
// shell body is shell-quoted.
std::string render_job_script(const JobSpec& spec, const JobPaths& paths);

// Replaces each {{name}} in `text` with values.at(name). InputError-free: a placeholder without a
// value, or a value no placeholder uses, is a bug in vdit and throws RuntimeError.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values);

}  // namespace vdit::slurm
