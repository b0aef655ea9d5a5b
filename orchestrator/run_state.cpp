#include "orchestrator/run_state.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace vdit::orchestrator {

std::string run_state_json(const CurriculumPosition& p, int64_t dp, int64_t sp, int64_t tp) {
  return nlohmann::json{{"stage", p.stage},
                        {"step", p.step},
                        {"stage_step", p.stage_step},
                        {"samples_consumed", p.samples_consumed},
                        {"smoothed_loss", p.smoothed_loss},
                        {"best_loss", p.best_loss},
                        {"steps_since_best", p.steps_since_best},
                        {"mesh", {{"dp", dp}, {"sp", sp}, {"tp", tp}}}}
      .dump();
}

CurriculumPosition parse_run_state(const std::string& json_text, const std::string& source) {
  try {
    const auto json = nlohmann::json::parse(json_text);
    CurriculumPosition p;
    p.stage = json.at("stage").get<int64_t>();
    p.step = json.at("step").get<int64_t>();
    p.stage_step = json.at("stage_step").get<int64_t>();
    p.samples_consumed = json.at("samples_consumed").get<int64_t>();
    p.smoothed_loss = json.at("smoothed_loss").get<double>();
    p.best_loss = json.at("best_loss").get<double>();
    p.steps_since_best = json.at("steps_since_best").get<int64_t>();
    return p;
  } catch (const nlohmann::json::exception& error) {
    throw InputError(fmt::format("{}: manifest state: {}", source, error.what()));
  }
}

}  // namespace vdit::orchestrator
