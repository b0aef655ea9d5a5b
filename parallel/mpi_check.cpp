#include "parallel/mpi_check.h"

#include <fmt/core.h>

#include <string>

#include "core/error.h"

namespace vdit::parallel::detail {

void throw_mpi_error(int error_code, const char* call, const char* file, int line) {
  char reason[MPI_MAX_ERROR_STRING] = {};
  int reason_length = 0;
  // MPI_Error_string may be called before MPI_Init and after MPI_Finalize; if even that fails we
  // still report the numeric code.
  if (MPI_Error_string(error_code, reason, &reason_length) != MPI_SUCCESS) {
    reason_length = 0;
  }
  throw RuntimeError(fmt::format("{}:{}: {} failed with MPI error {}: {}", file, line, call,
                                 error_code, std::string(reason, reason_length)));
}

}  // namespace vdit::parallel::detail
