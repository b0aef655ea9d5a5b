#include "slurm/shell_quote.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::slurm {

std::string shell_quote(const std::string& value, const std::string& what) {
  if (value.find('\0') != std::string::npos) {
    throw InputError(fmt::format("{}: holds a NUL byte, which a job script cannot carry", what));
  }
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'') {
      quoted += "'\\''";  // close the quote, an escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace vdit::slurm
