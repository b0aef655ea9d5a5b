// TOML <-> RunConfig through the visit() field lists declared in core/config.h.
#include "core/config_io.h"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace vdit {
namespace {

std::string describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      out << "string \"" << node.value<std::string>().value() << "\"";
      return out.str();
    default:
      break;
  }
  node.visit([&](const auto& value) { out << value; });
  return fmt::format("{} {}", toml::impl::node_type_friendly_names[static_cast<int>(node.type())],
                     out.str());
}

// Reads one table into a struct with visit(); remembers which keys it knew.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, const std::string& source)
      : table_(table), prefix_(std::move(prefix)), source_(source) {}

  template <class T>
  void operator()(const char* key, T& field) {
    known_.insert(key);
    if (const toml::node* node = table_.get(key)) read(*node, prefix_ + key, field);
  }

  void reject_unknown_keys() const {
    for (const auto& [key, node] : table_) {
      if (known_.count(std::string(key.str())) != 0) continue;
      std::string known;
      for (const auto& name : known_) known += (known.empty() ? "" : ", ") + name;
      throw InputError(fmt::format("{}: unknown key '{}{}' (known keys here: {})", source_, prefix_,
                                   key.str(), known));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& field, const toml::node& node,
                         const char* expected) const {
    throw InputError(
        fmt::format("{}: {}: expected {}, found {}", source_, field, expected, describe(node)));
  }

  void read(const toml::node& node, const std::string& field, int64_t& out) const {
    if (!node.is_integer()) fail(field, node, "an integer");
    out = node.value<int64_t>().value();
  }
  void read(const toml::node& node, const std::string& field, double& out) const {
    if (!node.is_number()) fail(field, node, "a number");
    out = node.value<double>().value();
  }
  void read(const toml::node& node, const std::string& field, bool& out) const {
    if (!node.is_boolean()) fail(field, node, "true or false");
    out = node.value<bool>().value();
  }
  void read(const toml::node& node, const std::string& field, std::string& out) const {
    if (!node.is_string()) fail(field, node, "a string");
    out = node.value<std::string>().value();
  }
  void read(const toml::node& node, const std::string& field, std::vector<std::string>& out) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(field, node, "an array of strings");
    out.clear();
    for (size_t i = 0; i < array->size(); ++i) {
      std::string item;
      read(*array->get(i), fmt::format("{}[{}]", field, i), item);
      out.push_back(item);
    }
  }
  template <class Section>
  void read(const toml::node& node, const std::string& field, std::vector<Section>& out) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(field, node, "an array of tables");
    out.assign(array->size(), Section{});
    for (size_t i = 0; i < array->size(); ++i)
      read(*array->get(i), fmt::format("{}.{}", field, i), out[i]);
  }
  template <class Section>
  void read(const toml::node& node, const std::string& field, Section& out) const {
    const toml::table* table = node.as_table();
    if (table == nullptr) fail(field, node, "a table");
    TableReader nested(*table, field + ".", source_);
    out.visit(nested);
    nested.reject_unknown_keys();
  }

  const toml::table& table_;
  std::string prefix_;
  const std::string& source_;
  std::set<std::string> known_;
};

// Writes a struct with visit() into a toml::table.
class TableWriter {
 public:
  explicit TableWriter(toml::table& table) : table_(table) {}

  template <class T>
  void operator()(const char* key, const T& field) {
    table_.insert_or_assign(key, node_of(field));
  }

 private:
  static toml::array node_of(const std::vector<std::string>& values) {
    toml::array array;
    for (const auto& value : values) array.push_back(value);
    return array;
  }
  template <class Section>
  static toml::array node_of(const std::vector<Section>& sections) {
    toml::array array;
    for (const auto& section : sections) array.push_back(node_of(section));
    return array;
  }
  template <class T>
  static auto node_of(const T& value) {
    if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string>) {
      return value;
    } else {
      toml::table table;
      TableWriter writer(table);
      T copy = value;  // visit() is non-const because readers fill the same field list
      copy.visit(writer);
      return table;
    }
  }

  toml::table& table_;
};

