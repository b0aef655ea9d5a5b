// The process settings a CPU run is fast with, applied first thing in main() (no LibTorch here).
//
// - OpenBLAS's kernels. Debian's OpenBLAS 0.3.21 does not recognise every CPU it meets (a Sapphire
//   Rapids Xeon here) and falls back to its SSE3 "Prescott" kernels: a 2048^3 fp32 matmul then
//   runs at 28 GFLOP/s on one core where the AVX-512 kernels run at 110-145. When
//   OPENBLAS_CORETYPE is unset and OpenBLAS reports such a pre-AVX2 core on a CPU that has
//   AVX-512 (or AVX2 + FMA), vdit sets OPENBLAS_CORETYPE (SkylakeX, or Haswell) and re-executes
//   itself: OpenBLAS reads the variable only when it loads. A user's OPENBLAS_CORETYPE is kept.
// - malloc. Every tensor of a step is allocated and freed again each step; by default glibc
//   serves blocks above its mmap threshold with fresh mappings and trims freed heap memory, so
//   each step page-faults its activations back in (10% of a small step's time). Freed blocks up
//   to 32 MiB now stay in the heap and are reused.
#pragma once

#include <optional>
#include <string>

namespace vdit {

struct CpuFeatures {
  bool avx2_fma = false;
  bool avx512 = false;  // AVX-512 F, BW, DQ and VL: what OpenBLAS's SkylakeX kernels use
};
CpuFeatures detect_cpu_features();

// The OPENBLAS_CORETYPE that beats `openblas_core` (OpenBLAS's own choice, any case) on a CPU with
// `features`, or nullopt when OpenBLAS's choice already uses what the CPU has.
std::optional<std::string> better_openblas_core(const std::string& openblas_core,
                                                const CpuFeatures& features);

// Applies both settings; may re-execute the process (argv as main() received it) and so must run
// before anything else in main(). Returns a line for the start-up log ("" when nothing changed).
std::string apply_cpu_runtime_settings(char** argv);

}  // namespace vdit
