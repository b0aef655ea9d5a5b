// TensorBoard event files: CRC32C, TFRecord framing and the Event protobuf, read back in C++ and by
// an independent Python reader.
#include "orchestrator/tensorboard_writer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vdit::orchestrator {
namespace {

namespace fs = std::filesystem;

TEST(Crc32c, MatchesKnownVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  // RFC 3720 (iSCSI) appendix B.4.
  const std::string zeros(32, '\0'), ones(32, '\xff');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
}

TEST(Crc32c, MaskedIsRotatedAndOffset) {
  const uint32_t crc = 0xE3069283u;
  EXPECT_EQ(masked_crc32c("123456789", 9), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

// --- a minimal protobuf and TFRecord reader, independent of the writer's encoder ---

struct Value {
  std::string tag;
  float simple_value = 0;
};

struct Event {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::vector<Value> values;
  int64_t session_status = -1;  // SessionLog.status; -1 when the event has no session_log
  std::string session_message;
};

class ProtoReader {
 public:
  explicit ProtoReader(const std::string& bytes) : bytes_(bytes) {}
  bool done() const { return at_ >= bytes_.size(); }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<uint8_t>(bytes_.at(at_++));
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
  }
  uint64_t fixed(int size) {
    uint64_t value = 0;
    for (int i = 0; i < size; ++i)
      value |= uint64_t{static_cast<uint8_t>(bytes_.at(at_++))} << (8 * i);
    return value;
  }
  std::string bytes() {
    const uint64_t size = varint();
    std::string out = bytes_.substr(at_, size);
    EXPECT_EQ(out.size(), size) << "length-delimited field runs past its message";
    at_ += size;
    return out;
  }

 private:
  std::string bytes_;
  size_t at_ = 0;
};

Value decode_value(const std::string& bytes) {
  Value value;
  ProtoReader reader(bytes);
  while (!reader.done()) {
    const uint64_t key = reader.varint();
    if (key == (1 << 3 | 2)) {
      value.tag = reader.bytes();
    } else if (key == (2 << 3 | 5)) {
      const auto bits = static_cast<uint32_t>(reader.fixed(4));
      std::memcpy(&value.simple_value, &bits, 4);
    } else {
      ADD_FAILURE() << "unexpected Value key " << key;
      break;
    }
  }
  return value;
}

Event decode_event(const std::string& bytes) {
  Event event;
  ProtoReader reader(bytes);
  while (!reader.done()) {
    const uint64_t key = reader.varint();
    if (key == (1 << 3 | 1)) {
      const uint64_t bits = reader.fixed(8);
      std::memcpy(&event.wall_time, &bits, 8);
    } else if (key == (2 << 3 | 0)) {
      event.step = static_cast<int64_t>(reader.varint());
    } else if (key == (3 << 3 | 2)) {
      event.file_version = reader.bytes();
    } else if (key == (5 << 3 | 2)) {
      ProtoReader summary(reader.bytes());
      while (!summary.done()) {
        EXPECT_EQ(summary.varint(), 1u << 3 | 2) << "Summary holds only repeated Value = 1";
        event.values.push_back(decode_value(summary.bytes()));
      }
    } else if (key == (7 << 3 | 2)) {
      ProtoReader session(reader.bytes());
      event.session_status = 0;  // proto3: an absent status is STATUS_UNSPECIFIED
      while (!session.done()) {
        const uint64_t session_key = session.varint();
        if (session_key == (1 << 3 | 0)) {
          event.session_status = static_cast<int64_t>(session.varint());
        } else if (session_key == (3 << 3 | 2)) {
          event.session_message = session.bytes();
        } else {
          ADD_FAILURE() << "unexpected SessionLog key " << session_key;
          break;
        }
      }
    } else {
      ADD_FAILURE() << "unexpected Event key " << key;
      break;
    }
  }
  return event;
}

uint32_t read_u32(const std::string& bytes, size_t at) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= uint32_t{static_cast<uint8_t>(bytes[at + i])} << (8 * i);
  return value;
}

// Every record of the file, with both CRCs checked.
std::vector<Event> read_events(const std::string& path) {
  std::stringstream buffer;
  buffer << std::ifstream(path, std::ios::binary).rdbuf();
  const std::string file = buffer.str();
  std::vector<Event> events;
  size_t at = 0;
  while (at < file.size()) {
    if (file.size() - at < 12) {
      ADD_FAILURE() << "truncated record header at byte " << at;
      break;
    }
    uint64_t length = 0;
    for (int i = 0; i < 8; ++i) length |= uint64_t{static_cast<uint8_t>(file[at + i])} << (8 * i);
    EXPECT_EQ(read_u32(file, at + 8), masked_crc32c(file.data() + at, 8)) << "length CRC at " << at;
    if (file.size() - at - 12 < length + 4) {
      ADD_FAILURE() << "truncated record data at byte " << at;
      break;
    }
    const std::string data = file.substr(at + 12, length);
    EXPECT_EQ(read_u32(file, at + 12 + length), masked_crc32c(data.data(), data.size()))
        << "data CRC at " << at;
    events.push_back(decode_event(data));
    at += 12 + length + 4;
  }
  return events;
}

class TensorBoardWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("vdit_tensorboard_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  // Three steps, the middle one with a negative and a tiny value.
  std::string write_three_steps() {
    TensorBoardWriter writer(folder_.string());
    writer.add_scalars(1, {{"loss/total", 0.75}, {"optim/lr", 3e-4}}, 1700000000.25);
    writer.add_scalars(2, {{"loss/total", -1.5}, {"optim/lr", 1e-30}}, 1700000001.5);
    writer.add_scalars(300000, {{"loss/total", 0.125}, {"optim/lr", 2.0}}, 1700000002.0);
    return writer.path();
  }

  fs::path folder_;
};

TEST_F(TensorBoardWriterTest, FileIsNamedForTensorBoard) {
  const fs::path path = write_three_steps();
  EXPECT_EQ(path.parent_path(), folder_);
  EXPECT_EQ(path.filename().string().rfind("events.out.tfevents.", 0), 0u) << path;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_NE(path.filename().string().find(host), std::string::npos) << path;
}

TEST_F(TensorBoardWriterTest, SecondWriterInTheSameFolderGetsItsOwnFile) {
  const std::string first = write_three_steps();
  const std::string second = write_three_steps();
  EXPECT_NE(first, second);
  EXPECT_EQ(read_events(first).size(), 4u);
  EXPECT_EQ(read_events(second).size(), 4u);
}

TEST_F(TensorBoardWriterTest, RecordsParseBackWithValidCrcs) {
  const std::vector<Event> events = read_events(write_three_steps());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_TRUE(events[0].values.empty());
  EXPECT_GT(events[0].wall_time, 1.6e9);

  EXPECT_EQ(events[1].step, 1);
  EXPECT_DOUBLE_EQ(events[1].wall_time, 1700000000.25);
  ASSERT_EQ(events[1].values.size(), 2u);
  EXPECT_EQ(events[1].values[0].tag, "loss/total");
  EXPECT_EQ(events[1].values[0].simple_value, 0.75f);
  EXPECT_EQ(events[1].values[1].tag, "optim/lr");
  EXPECT_EQ(events[1].values[1].simple_value, 3e-4f);

  EXPECT_EQ(events[2].step, 2);
  EXPECT_EQ(events[2].values[0].simple_value, -1.5f);
  EXPECT_EQ(events[2].values[1].simple_value, 1e-30f);
  EXPECT_EQ(events[3].step, 300000);  // a multi-byte varint
  EXPECT_EQ(events[3].values[0].simple_value, 0.125f);
}

TEST_F(TensorBoardWriterTest, StepMetricsBecomeTaggedScalars) {
  StepMetrics m;
  m.step = 42;
  m.stage = 2;
  m.loss = 0.5;
  m.diffusion_loss = 0.25;
  m.temporal_loss = 0.125;
  m.motion_loss = 0.0625;
  m.perceptual_loss = 0.03125;
  m.grad_norm = 1.5;
  m.lr = 1e-3;
  m.samples_per_second = 12;
  m.tokens_per_second = 4096;
  m.step_seconds = 0.75;
  m.data_wait_percent = 3;
  m.peak_memory_mb = 2048;
  m.mfu = 0.375;
  m.samples_consumed = 640;
  std::string path;
  {
    TensorBoardWriter writer(folder_.string());
    write_step_scalars(writer, m);
    path = writer.path();
  }
  const std::vector<Event> events = read_events(path);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step, 42);
  std::map<std::string, float> values;
  for (const Value& v : events[1].values) values[v.tag] = v.simple_value;
  const std::map<std::string, float> expected = {{"loss/total", 0.5f},
                                                 {"loss/diffusion", 0.25f},
                                                 {"loss/temporal", 0.125f},
                                                 {"loss/motion", 0.0625f},
                                                 {"loss/perceptual", 0.03125f},
                                                 {"optim/grad_norm", 1.5f},
                                                 {"optim/lr", 1e-3f},
                                                 {"throughput/samples_per_second", 12.f},
                                                 {"throughput/tokens_per_second", 4096.f},
                                                 {"time/step_seconds", 0.75f},
                                                 {"time/data_wait_percent", 3.f},
                                                 {"memory/peak_mb", 2048.f},
                                                 {"perf/mfu", 0.375f},
                                                 {"curriculum/stage", 2.f},
                                                 {"curriculum/samples_consumed", 640.f}};
  EXPECT_EQ(values, expected);
}