// "a.b.0.c" -> {"a", "b", "0", "c"}; an empty part ("a..b", ".a", "a.") is kept, to be refused.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// The index `part` names in an array of `size` entries, or InputError naming the key. Digits
// only: std::stoul would take "x" as an exception without the key and "1x" as 1.
size_t parse_array_index(const std::string& part, size_t size, const std::string& array_path,
                         const std::string& path, const std::string& source) {
  const bool digits =
      !part.empty() && part.size() <= 9 &&
      std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  const size_t index = digits ? static_cast<size_t>(std::stoul(part)) : 0;
  if (!digits || index >= size) {
    const std::string expected = size == 0
                                     ? std::string("nothing: the array is empty, set it whole")
                                     : fmt::format("an index 0..{}", size - 1);
    throw InputError(fmt::format(
        "{}: --set {}: '{}' is an array of {} entries; after it expected {}, found '{}'", source,
        path, array_path, size, expected, part));
  }
  return index;
}

// Applies "dotted.key=value"; the value is read as TOML (so 4, 0.5, true, ["a"]) and falls back to
// a plain string (so preset=vdit-s needs no quotes).
void apply_override(toml::table& root, const std::string& assignment, const std::string& source) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw InputError(fmt::format("--set '{}': expected section.key=value", assignment));
  }
  const std::string path = assignment.substr(0, equals);
  const std::string text = assignment.substr(equals + 1);
  const std::vector<std::string> parts = split_path(path);
  for (const std::string& part : parts) {
    if (part.empty()) {
      throw InputError(fmt::format(
          "--set '{}': the key '{}' has an empty part, expected names joined by single dots "
          "such as model.depth",
          assignment, path));
    }
  }
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + text);
  } catch (const toml::parse_error&) {
    parsed.insert_or_assign("value", text);
  }
  toml::node* current = &root;
  std::string walked;  // the dotted path of `current`
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (toml::table* table = current->as_table()) {
      if (!table->contains(parts[i])) table->insert(parts[i], toml::table{});
      current = table->get(parts[i]);
    } else if (toml::array* array = current->as_array()) {
      current = array->get(parse_array_index(parts[i], array->size(), walked, path, source));
    } else {
      throw InputError(fmt::format("{}: --set {}: '{}' is {}, not a table", source, path, walked,
                                   describe(*current)));
    }
    walked += (walked.empty() ? "" : ".") + parts[i];
  }
  toml::table* target = current->as_table();
  if (target == nullptr) {
    throw InputError(fmt::format(
        "{}: --set {}: '{}' is {}, not a table{}", source, path, walked, describe(*current),
        current->is_array() ? fmt::format(" (name an entry and a key: {}.0.<key>)", walked) : ""));
  }
  target->insert_or_assign(parts.back(), *parsed.get("value"));
}

}  // namespace

RunConfig parse_run_config(const std::string& toml_text, const std::string& source,
                           const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& error) {
    throw InputError(fmt::format("{}:{}:{}: TOML syntax error: {}", source,
                                 error.source().begin.line, error.source().begin.column,
                                 error.description()));
  }
  for (const auto& assignment : overrides) apply_override(root, assignment, source);
  RunConfig config;
  TableReader reader(root, "", source);
  config.visit(reader);
  reader.reject_unknown_keys();
  config.source = source;
  return config;
}

RunConfig load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream file(path);
  if (!file) throw InputError(fmt::format("{}: cannot open the run config", path));
  std::stringstream text;
  text << file.rdbuf();
  return parse_run_config(text.str(), path, overrides);
}

std::string to_toml(const RunConfig& config) {
  toml::table root;
  TableWriter writer(root);
  RunConfig copy = config;
  copy.visit(writer);
  std::ostringstream out;
  out << root << "\n";
  return out.str();
}

}  // namespace vdit
