// Names built to break a shell script: quotes, $(), backticks, newlines, globs, dashes.
#pragma once

#include <string>
#include <vector>

namespace vdit::testing {

// Each tries to create `<folder>/INJECTED` if anything evaluates it.
inline std::vector<std::string> hostile_values(const std::string& folder) {
  const std::string touch = "touch '" + folder + "/INJECTED'";
  return {
      "plain",
      "with space",
      "it's",
      "''",
      "\"double\"",
      "$(" + touch + ")",
      "`" + touch + "`",
      "a\nb; " + touch,
      "'; " + touch + "; '",
      "$HOME ${PATH} $1 \\ \\' *",
      "-n",
      "tab\there",
  };
}

// A run folder name with all of the above in one, except a newline (vdit submit refuses one in
// a run folder: vdit train's shard list is newline-separated).
inline std::string hostile_run_name(const std::string& folder) {
  return "run 'q' \"dq\" $(touch '" + folder + "/INJECTED') `touch '" + folder +
         "/INJECTED'` *";
}

}  // namespace vdit::testing
