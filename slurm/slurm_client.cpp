#include "slurm/slurm_client.h"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace vdit::slurm {
namespace {

using nlohmann::json;

// 22.05: 1796164818. Later: {"set": true, "infinite": false, "number": 1796164818}.
int64_t number_of(const json& job, const char* key) {
  const auto found = job.find(key);
  if (found == job.end() || found->is_null()) return 0;
  if (found->is_number()) return found->get<int64_t>();
  if (found->is_object() && found->value("set", false) && !found->value("infinite", false)) {
    return found->value("number", int64_t{0});
  }
  return 0;
}

// 22.05: "RUNNING". Later: ["RUNNING", "REQUEUED"].
std::string text_of(const json& job, const char* key) {
  const auto found = job.find(key);
  if (found == job.end() || found->is_null()) return "";
  if (found->is_string()) return found->get<std::string>();
  if (found->is_array()) {
    std::string joined;
    for (const auto& item : *found) {
      if (item.is_string()) joined += (joined.empty() ? "" : "+") + item.get<std::string>();
    }
    return joined;
  }
  return "";
}

std::string job_list(const std::vector<int64_t>& job_ids) {
  std::string list;
  for (const int64_t id : job_ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  return list;
}

}  // namespace

std::vector<JobInfo> parse_squeue_json(const std::string& text) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object() || !root.contains("jobs") || !root["jobs"].is_array()) {
    throw RuntimeError(fmt::format("squeue --json: expected an object with \"jobs\", got: {}",
                                   text.substr(0, 200)));
  }
  std::vector<JobInfo> jobs;
  for (const json& job : root["jobs"]) {
    JobInfo info;
    info.job_id = number_of(job, "job_id");
    info.name = text_of(job, "name");
    info.state = text_of(job, "job_state");
    info.reason = text_of(job, "state_reason");
    info.restarts = number_of(job, "restart_cnt");
    info.submit_time = number_of(job, "submit_time");
    info.start_time = number_of(job, "start_time");
    info.end_time = number_of(job, "end_time");
    info.time_limit_min = number_of(job, "time_limit");
    jobs.push_back(info);
  }
  return jobs;
}

std::vector<JobInfo> parse_sacct_lines(const std::string& text) {
  std::vector<JobInfo> jobs;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, '|');) fields.push_back(field);
    if (fields.size() < 4) continue;
    JobInfo info;
    try {
      info.job_id = std::stoll(fields[0]);
    } catch (const std::exception&) {
      continue;
    }
    info.name = fields[1];
    info.state = fields[2];
    info.elapsed = fields[3];
    if (fields.size() > 4) info.reason = fields[4];
    jobs.push_back(info);
  }
  return jobs;
}

std::string elapsed_of(const JobInfo& job, int64_t now) {
  if (!job.elapsed.empty()) return job.elapsed;
  if (job.start_time <= 0 || job.start_time > now) return "";
  const bool running = job.state.find("RUNNING") != std::string::npos ||
                       job.state.find("COMPLETING") != std::string::npos;
  const int64_t until = running || job.end_time <= 0 ? now : std::min(job.end_time, now);
  const int64_t seconds = std::max<int64_t>(until - job.start_time, 0);
  return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

std::optional<int64_t> parse_sbatch_job_id(const std::string& out) {
  std::string first = out.substr(0, out.find_first_of(";\n"));
  while (!first.empty() && (first.back() == '\r' || first.back() == ' ')) first.pop_back();
  if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos ||
      first.size() > 18) {
    return std::nullopt;
  }
  return std::stoll(first);
}

std::vector<JobInfo> query_jobs(const std::vector<int64_t>& job_ids) {
  if (job_ids.empty()) return {};
  const CommandResult result = run_command({"squeue", {"--json"}});
  if (!result.ok()) {
    throw RuntimeError(fmt::format("squeue --json failed (exit {}): {}", result.exit_code,
                                   result.message()));
  }
  std::vector<JobInfo> wanted;
  for (const JobInfo& job : parse_squeue_json(result.out)) {
    if (std::find(job_ids.begin(), job_ids.end(), job.job_id) != job_ids.end())
      wanted.push_back(job);
  }
  return wanted;
}

std::optional<std::vector<JobInfo>> query_accounting(const std::vector<int64_t>& job_ids) {
  if (job_ids.empty()) return std::vector<JobInfo>{};
  CommandResult result;
  try {
    result = run_command({"sacct",
                          {"-n", "-P", "-X", "-j", job_list(job_ids), "-o",
                           "JobIDRaw,JobName,State,Elapsed,Reason"}});
  } catch (const RuntimeError&) {
    return std::nullopt;  // no sacct on PATH
  }
  if (!result.ok()) return std::nullopt;  // "Slurm accounting storage is disabled", or down
  return parse_sacct_lines(result.out);
}

int64_t submit_batch(const std::string& script, const std::string& working_dir,
                     const std::vector<std::string>& extra_args,
                     const std::map<std::string, std::optional<std::string>>& environment) {
  Command command;
  command.environment = environment;
  command.program = "sbatch";
  command.args = {"--parsable"};
  command.args.insert(command.args.end(), extra_args.begin(), extra_args.end());
  command.args.push_back(script);
  command.working_dir = working_dir;
  const CommandResult result = run_command(command);
  if (!result.ok()) {
    throw RuntimeError(fmt::format("{} failed (exit {}): {}", describe(command), result.exit_code,
                                   result.message()));
  }
  const auto job_id = parse_sbatch_job_id(result.out);
  if (!job_id) {
    throw RuntimeError(fmt::format("{}: expected a job id, sbatch printed: {}", describe(command),
                                   result.message()));
  }
  return *job_id;
}

}  // namespace vdit::slurm
