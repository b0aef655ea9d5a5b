// The coordinator's pre-flight: before any worker allocates a model, every curriculum stage is
// checked against the shards, the model and the mesh, and every problem is reported at once.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace vdit::orchestrator {

// What the pre-flight found: one line per problem, each naming the stage, the bucket or file,
// the field, the value found and the value expected; and one summary line per stage.
struct PreflightReport {
  std::vector<std::string> problems;
  std::vector<std::string> stages;  // "stage 2/5 \"short\": up to 400 steps ..., buckets 4x32x32 (200 samples)"
  // What the shards record about the networks they were packed with (empty when nothing): the
  // run stores them as model.vae_checksum / model.text_encoder_checksum.
  std::string vae_checksum;
  std::string text_encoder_checksum;
  bool ok() const { return problems.empty(); }
  // Every problem on its own line, under a heading that counts them (for an InputError).
  std::string describe_problems() const;
};

// Reads the headers of `shards` (and, for caption ids, every id: the range is checked against
// the model's vocabulary) once. `config` is validated, with its stages resolved. Checks per stage:
// eligible buckets (frames, resolutions, at least one global batch of samples), global batch vs
// parallel.dp, tokens per clip vs parallel.sp, and the caption condition the model needs (ids:
// present, caption_length, id range; embeddings: present, length, width).
PreflightReport run_preflight(const RunConfig& config, const std::vector<std::string>& shards);

}  // namespace vdit::orchestrator
