// The job script template slurm/job.sbatch.in, compiled into the binary (see CMakeLists.txt).
#pragma once

namespace vdit::slurm {

// The text of slurm/job.sbatch.in: bash with {{name}} placeholders (see job_script.h).
const char* job_script_template();

}  // namespace vdit::slurm
