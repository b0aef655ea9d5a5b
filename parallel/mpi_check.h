// MPI_CHECK: a failed MPI call becomes a vdit::RuntimeError with call, file, line and reason.
#pragma once

#include <mpi.h>

namespace vdit::parallel::detail {

// Out of line so the macro stays one statement and the message is built in one place.
[[noreturn]] void throw_mpi_error(int error_code, const char* call, const char* file, int line);

}  // namespace vdit::parallel::detail

// Only meaningful on communicators whose error handler is MPI_ERRORS_RETURN (the default,
// MPI_ERRORS_ARE_FATAL, aborts the job before the check sees the code). MpiEnvironment sets it on
// MPI_COMM_WORLD and communicators split from it inherit it.
#define MPI_CHECK(call)                                                                          \
  do {                                                                                           \
    const int vdit_mpi_check_code = (call);                                                      \
    if (vdit_mpi_check_code != MPI_SUCCESS) {                                                    \
      ::vdit::parallel::detail::throw_mpi_error(vdit_mpi_check_code, #call, __FILE__, __LINE__); \
    }                                                                                            \
  } while (false)
