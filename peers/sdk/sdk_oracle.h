// The SDK head-sampler oracle's C++ side (peers/sdk/README.md): the shared trace-id file every
// SDK program reads, the ratio list, and the comparison of the SDKs' decisions with tracesim's
// samplers (sampling/head). Not thread-safe; a test tool, not on any hot path.
//
// Files (all under the build directory, written by `sdk_oracle ids`):
//   ids.bin     N trace ids, 16 bytes each, big-endian (W3C byte order). The first
//               kRandomIdCount come from SplitMix64 (seed kIdSeed; id i = {hi: next(), lo:
//               next()}), then the edge ids (EdgeIds()).
//   ratios.txt  one ratio a line, printed with %.17g so every language parses the same double.
// Each SDK program writes one byte per (ratio, id), ratio-major: 1 = RECORD_AND_SAMPLE, else 0.
// The consistent sampler's program also writes, per ratio, the tracestate of a kept span
// ("-" when none was kept).
#ifndef TRACESIM_PEERS_SDK_SDK_ORACLE_H_
#define TRACESIM_PEERS_SDK_SDK_ORACLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status.h"
#include "sim/model/span.h"

namespace tracesim::peers_sdk {

inline constexpr uint64_t kIdSeed = 0x7472616365'51dULL;
inline constexpr size_t kRandomIdCount = 1'000'000;

// SplitMix64 (Steele, Lea, Flood 2014): state += 0x9e3779b97f4a7c15, then the usual mix.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();

 private:
  uint64_t state_;
};

// The ratios every SDK decides at: 0, 1e-6 .. 1 (decades, the quarters, 1/3, 0.999999,
// 1 - 2^-53, 1).
std::vector<double> OracleRatios();

// `random_count` SplitMix64 ids followed by EdgeIds(ratios).
std::vector<sim::TraceId> OracleIds(const std::vector<double>& ratios,
                                    size_t random_count = kRandomIdCount);

// All zero, all one, 0x8000.. in either half, 0x7fff.., the 56-bit edges, and for each ratio
// r the ids whose low 64 bits lie within 2 of r*2^64, r*2^63, 2^64 - r*2^63 (Java's negative
// half) and 2^56 - r*2^56 (the consistent sampler's threshold): every SDK's bound +- 1 whatever
// rounding it uses.
std::vector<sim::TraceId> EdgeIds(const std::vector<double>& ratios);

sim::Status WriteIds(const std::string& path, const std::vector<sim::TraceId>& ids);
sim::Result<std::vector<sim::TraceId>> ReadIds(const std::string& path);
sim::Status WriteRatios(const std::string& path, const std::vector<double>& ratios);
sim::Result<std::vector<double>> ReadRatios(const std::string& path);

// Which tracesim sampler decides: TraceIdRatioBased in its Go, Java or Python variant, or the
// consistent ProbabilitySampler at full 56-bit precision (what Java's ComposableSampler writes).
enum class OracleSdk { kGo, kJava, kPython, kConsistent };
bool ParseOracleSdk(const std::string& s, OracleSdk* out);

struct RatioAgreement {
  double ratio = 0;
  uint64_t compared = 0;
  uint64_t identical = 0;
  uint64_t sdk_kept = 0;
  std::string sdk_tracestate;  // consistent only: the SDK's tracestate of a kept span
  std::string tracesim_tracestate;
  std::vector<std::string> first_differences;  // at most 5: "id sdk=1 tracesim=0"
};

// tracesim's decision for each (ratio, id), ratio-major, 1 = sampled; the kept span's
// tracestate per ratio in `tracestates` (consistent only; "-" when nothing was kept).
sim::Result<std::vector<uint8_t>> TracesimDecisions(OracleSdk sdk,
                                                    const std::vector<double>& ratios,
                                                    const std::vector<sim::TraceId>& ids,
                                                    std::vector<std::string>* tracestates);

// Compares the SDK's decisions (and tracestates, when given) with tracesim's, per ratio.
sim::Result<std::vector<RatioAgreement>> Compare(OracleSdk sdk, const std::vector<double>& ratios,
                                                 const std::vector<sim::TraceId>& ids,
                                                 const std::vector<uint8_t>& sdk_decisions,
                                                 const std::vector<std::string>& sdk_tracestates);

}  // namespace tracesim::peers_sdk

#endif  // TRACESIM_PEERS_SDK_SDK_ORACLE_H_
