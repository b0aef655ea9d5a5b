// Counter-based random numbers (splitmix64): the same inputs give the same numbers on every rank,
// with no generator state to checkpoint.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace vdit::data {

// The splitmix64 finalizer: a bijective 64-bit mix with good avalanche.
constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Hashes a sequence of integers into one seed, e.g. mix_seed({seed, stage, epoch, bucket}).
inline uint64_t mix_seed(std::initializer_list<uint64_t> values) {
  uint64_t hash = 0x243f6a8885a308d3ull;
  for (const uint64_t value : values) hash = splitmix64(hash ^ splitmix64(value));
  return hash;
}

// A stream of numbers for one purpose (one clip, one permutation), seeded from mix_seed. Value
// type, local to its user: no global generator.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    const uint64_t value = splitmix64(state_);  // the standard splitmix64 sequence
    state_ += 0x9e3779b97f4a7c15ull;
    return value;
  }
  // Uniform in [0, bound) without modulo bias worth noticing (Lemire's multiply-shift).
  uint64_t below(uint64_t bound) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

 private:
  uint64_t state_;
};

}  // namespace vdit::data
