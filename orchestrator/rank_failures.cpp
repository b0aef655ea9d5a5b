#include "orchestrator/rank_failures.h"

#include <fmt/core.h>

#include <cstdio>
#include <map>

#include "core/error.h"
#include "core/log.h"
#include "parallel/mpi_check.h"

namespace vdit::orchestrator {
namespace {

// "1-4", "1, 3", "2": consecutive ranks as ranges.
std::string rank_ranges(const std::vector<int>& ranks, int offset) {
  std::string text;
  for (size_t i = 0; i < ranks.size();) {
    size_t last = i;
    while (last + 1 < ranks.size() && ranks[last + 1] == ranks[last] + 1) ++last;
    if (!text.empty()) text += ", ";
    text += last == i ? fmt::format("{}", ranks[i] + offset)
                      : fmt::format("{}-{}", ranks[i] + offset, ranks[last] + offset);
    i = last + 1;
  }
  return text;
}

}  // namespace

RankFailure run_phase(const std::function<void()>& phase) {
  try {
    phase();
    return {};
  } catch (const InputError& error) {
    return {kExitInputError, *error.what() ? error.what() : "(no message)"};
  } catch (const std::exception& error) {
    return {kExitRuntimeError, *error.what() ? error.what() : "(no message)"};
  }
}

std::string describe_world_ranks(const std::vector<int>& world_ranks) {
  std::vector<int> workers;
  bool coordinator = false;
  for (const int rank : world_ranks) {
    if (rank == 0) {
      coordinator = true;
    } else {
      workers.push_back(rank);
    }
  }
  std::string text = coordinator ? "the coordinator (world rank 0)" : "";
  if (!workers.empty()) {
    if (coordinator) text += " and ";
    const bool one = workers.size() == 1;
    text += fmt::format("worker{} {} (world rank{} {})", one ? "" : "s", rank_ranges(workers, -1),
                        one ? "" : "s", rank_ranges(workers, 0));
  }
  return text;
}

int agree_on_failures(MPI_Comm world, const RankFailure& mine, const std::string& program) {
  int exit_code = 0;
  MPI_CHECK(MPI_Allreduce(&mine.exit_code, &exit_code, 1, MPI_INT, MPI_MAX, world));
  if (exit_code == 0) return 0;
  int rank = 0, size = 1;
  MPI_CHECK(MPI_Comm_rank(world, &rank));
  MPI_CHECK(MPI_Comm_size(world, &size));
  // Rank 0 gathers every message (empty for ranks that did not fail).
  const std::string message = mine.exit_code != 0 ? mine.message : "";
  const int length = static_cast<int>(message.size());
  std::vector<int> lengths(rank == 0 ? size : 0), offsets(rank == 0 ? size : 0);
  MPI_CHECK(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, world));
  int total = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    offsets[i] = total;
    total += lengths[i];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_CHECK(MPI_Gatherv(message.data(), length, MPI_CHAR, all.data(), lengths.data(),
                        offsets.data(), MPI_CHAR, 0, world));
  if (rank == 0) {
    std::map<std::string, std::vector<int>> ranks_by_message;  // distinct messages, in order
    std::vector<std::string> order;
    for (int r = 0; r < size; ++r) {
      if (lengths[r] == 0) continue;
      const std::string text = all.substr(static_cast<size_t>(offsets[r]), lengths[r]);
      if (ranks_by_message.find(text) == ranks_by_message.end()) order.push_back(text);
      ranks_by_message[text].push_back(r);
    }
    for (const std::string& text : order) {
      const std::vector<int>& ranks = ranks_by_message[text];
      const std::string who = static_cast<int>(ranks.size()) == size && size > 1
                                  ? fmt::format("every rank (world ranks 0-{})", size - 1)
                                  : describe_world_ranks(ranks);
      log_error("{}: error on {}: {}", program, who, text);
    }
    std::fflush(stderr);
  }
  return exit_code;
}

}  // namespace vdit::orchestrator
