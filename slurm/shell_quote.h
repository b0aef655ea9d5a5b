// Quoting a value for a bash script, so the script sees exactly the bytes given, whatever they are.
#pragma once

#include <string>

namespace vdit::slurm {

// 'value' with every ' written as '\''. Inside single quotes bash expands nothing ($(), backticks,
// $VAR, \, newlines are all literal), so no value can break out of its word. Throws InputError
// for a NUL byte, which no shell word can hold; `what` names the value in that message.
std::string shell_quote(const std::string& value, const std::string& what);

}  // namespace vdit::slurm
