// The parse-or-help step every vdit subcommand shares, so each command file holds only its options.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace vdit::cli {

// Parses `args` against `options` (everything, hidden positional targets included) and
// `positional`. With --help it prints `visible` (what the user may type) and returns nullopt. A
// malformed command line is an InputError: "<Boost's message> (see vdit <command> --help)".
std::optional<boost::program_options::variables_map> parse_command_line(
    const Args& args, const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional,
    const boost::program_options::options_description& visible, const std::string& command);

}  // namespace vdit::cli
