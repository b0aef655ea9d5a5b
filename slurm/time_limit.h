// Slurm's time-limit syntax (sbatch --time) <-> seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vdit::slurm {

// "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS" -> seconds; nullopt for anything
// else (including "UNLIMITED": a job that cannot run out of time needs no requeue budget).
std::optional<int64_t> parse_time_limit(const std::string& text);

// Seconds -> "HH:MM:SS", or "D-HH:MM:SS" from one day on.
std::string format_time_limit(int64_t seconds);

}  // namespace vdit::slurm
