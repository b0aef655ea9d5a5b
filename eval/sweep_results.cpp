#include "eval/sweep_results.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace vdit::eval {
namespace {

nlohmann::json to_json(const SweepRow& row) {
  return {{"checkpoint", row.checkpoint}, {"step", row.step},        {"stage", row.stage},
          {"metric", row.metric},         {"value", row.value},      {"N", row.count},
          {"protocol", row.protocol},     {"detector", row.detector}};
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::vector<SweepRow> read_sweep_rows(const std::string& jsonl_path,
                                      std::vector<std::string>& warnings) {
  std::vector<SweepRow> rows;
  std::ifstream in(jsonl_path);
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    try {
      if (!json.is_object()) throw std::runtime_error("not a JSON object");
      SweepRow row;
      row.checkpoint = json.at("checkpoint").get<std::string>();
      row.step = json.at("step").get<int64_t>();
      row.stage = json.at("stage").get<int64_t>();
      row.metric = json.at("metric").get<std::string>();
      row.value = json.at("value").is_null() ? std::nan("") : json.at("value").get<double>();
      row.count = json.at("N").get<int64_t>();
      row.protocol = json.at("protocol").get<std::string>();
      row.detector = json.at("detector").get<std::string>();
      rows.push_back(std::move(row));
    } catch (const std::exception& error) {
      warnings.push_back(fmt::format("{}: line {} skipped ({}); its checkpoint is scored again",
                                     jsonl_path, number, error.what()));
    }
  }
  return rows;
}

void append_sweep_rows(const std::string& eval_dir, const std::vector<SweepRow>& rows) {
  std::filesystem::create_directories(eval_dir);
  const std::string jsonl = eval_dir + "/results.jsonl";
  {
    std::ofstream out(jsonl, std::ios::app);
    for (const SweepRow& row : rows) out << to_json(row).dump() << "\n";
    out.flush();
    if (!out) throw RuntimeError(fmt::format("{}: cannot append the results", jsonl));
  }
  std::vector<std::string> ignored;
  const std::vector<SweepRow> all = read_sweep_rows(jsonl, ignored);
  const std::string csv = eval_dir + "/results.csv";
  {
    std::ofstream out(csv + ".partial");
    out << "checkpoint,step,stage,metric,value,N,protocol,detector\n";
    for (const SweepRow& row : all) {
      out << fmt::format("{},{},{},{},{:.10g},{},{},{}\n", csv_field(row.checkpoint), row.step,
                         row.stage, row.metric, row.value, row.count, csv_field(row.protocol),
                         csv_field(row.detector));
    }
    if (!out) throw RuntimeError(fmt::format("{}: cannot write", csv));
  }
  std::filesystem::rename(csv + ".partial", csv);
}

}  // namespace vdit::eval
