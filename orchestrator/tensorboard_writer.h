// TensorBoard event files (scalar summaries) written without TensorFlow: `tensorboard --logdir`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/metrics_log.h"

namespace vdit::orchestrator {

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord framing uses it.
uint32_t crc32c(const void* data, size_t size);

// The CRC as stored in a TFRecord: rotated and offset so that a CRC of bytes that embed CRCs
// does not collapse: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t masked_crc32c(const void* data, size_t size);

// One events.out.tfevents.<unix time>.<hostname> file in `folder`. Each record is
//   uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes |
//   `length` bytes: a serialized tensorflow.Event | uint32 masked CRC32C of them.
// The first record carries file_version "brain.Event:2"; every add_scalars() writes one Event
// with a Summary of simple_value scalars and flushes, so TensorBoard sees each step as it lands.
class TensorBoardWriter {
 public:
  // Creates `folder` if missing. Throws RuntimeError if the file cannot be opened.
  explicit TensorBoardWriter(const std::string& folder);
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;
  TensorBoardWriter(TensorBoardWriter&&) = default;
  TensorBoardWriter& operator=(TensorBoardWriter&&) = default;

  // `wall_time` in seconds since the Unix epoch. TensorBoard stores values as float32.
  void add_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& scalars,
                   double wall_time);
  // Writes an Event with session_log {status: START} at step `step` + 1. TensorBoard reads a
  // "brain.Event:2" file's START as a restart and purges every event of the run (in this and
  // the older files of the folder) with a step >= the START's step, so the steps a crashed run
  // logged after its checkpoint are dropped and the resumed run draws one line. Call it once,
  // before the first add_scalars, when the run goes on from the state after `step` steps (0
  // for a restart from scratch).
  void mark_resume(int64_t step, double wall_time);
  void flush();

  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

// Seconds since the Unix epoch, for add_scalars().
double unix_time_now();

// Every numeric field of `metrics` as a TensorBoard tag: "loss/total", "optim/lr", ...
std::vector<std::pair<std::string, double>> step_scalars(const StepMetrics& metrics);

// Writes step_scalars(metrics) at metrics.step, stamped with the current time.
void write_step_scalars(TensorBoardWriter& writer, const StepMetrics& metrics);

}  // namespace vdit::orchestrator
