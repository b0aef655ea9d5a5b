// The coordinator's state in a checkpoint manifest ("state"): curriculum position and mesh, as
// JSON.
#pragma once

#include <string>

#include "orchestrator/curriculum.h"

namespace vdit::orchestrator {

std::string run_state_json(const CurriculumPosition& position, int64_t dp, int64_t sp, int64_t tp);

// Throws InputError naming `source` and the missing/mistyped field.
CurriculumPosition parse_run_state(const std::string& json_text, const std::string& source);

}  // namespace vdit::orchestrator
