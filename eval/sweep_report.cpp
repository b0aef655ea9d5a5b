#include "eval/sweep_report.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "orchestrator/metrics_plot.h"

namespace vdit::eval {
namespace {

namespace fs = std::filesystem;

constexpr size_t kGifsPerCheckpoint = 8;


std::string base64(const std::string& bytes) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rows of one metric ordered by step; the last row for a checkpoint wins (a rescored one).
std::vector<SweepRow> rows_of(const std::vector<SweepRow>& rows, const std::string& metric) {
  std::map<int64_t, SweepRow> by_step;
  for (const SweepRow& row : rows) {
    if (row.metric == metric) by_step[row.step] = row;
  }
  std::vector<SweepRow> out;
  for (auto& [step, row] : by_step) out.push_back(row);
  return out;
}

std::set<std::string> metrics_of(const std::vector<SweepRow>& rows) {
  std::set<std::string> metrics;
  for (const SweepRow& row : rows) metrics.insert(row.metric);
  return metrics;
}

}  // namespace

std::vector<std::string> write_metric_plots(const std::string& eval_dir,
                                            const std::vector<SweepRow>& rows) {
  std::vector<std::string> written;
  fs::create_directories(eval_dir + "/plots");
  for (const std::string& metric : metrics_of(rows)) {
    std::vector<orchestrator::StepValue> values;
    for (const SweepRow& row : rows_of(rows, metric)) {
      values.push_back({row.step, row.stage, fmt::format("stage {}", row.stage), row.value});
    }
    const std::string path = eval_dir + "/plots/" + metric + ".svg";
    std::ofstream(path) << orchestrator::step_values_svg(
        values, fmt::format("{} per checkpoint ({})", metric, values.back().step), metric);
    written.push_back(path);
  }
  return written;
}

void write_sweep_report(const std::string& eval_dir, const std::vector<SweepRow>& rows,
                        const std::vector<std::string>& notes) {
  const std::vector<std::string> plots = write_metric_plots(eval_dir, rows);
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vdit eval</title>\n"
      "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse} "
      "td,th{border:1px solid #ccc;padding:4px 8px} .note{color:#a40} "
      "img{image-rendering:pixelated;width:128px;margin:2px}</style></head><body>\n"
      "<h1>Evaluation</h1>\n";
  for (const auto& note : notes) html += "<p class=\"note\">" + orchestrator::escape_xml(note) + "</p>\n";
  html +=
      "<table><tr><th>checkpoint</th><th>step</th><th>stage</th><th>metric</th>"
      "<th>value</th><th>N</th><th>protocol</th><th>detector</th></tr>\n";
  for (const SweepRow& row : rows) {
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.6g}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        orchestrator::escape_xml(row.checkpoint), row.step, row.stage, orchestrator::escape_xml(row.metric), row.value,
        row.count, orchestrator::escape_xml(row.protocol), orchestrator::escape_xml(row.detector));
  }
  html += "</table>\n<h2>Metrics against step</h2>\n";
  for (const std::string& plot : plots) {
    std::string svg = read_file(plot);
    const size_t start = svg.find("<svg");  // inline: drop the XML declaration
    html += "<div>" + (start == std::string::npos ? svg : svg.substr(start)) + "</div>\n";
  }
  html += "<h2>Samples</h2>\n";
  std::set<std::string> shown;
  for (const SweepRow& row : rows) {
    if (!shown.insert(row.checkpoint).second) continue;
    const std::string folder = eval_dir + "/samples/" + row.checkpoint;
    std::vector<std::string> gifs;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      if (entry.path().extension() == ".gif") gifs.push_back(entry.path().string());
    }
    std::sort(gifs.begin(), gifs.end());
    if (gifs.size() > kGifsPerCheckpoint) gifs.resize(kGifsPerCheckpoint);
    html += fmt::format("<h3>{} (step {})</h3>\n<div>", orchestrator::escape_xml(row.checkpoint), row.step);
    for (const auto& gif : gifs) {
      html += "<img alt=\"" + orchestrator::escape_xml(fs::path(gif).filename().string()) +
              "\" src=\"data:image/gif;base64," + base64(read_file(gif)) + "\">";
    }
    html += "</div>\n";
  }
  html += "</body></html>\n";
  const std::string path = eval_dir + "/report.html";
  std::ofstream out(path + ".partial");
  out << html;
  out.close();
  if (!out) throw RuntimeError(fmt::format("{}: cannot write the report", path));
  fs::rename(path + ".partial", path);
}

}  // namespace vdit::eval
