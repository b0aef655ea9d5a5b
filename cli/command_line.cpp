#include "cli/command_line.h"

#include <fmt/core.h>

#include <sstream>

#include "core/error.h"

namespace vdit::cli {

namespace po = boost::program_options;

std::optional<po::variables_map> parse_command_line(const Args& args,
                                                    const po::options_description& options,
                                                    const po::positional_options_description& positional,
                                                    const po::options_description& visible,
                                                    const std::string& command) {
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    throw InputError(fmt::format("{} (see vdit {} --help)", error.what(), command));
  }
  if (values.count("help")) {
    fmt::print("{}\n", (std::ostringstream() << visible).str());
    return std::nullopt;
  }
  return values;
}

}  // namespace vdit::cli
