// Deterministic random numbers: one scenario seed, many independent named sub-streams.
//
// Every consumer of randomness derives its own Rng from (seed, purpose, index), e.g.
// Rng::Derive(seed, "service-latency", service_index). Streams never share state, so adding a
// service or a purpose does not shift the draws of another. No std::random_device, no wall
// clock. The generator is xoshiro256** seeded through SplitMix64; the stream key is a 64-bit
// FNV-1a hash of the purpose mixed with the index. Not thread-safe: one Rng per owner.
#ifndef TRACESIM_SIM_RNG_H_
#define TRACESIM_SIM_RNG_H_

#include <cmath>
#include <cstdint>
#include <string_view>

namespace tracesim::sim {

// 64-bit FNV-1a; stable across platforms and releases (part of the determinism contract).
constexpr uint64_t Fnv1a64(std::string_view s, uint64_t h = 14695981039346656037ULL) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

constexpr uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) noexcept { Seed(seed); }

  // An independent stream for (seed, purpose, index).
  static Rng Derive(uint64_t seed, std::string_view purpose, uint64_t index = 0) noexcept {
    return DeriveHashed(seed, Fnv1a64(purpose), index);
  }
  // Derive with the purpose's hash computed once (`purpose_hash` = Fnv1a64(purpose)): the same
  // stream, for callers that derive one per trace.
  static Rng DeriveHashed(uint64_t seed, uint64_t purpose_hash, uint64_t index = 0) noexcept {
    uint64_t k = purpose_hash ^ (index * 0x9E3779B97F4A7C15ULL);
    uint64_t s = seed;
    uint64_t a = SplitMix64(s);
    return Rng(a ^ k ^ (k >> 29));
  }

  void Seed(uint64_t seed) noexcept {
    has_spare_ = false;
    uint64_t sm = seed;
    for (uint64_t& w : s_) w = SplitMix64(sm);
  }

  // Uniform 64 random bits.
  uint64_t Next() noexcept {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1) with 53 random bits.
  double Uniform() noexcept { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform double in (0, 1]: safe for log().
  double UniformOpen0() noexcept { return (static_cast<double>(Next() >> 11) + 1.0) * 0x1.0p-53; }
  // Uniform integer in [0, n). REQUIRES: n > 0. Lemire's method, unbiased.
  uint64_t Below(uint64_t n) noexcept {
    __uint128_t m = static_cast<__uint128_t>(Next()) * n;
    uint64_t l = static_cast<uint64_t>(m);
    if (l < n) {
      uint64_t t = -n % n;
      while (l < t) {
        m = static_cast<__uint128_t>(Next()) * n;
        l = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }
  bool Bernoulli(double p) noexcept { return p >= 1.0 || (p > 0.0 && Uniform() < p); }
  // Exponential with the given mean.
  double Exponential(double mean) noexcept { return -mean * std::log(UniformOpen0()); }
  // Standard normal (Box-Muller; each pair of uniforms yields two values, the second kept for
  // the next call).
  double Normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = UniformOpen0(), u2 = Uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    double theta = 6.283185307179586 * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  static constexpr uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_RNG_H_
