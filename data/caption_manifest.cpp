#include "data/caption_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

#include "core/error.h"

namespace vdit::data {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(fmt::format("cannot open {} {}", what, path.string()));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string trim(const std::string& text) {
  const char* space = " \t\r\n";
  const size_t first = text.find_first_not_of(space);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

// The key under which a video's caption is stored: relative paths resolved against `base`.
std::string path_key(const fs::path& path, const fs::path& base) {
  const fs::path resolved = path.is_absolute() ? path : base / path;
  return resolved.lexically_normal().string();
}

struct Entry {
  std::string path;
  std::string caption;
  int line = 0;
};

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // where the record starts
};

// RFC 4180 CSV: fields split by commas, records by newlines (CRLF too); a field in double quotes
// may hold commas, newlines and "" for one quote. Blank lines are skipped.
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& path) {
  std::vector<CsvRecord> records;
  CsvRecord record{{}, 1};
  std::string field;
  bool in_quotes = false;
  bool field_was_quoted = false;
  int line = 1;
  int quote_line = 0;
  auto end_field = [&] {
    record.fields.push_back(field_was_quoted ? field : trim(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = record.fields.size() == 1 && record.fields[0].empty();
    if (!blank) records.push_back(std::move(record));
    record = CsvRecord{{}, line + 1};
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      in_quotes = true;
      field_was_quoted = true;
      field.clear();
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_record();
      ++line;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (in_quotes) {
    throw InputError(fmt::format("{}:{}: quoted field is never closed", path, quote_line));
  }
  end_record();
  return records;
}

std::vector<Entry> read_csv(const std::string& path) {
  std::vector<CsvRecord> records = parse_csv(read_text(path, "caption manifest"), path);
  size_t path_column = 0;
  size_t caption_column = 1;
  size_t first_row = 0;
  if (!records.empty()) {
    const std::vector<std::string>& header = records[0].fields;
    const auto path_it = std::find(header.begin(), header.end(), "path");
    const auto caption_it = std::find(header.begin(), header.end(), "caption");
    if (path_it != header.end() && caption_it != header.end()) {
      path_column = static_cast<size_t>(path_it - header.begin());
      caption_column = static_cast<size_t>(caption_it - header.begin());
      first_row = 1;
    }
  }
  const size_t needed = std::max(path_column, caption_column) + 1;
  std::vector<Entry> entries;
  for (size_t i = first_row; i < records.size(); ++i) {
    const CsvRecord& record = records[i];
    if (record.fields.size() < needed) {
      throw InputError(fmt::format("{}:{}: expected {} fields (path,caption), found {}", path,
                                   record.line, needed, record.fields.size()));
    }
    entries.push_back({record.fields[path_column], record.fields[caption_column], record.line});
  }
  return entries;
}

std::vector<Entry> read_jsonl(const std::string& path) {
  std::istringstream lines(read_text(path, "caption manifest"));
  std::vector<Entry> entries;
  std::string text;
  for (int line = 1; std::getline(lines, text); ++line) {
    if (trim(text).empty()) continue;
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
      throw InputError(fmt::format("{}:{}: not valid JSON: {}", path, line, error.what()));
    }
    for (const char* key : {"path", "caption"}) {
      if (!object.is_object() || !object.contains(key) || !object[key].is_string()) {
        throw InputError(
            fmt::format("{}:{}: expected an object with string \"path\" and "
                        "\"caption\", found {}",
                        path, line, trim(text)));
      }
    }
    entries.push_back(
        {object["path"].get<std::string>(), object["caption"].get<std::string>(), line});
  }
  return entries;
}

}  // namespace

CaptionManifest CaptionManifest::load(const std::string& manifest_path) {
  const fs::path manifest(manifest_path);
  const std::vector<Entry> entries =
      manifest.extension() == ".jsonl" ? read_jsonl(manifest_path) : read_csv(manifest_path);
  const fs::path base = fs::absolute(manifest).parent_path();

  CaptionManifest result;
  std::map<std::string, int> line_of;
  for (const Entry& entry : entries) {
    if (entry.path.empty()) {
      throw InputError(fmt::format("{}:{}: empty path", manifest_path, entry.line));
    }
    const std::string key = path_key(entry.path, base);
    const auto [previous, inserted] = line_of.emplace(key, entry.line);
    if (!inserted) {
      throw InputError(fmt::format("{}:{}: {} already has a caption on line {}", manifest_path,
                                   entry.line, entry.path, previous->second));
    }
    result.captions_[key] = entry.caption;
  }
  return result;
}

std::string CaptionManifest::caption_for(const std::string& video_path) {
  const auto found = captions_.find(path_key(video_path, fs::current_path()));
  if (found != captions_.end()) return found->second;

  const fs::path sidecar = fs::path(video_path).replace_extension(".txt");
  std::error_code error;
  if (fs::is_regular_file(sidecar, error)) return trim(read_text(sidecar, "caption file"));
  ++missing_;
  return "";
}

}  // namespace vdit::data
