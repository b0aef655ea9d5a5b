// How a failure on any rank reaches the user once, naming the rank that raised it, with an exit
// code every rank agrees on (no race between several ranks' MPI_Abort).
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

namespace vdit::orchestrator {

// One rank's outcome of a phase: exit code 0 (fine), kExitInputError or kExitRuntimeError, and
// the message of what it threw.
struct RankFailure {
  int exit_code = 0;
  std::string message;
};

// Runs `phase`, turning an InputError into kExitInputError and any other exception into
// kExitRuntimeError, with its message.
RankFailure run_phase(const std::function<void()>& phase);

// "the coordinator (world rank 0)", "worker 1 (world rank 2)", "workers 0-3 (world ranks 1-4)".
std::string describe_world_ranks(const std::vector<int>& world_ranks);

// Collective over `world` after a phase every rank ran (start-up: config, data, model). World
// rank 0 prints each distinct message once, naming every rank that raised it:
//   vdit train: error on workers 0-3 (world ranks 1-4): <message>
//   vdit train: error on every rank (world ranks 0-4): <message>   (the same config error)
// and every rank returns the same exit code: 0 when no rank failed, else kExitInputError when
// any rank's failure was an input error, else kExitRuntimeError.
int agree_on_failures(MPI_Comm world, const RankFailure& mine, const std::string& program);

}  // namespace vdit::orchestrator
