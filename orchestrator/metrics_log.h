// Per-step metrics: one JSON object per logged step in metrics.jsonl, and the console line.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace vdit::orchestrator {

struct StepMetrics {
  int64_t step = 0;   // optimizer steps done (1-based after the step)
  int64_t stage = 0;  // 1-based stage number
  std::string stage_name;
  double loss = 0;
  double diffusion_loss = 0;
  double temporal_loss = 0;
  double motion_loss = 0;
  double perceptual_loss = 0;
  double grad_norm = 0;
  double lr = 0;
  double samples_per_second = 0;
  double tokens_per_second = 0;
  double step_seconds = 0;
  double data_wait_percent = 0;
  double peak_memory_mb = 0;  // the largest worker peak (GPU allocator or resident set), MiB
  double mfu = 0;                // model FLOP utilisation in [0, 1]
  int64_t samples_consumed = 0;  // of this stage
  std::string bucket;            // "TxHxW" of the step's global batch
};

class MetricsLog {
 public:
  // Appends to `path` (a resumed run continues the same file).
  explicit MetricsLog(const std::string& path);
  void write(const StepMetrics& metrics);
  // Writes {"resumed_from": step, "checkpoint": from}: the run goes on from the state after
  // `step` steps, so lines already in the file for later steps belong to a history that was
  // abandoned (steps logged after the checkpoint, before a crash) and readers drop them
  // (read_metrics_log). Call it once at start-up, before the first write, whenever the run does
  // not start where the file ends: after a resume, and with step 0 when a run restarts from
  // scratch in a folder that already has a log.
  void mark_resume(int64_t step, const std::string& from);

 private:
  std::string path_;
  std::ofstream out_;
};

// The step of a `resumed_from` line (see MetricsLog::mark_resume), nullopt for any other line.
// InputError naming `where` if the value is not an integer >= 0.
std::optional<int64_t> resumed_from_step(const std::string& line, const std::string& where);

// "stage 2/5 clips | step 40 | loss 0.1234 (diff 0.12 temp 0.01 mot 0.00) | ..."
std::string console_line(const StepMetrics& metrics, int64_t stage_count);

}  // namespace vdit::orchestrator
