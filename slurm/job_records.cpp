#include "slurm/job_records.h"

#include <fmt/core.h>
#include <openssl/evp.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace vdit::slurm {
namespace {

using nlohmann::json;

std::vector<json> read_json_lines(const std::string& path) {
  std::vector<json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

}  // namespace

JobRecords::JobRecords(std::string run_dir) : run_dir_(std::move(run_dir)) {}

void JobRecords::create_folder() const {
  std::error_code error;
  std::filesystem::create_directories(folder(), error);
  if (error) {
    throw RuntimeError(fmt::format("{}: cannot create the folder: {}", folder(), error.message()));
  }
}

void JobRecords::append_line(const std::string& path, const std::string& line) const {
  create_folder();
  // One write of a whole line in append mode: concurrent writers interleave lines, not bytes.
  std::ofstream out(path, std::ios::app);
  out << line + "\n";
  out.flush();
  if (!out) throw RuntimeError(fmt::format("{}: cannot append a record", path));
}

void JobRecords::append_job(const SubmittedJob& job) const {
  const json line = {{"job_id", job.job_id},
                     {"chain", job.chain},
                     {"kind", job.kind},
                     {"submitted_at", job.submitted_at},
                     {"script_sha256", job.script_sha256}};
  append_line(jobs_path(), line.dump());
}

void JobRecords::append_event(const JobEvent& event) const {
  json line = {{"job_id", event.job_id},       {"start", event.start},
               {"chain", event.chain},         {"at", event.at},
               {"exit_code", event.exit_code}, {"outcome", event.outcome},
               {"stop_kind", event.stop_kind}, {"counted", event.counted},
               {"path", event.path},           {"message", event.message}};
  if (event.continuation_job_id != 0) line["continuation_job_id"] = event.continuation_job_id;
  append_line(events_path(), line.dump());
}

void JobRecords::mark_cancelled(const std::vector<int64_t>& job_ids) const {
  for (const int64_t id : job_ids) append_line(cancelled_path(), std::to_string(id));
}

std::vector<SubmittedJob> JobRecords::jobs() const {
  std::vector<SubmittedJob> jobs;
  for (const json& line : read_json_lines(jobs_path())) {
    SubmittedJob job;
    job.job_id = line.value("job_id", int64_t{0});
    if (job.job_id <= 0) continue;
    job.chain = line.value("chain", job.job_id);
    job.kind = line.value("kind", std::string("submit"));
    job.submitted_at = line.value("submitted_at", std::string());
    job.script_sha256 = line.value("script_sha256", std::string());
    jobs.push_back(job);
  }
  return jobs;
}

std::vector<JobEvent> JobRecords::events() const {
  std::vector<JobEvent> events;
  for (const json& line : read_json_lines(events_path())) {
    JobEvent event;
    event.job_id = line.value("job_id", int64_t{0});
    event.start = line.value("start", int64_t{0});
    event.chain = line.value("chain", int64_t{0});
    event.at = line.value("at", std::string());
    event.exit_code = line.value("exit_code", 0);
    event.outcome = line.value("outcome", std::string());
    event.stop_kind = line.value("stop_kind", std::string());
    event.counted = line.value("counted", false);
    event.path = line.value("path", std::string());
    event.continuation_job_id = line.value("continuation_job_id", int64_t{0});
    event.message = line.value("message", std::string());
    events.push_back(event);
  }
  return events;
}

std::set<int64_t> JobRecords::cancelled() const {
  std::set<int64_t> ids;
  std::ifstream in(cancelled_path());
  for (int64_t id; in >> id;) ids.insert(id);
  return ids;
}

int64_t JobRecords::counted_requeues(int64_t chain) const {
  std::set<std::pair<int64_t, int64_t>> starts;
  for (const JobEvent& event : events()) {
    if (event.chain == chain && event.counted) starts.insert({event.job_id, event.start});
  }
  return static_cast<int64_t>(starts.size());
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw RuntimeError("SHA-256 of the job script failed (OpenSSL EVP_Digest)");
  }
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace vdit::slurm