// An independent reader: framing, masked CRC32C and the protobuf, in Python's standard library.
constexpr const char* kPythonReader = R"PY(
import json, struct, sys

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF

def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

def varint(buf, at):
    value, shift = 0, 0
    while True:
        byte = buf[at]; at += 1
        value |= (byte & 0x7F) << shift; shift += 7
        if not byte & 0x80:
            return value, at

def fields(buf):
    at = 0
    while at < len(buf):
        key, at = varint(buf, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(buf, at)
        elif wire == 1:
            value = buf[at:at + 8]; at += 8
        elif wire == 5:
            value = buf[at:at + 4]; at += 4
        elif wire == 2:
            size, at = varint(buf, at)
            value = buf[at:at + size]; at += size
        else:
            sys.exit("unknown wire type %d" % wire)
        yield number, wire, value

events_path, expected_path = sys.argv[1], sys.argv[2]
data = open(events_path, "rb").read()
events, at = [], 0
while at < len(data):
    header = data[at:at + 8]
    (length,) = struct.unpack("<Q", header)
    (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
    if length_crc != masked(header):
        sys.exit("length CRC mismatch at byte %d" % at)
    payload = data[at + 12:at + 12 + length]
    (data_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
    if len(payload) != length or data_crc != masked(payload):
        sys.exit("data CRC mismatch at byte %d" % at)
    at += 16 + length
    event = {"values": {}}
    for number, wire, value in fields(payload):
        if (number, wire) == (1, 1):
            event["wall_time"] = struct.unpack("<d", value)[0]
        elif (number, wire) == (2, 0):
            event["step"] = value
        elif (number, wire) == (3, 2):
            event["file_version"] = value.decode()
        elif (number, wire) == (5, 2):
            for _, _, summary_value in fields(value):
                parts = {(n, w): v for n, w, v in fields(summary_value)}
                tag = parts[(1, 2)].decode()
                event["values"][tag] = struct.unpack("<f", parts[(2, 5)])[0]
        else:
            sys.exit("unexpected Event field %d wire %d" % (number, wire))
    events.append(event)

expected = json.load(open(expected_path))
if events[0].get("file_version") != "brain.Event:2":
    sys.exit("first record is not file_version brain.Event:2")
if len(events) != 1 + len(expected):
    sys.exit("%d records, expected %d" % (len(events), 1 + len(expected)))
for event, want in zip(events[1:], expected):
    as_float32 = {tag: struct.unpack("<f", struct.pack("<f", v))[0] for tag, v in want["scalars"].items()}
    if event.get("step", 0) != want["step"] or event["values"] != as_float32:
        sys.exit("record mismatch: %r, expected step %r values %r" % (event, want["step"], as_float32))
    if abs(event["wall_time"] - want["wall_time"]) > 1e-6:
        sys.exit("wall_time %r, expected %r" % (event["wall_time"], want["wall_time"]))
)PY";

// Runs the Python reader on `events`; its exit code (0: every record verified and matched).
int python_reader_exit_code(const fs::path& folder, const std::string& events) {
  const fs::path script = folder / "read_events.py";
  const fs::path expected = folder / "expected.json";
  const fs::path log = folder / "python.log";
  std::ofstream(script) << kPythonReader;
  std::ofstream(expected) << nlohmann::json::array(
                                 {{{"step", 1},
                                   {"wall_time", 1700000000.25},
                                   {"scalars", {{"loss/total", 0.75}, {"optim/lr", 3e-4}}}},
                                  {{"step", 2},
                                   {"wall_time", 1700000001.5},
                                   {"scalars", {{"loss/total", -1.5}, {"optim/lr", 1e-30}}}},
                                  {{"step", 300000},
                                   {"wall_time", 1700000002.0},
                                   {"scalars", {{"loss/total", 0.125}, {"optim/lr", 2.0}}}}})
                                 .dump();
  const std::string command = "/usr/bin/python3 " + script.string() + " '" + events + "' " +
                              expected.string() + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  if (status != 0) std::cerr << "python reader: " << output.str() << "\n";
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// TensorBoard purges a run's events with step >= a SessionLog START's step: the resumed writer's
// START at N + 1 drops what a crashed run logged after its checkpoint at step N.
TEST_F(TensorBoardWriterTest, ResumeWritesASessionStartAtTheStepAfterTheCheckpoint) {
  write_three_steps();
  TensorBoardWriter resumed(folder_.string());
  resumed.mark_resume(2, 1700000010.0);
  resumed.add_scalars(3, {{"loss/total", 0.5}}, 1700000011.0);
  const std::vector<Event> events = read_events(resumed.path());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");  // START is read as a restart only in v2
  EXPECT_EQ(events[1].session_status, 1);              // SessionLog.START
  EXPECT_EQ(events[1].step, 3);
  EXPECT_DOUBLE_EQ(events[1].wall_time, 1700000010.0);
  EXPECT_EQ(events[1].session_message, "vdit: resumed after step 2");
  EXPECT_TRUE(events[1].values.empty());
  EXPECT_EQ(events[2].step, 3);
  EXPECT_EQ(events[2].session_status, -1);
}

TEST_F(TensorBoardWriterTest, PythonReaderVerifiesEveryRecord) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  const std::string events = write_three_steps();
  EXPECT_EQ(python_reader_exit_code(folder_, events), 0);
}

TEST_F(TensorBoardWriterTest, PythonReaderRejectsACorruptedByte) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  const std::string events = write_three_steps();
  // Flip one bit inside the last record's data: its CRC no longer matches.
  std::fstream file(events, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(-10, std::ios::end);
  const char byte = static_cast<char>(file.get());
  file.seekp(-10, std::ios::end);
  file.put(static_cast<char>(byte ^ 0x01));
  file.close();
  EXPECT_NE(python_reader_exit_code(folder_, events), 0);
}

}  // namespace
}  // namespace vdit::orchestrator
