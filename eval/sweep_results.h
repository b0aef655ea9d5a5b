// The rows of a checkpoint sweep: RUN/eval/results.jsonl (the record) and results.csv (a copy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::eval {

struct SweepRow {
  std::string checkpoint;  // the step folder's name, "step_000000200"
  int64_t step = 0;
  int64_t stage = 0;
  std::string metric;  // fid, fvd, kid, clip_score
  double value = 0;
  int64_t count = 0;     // N: generated samples scored
  std::string protocol;  // preset / convention, and the sample count's warning if any
  std::string detector;  // checksum of the detector file
};

// Every row of results.jsonl; none if the file does not exist. A line that does not parse (a
// sweep killed mid-write) is skipped with a line in `warnings`.
std::vector<SweepRow> read_sweep_rows(const std::string& jsonl_path,
                                      std::vector<std::string>& warnings);

// Appends `rows` to eval_dir/results.jsonl, then rewrites eval_dir/results.csv from every row
// (written aside and renamed, so the CSV never holds a torn line or a duplicate).
void append_sweep_rows(const std::string& eval_dir, const std::vector<SweepRow>& rows);

// "a,b" -> "\"a,b\"": a CSV field, quoted when it holds a comma, quote or newline.
std::string csv_field(const std::string& text);

}  // namespace vdit::eval
