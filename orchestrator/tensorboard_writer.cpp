#include "orchestrator/tensorboard_writer.h"

#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <boost/crc.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace vdit::orchestrator {

namespace {

// CRC-32C (Castagnoli), as TFRecord framing uses it: polynomial 0x1EDC6F41, reflected in and out,
// initial value and final XOR all ones.
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

// Protobuf wire format, just what Event/Summary/Value need
// (https://protobuf.dev/programming-guides/encoding/).
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_key(std::string& out, uint32_t field, WireType type) {
  put_varint(out, field << 3 | type);
}

void put_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(value >> (8 * i) & 0xFF));
}

void put_double(std::string& out, uint32_t field, double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed64);
  put_little_endian(out, bits, 8);
}

void put_float(std::string& out, uint32_t field, float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed32);
  put_little_endian(out, bits, 4);
}

// int64 is a plain varint: a negative value takes ten bytes (two's complement).
void put_int64(std::string& out, uint32_t field, int64_t value) {
  put_key(out, field, kVarint);
  put_varint(out, static_cast<uint64_t>(value));
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

// tensorflow.Event fields (tensorflow/core/util/event.proto).
constexpr uint32_t kEventWallTime = 1;
constexpr uint32_t kEventStep = 2;
constexpr uint32_t kEventFileVersion = 3;
constexpr uint32_t kEventSummary = 5;
constexpr uint32_t kEventSessionLog = 7;
// tensorflow.SessionLog (tensorflow/core/util/event.proto).
constexpr uint32_t kSessionLogStatus = 1;
constexpr uint32_t kSessionLogMessage = 3;
constexpr int64_t kSessionLogStart = 1;
// tensorflow.Summary (tensorflow/core/framework/summary.proto).
constexpr uint32_t kSummaryValue = 1;
constexpr uint32_t kValueTag = 1;
constexpr uint32_t kValueSimpleValue = 2;

std::string event_header(double wall_time, int64_t step) {
  std::string event;
  put_double(event, kEventWallTime, wall_time);
  put_int64(event, kEventStep, step);
  return event;
}

std::string hostname() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  return name.data();
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  Crc32c crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

uint32_t masked_crc32c(const void* data, size_t size) {
  const uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

TensorBoardWriter::TensorBoardWriter(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw RuntimeError(
        fmt::format("{}: cannot create the TensorBoard folder: {}", folder, error.message()));
  }
  // A second writer in the same second (a quick resume) gets its own file rather than
  // truncating the first: TensorBoard reads every *tfevents* file in the folder.
  const std::string base = fmt::format("{}/events.out.tfevents.{}.{}", folder,
                                       static_cast<int64_t>(unix_time_now()), hostname());
  path_ = base;
  for (int copy = 1; fs::exists(path_); ++copy) path_ = fmt::format("{}.{}", base, copy);
  out_.open(path_, std::ios::binary);
  if (!out_) throw RuntimeError(fmt::format("{}: cannot open the TensorBoard event file", path_));

  std::string version = event_header(unix_time_now(), 0);
  put_bytes(version, kEventFileVersion, "brain.Event:2");
  write_record(version);
  flush();
}

void TensorBoardWriter::add_scalars(int64_t step,
                                    const std::vector<std::pair<std::string, double>>& scalars,
                                    double wall_time) {
  std::string summary;
  for (const auto& [tag, value] : scalars) {
    std::string summary_value;
    put_bytes(summary_value, kValueTag, tag);
    put_float(summary_value, kValueSimpleValue, static_cast<float>(value));
    put_bytes(summary, kSummaryValue, summary_value);
  }
  std::string event = event_header(wall_time, step);
  put_bytes(event, kEventSummary, summary);
  write_record(event);
  flush();
}

void TensorBoardWriter::mark_resume(int64_t step, double wall_time) {
  std::string session_log;
  put_int64(session_log, kSessionLogStatus, kSessionLogStart);
  put_bytes(session_log, kSessionLogMessage, fmt::format("vdit: resumed after step {}", step));
  std::string event = event_header(wall_time, step + 1);
  put_bytes(event, kEventSessionLog, session_log);
  write_record(event);
  flush();
}

void TensorBoardWriter::flush() {
  out_.flush();
  if (!out_) throw RuntimeError(fmt::format("{}: cannot write the TensorBoard event file", path_));
}

void TensorBoardWriter::write_record(const std::string& event) {
  std::string length;
  put_little_endian(length, event.size(), 8);
  std::string record = length;
  put_little_endian(record, masked_crc32c(length.data(), length.size()), 4);
  record += event;
  put_little_endian(record, masked_crc32c(event.data(), event.size()), 4);
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
}

double unix_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::pair<std::string, double>> step_scalars(const StepMetrics& m) {
  return {
      {"loss/total", m.loss},
      {"loss/diffusion", m.diffusion_loss},
      {"loss/temporal", m.temporal_loss},
      {"loss/motion", m.motion_loss},
      {"loss/perceptual", m.perceptual_loss},
      {"optim/grad_norm", m.grad_norm},
      {"optim/lr", m.lr},
      {"throughput/samples_per_second", m.samples_per_second},
      {"throughput/tokens_per_second", m.tokens_per_second},
      {"time/step_seconds", m.step_seconds},
      {"time/data_wait_percent", m.data_wait_percent},
      {"memory/peak_mb", m.peak_memory_mb},
      {"perf/mfu", m.mfu},
      {"curriculum/stage", static_cast<double>(m.stage)},
      {"curriculum/samples_consumed", static_cast<double>(m.samples_consumed)},
  };
}

void write_step_scalars(TensorBoardWriter& writer, const StepMetrics& metrics) {
  writer.add_scalars(metrics.step, step_scalars(metrics), unix_time_now());
}

}  // namespace vdit::orchestrator
