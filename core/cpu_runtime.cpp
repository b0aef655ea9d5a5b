#include "core/cpu_runtime.h"

#include <dlfcn.h>
#include <fmt/core.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vdit {
namespace {

// Set on the re-executed process: the core OpenBLAS had chosen by itself.
constexpr const char* kReplacedCoreVariable = "VDIT_OPENBLAS_DETECTED_CORE";

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// OpenBLAS's own core choice; nullopt when the BLAS in this process is not OpenBLAS.
std::optional<std::string> openblas_core() {
  using CoreName = char* (*)();
  const auto get = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (get == nullptr || get() == nullptr) return std::nullopt;
  return std::string(get());
}

void keep_freed_tensor_memory() {
  constexpr int kMmapThreshold = 32 << 20;  // glibc's largest allowed threshold on 64-bit
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures features;
#if defined(__x86_64__)
  __builtin_cpu_init();
  features.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  features.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
  return features;
}

std::optional<std::string> better_openblas_core(const std::string& openblas_core,
                                                const CpuFeatures& features) {
  // OpenBLAS's x86-64 fallbacks for CPUs it does not know: SSE-only kernels (Sandybridge is AVX
  // without FMA, also well below an AVX2 machine's peak).
  static const char* const kPreAvx2[] = {"prescott",  "core2",  "penryn",      "dunnington",
                                         "nehalem",   "atom",   "katmai",      "coppermine",
                                         "northwood", "banias", "sandybridge", "unknown"};
  const std::string core = lowercase(openblas_core);
  const bool pre_avx2 = std::any_of(std::begin(kPreAvx2), std::end(kPreAvx2),
                                    [&](const char* name) { return core == name; });
  if (!pre_avx2) return std::nullopt;
  if (features.avx512) return std::string("SkylakeX");
  if (features.avx2_fma) return std::string("Haswell");
  return std::nullopt;
}

std::string apply_cpu_runtime_settings(char** argv) {
  keep_freed_tensor_memory();
  if (const char* replaced = std::getenv(kReplacedCoreVariable)) {
    const char* chosen = std::getenv("OPENBLAS_CORETYPE");
    return fmt::format(
        "blas: OpenBLAS took this CPU for {}; vdit set OPENBLAS_CORETYPE={} (its {} kernels; set "
        "OPENBLAS_CORETYPE yourself to choose)",
        replaced, chosen != nullptr ? chosen : "?", openblas_core().value_or("?"));
  }
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return "";
  const auto detected = openblas_core();
  if (!detected) return "";
  const auto better = better_openblas_core(*detected, detect_cpu_features());
  if (!better) return "";
  setenv("OPENBLAS_CORETYPE", better->c_str(), 1);
  setenv(kReplacedCoreVariable, detected->c_str(), 1);
  execv("/proc/self/exe", argv);
  // Only reached when the exec failed: go on with OpenBLAS's choice.
  const int exec_error = errno;
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kReplacedCoreVariable);
  return fmt::format(
      "blas: warning: OpenBLAS runs its {} kernels on a CPU with {}; re-executing "
      "with OPENBLAS_CORETYPE={} failed ({}): set it in the environment",
      *detected, *better == "SkylakeX" ? "AVX-512" : "AVX2", *better, std::strerror(exec_error));
}

}  // namespace vdit
