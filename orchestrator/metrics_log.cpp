#include "orchestrator/metrics_log.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace vdit::orchestrator {

MetricsLog::MetricsLog(const std::string& path) : path_(path), out_(path, std::ios::app) {
  if (!out_) throw RuntimeError(fmt::format("{}: cannot open the metrics log", path));
}

void MetricsLog::write(const StepMetrics& m) {
  const nlohmann::json line = {
      {"step", m.step},
      {"stage", m.stage},
      {"stage_name", m.stage_name},
      {"loss", m.loss},
      {"diffusion_loss", m.diffusion_loss},
      {"temporal_loss", m.temporal_loss},
      {"motion_loss", m.motion_loss},
      {"perceptual_loss", m.perceptual_loss},
      {"grad_norm", m.grad_norm},
      {"lr", m.lr},
      {"samples_per_second", m.samples_per_second},
      {"tokens_per_second", m.tokens_per_second},
      {"step_seconds", m.step_seconds},
      {"data_wait_percent", m.data_wait_percent},
      {"peak_memory_mb", m.peak_memory_mb},
      {"mfu", m.mfu},
      {"samples_consumed", m.samples_consumed},
      {"bucket", m.bucket},
  };
  out_ << line.dump() << "\n";
  out_.flush();
  if (!out_) throw RuntimeError(fmt::format("{}: cannot write the metrics log", path_));
}

void MetricsLog::mark_resume(int64_t step, const std::string& from) {
  out_ << nlohmann::json{{"resumed_from", step}, {"checkpoint", from}}.dump() << "\n";
  out_.flush();
  if (!out_) throw RuntimeError(fmt::format("{}: cannot write the metrics log", path_));
}

std::optional<int64_t> resumed_from_step(const std::string& line, const std::string& where) {
  // Step lines are the common case: skip the JSON parse when the key cannot be there.
  if (line.find("\"resumed_from\"") == std::string::npos) return std::nullopt;
  const nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!row.is_object() || !row.contains("resumed_from")) return std::nullopt;
  const nlohmann::json& step = row["resumed_from"];
  if (!step.is_number_integer() || step.get<int64_t>() < 0) {
    throw InputError(
        fmt::format("{}: resumed_from is {}, expected an integer step >= 0", where, step.dump()));
  }
  return step.get<int64_t>();
}

std::string console_line(const StepMetrics& m, int64_t stage_count) {
  return fmt::format(
      "stage {}/{} {:<8} | step {:>6} | loss {:.4f} (diff {:.4f} temp {:.4f} mot {:.4f}) | gnorm "
      "{:.3f} | "
      "lr {:.2e} | {:.1f} samples/s {:.0f} tok/s | step {:.3f}s | data wait {:.1f}% | mem {:.0f} "
      "MB | MFU {:.2f}% | {}",
      m.stage, stage_count, m.stage_name, m.step, m.loss, m.diffusion_loss, m.temporal_loss,
      m.motion_loss, m.grad_norm, m.lr, m.samples_per_second, m.tokens_per_second, m.step_seconds,
      m.data_wait_percent, m.peak_memory_mb, 100 * m.mfu, m.bucket);
}

}  // namespace vdit::orchestrator
