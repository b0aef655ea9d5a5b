// The vdit subcommands. Each takes the arguments after its name and returns a process exit code;
// errors are thrown as vdit::InputError / vdit::RuntimeError and mapped to exit codes by main().
#pragma once

#include <string>
#include <vector>

namespace vdit::cli {

using Args = std::vector<std::string>;

int run_train(const Args& args);   // cli/train_command.cpp
int run_sample(const Args& args);  // cli/sample_command.cpp
int run_data(const Args& args);    // cli/data_command.cpp: synth | pack | inspect
int run_ckpt(const Args& args);    // cli/ckpt_command.cpp: inspect | export
int run_plot(const Args& args);    // cli/plot_command.cpp: metrics.jsonl -> SVG
int run_eval(const Args& args);    // cli/eval_command.cpp: fd | fid | kid | fvd | clip | stats
int run_eval_sweep(const Args& args);  // cli/eval_sweep_command.cpp: vdit eval RUN
int run_submit(const Args& args);  // cli/submit_command.cpp: write + sbatch a training job
int run_status(const Args& args);  // cli/status_command.cpp: a run's Slurm jobs and progress
int run_cancel(const Args& args);  // cli/cancel_command.cpp: scancel a run's jobs
int run_slurm(const Args& args);   // cli/slurm_command.cpp: task | finish (job script steps)

}  // namespace vdit::cli
