#include "peers/sdk/sdk_oracle.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "sampling/core/consistent_tracestate.h"
#include "sampling/head/consistent_probability_sampler.h"
#include "sampling/head/head_samplers.h"

namespace tracesim::peers_sdk {

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<double> OracleRatios() {
  return {0.0,     1e-6, 1e-5, 1e-4, 1e-3, 0.01,     0.1,           0.25,
          1.0 / 3, 0.5,  0.75, 0.9,  0.99, 0.999999, 1.0 - 0x1p-53, 1.0};
}

namespace {

// floor(x) for x in [0, 2^64) as an integer; 2^64 and above saturate.
uint64_t FloorToU64(double x) {
  if (!(x > 0)) return 0;
  if (x >= 0x1p64) return ~uint64_t{0};
  return static_cast<uint64_t>(std::floor(x));
}

void AddAround(uint64_t center, std::vector<sim::TraceId>* out) {
  for (int d = -2; d <= 2; ++d) out->push_back({0, center + static_cast<uint64_t>(int64_t{d})});
}

}  // namespace

std::vector<sim::TraceId> EdgeIds(const std::vector<double>& ratios) {
  const uint64_t all = ~uint64_t{0};
  const uint64_t top = uint64_t{1} << 63;
  std::vector<sim::TraceId> out = {
      {0, 0},
      {all, all},
      {top, 0},
      {0, top},
      {all, top},
      {0, top - 1},
      {all, top - 1},
      {0, 1},
      {0, all - 1},
      {0, all},
      {top, all},
      {0, (uint64_t{1} << 56) - 1},
      {0, uint64_t{1} << 56},
  };
  for (double r : ratios) {
    AddAround(FloorToU64(r * 0x1p64), &out);
    AddAround(FloorToU64(r * 0x1p63), &out);
    AddAround(uint64_t{0} - FloorToU64(r * 0x1p63), &out);
    AddAround((uint64_t{1} << 56) - static_cast<uint64_t>(std::llround(r * 0x1p56)), &out);
  }
  return out;
}

std::vector<sim::TraceId> OracleIds(const std::vector<double>& ratios, size_t random_count) {
  std::vector<sim::TraceId> ids;
  ids.reserve(random_count + 64 * ratios.size());
  SplitMix64 rng(kIdSeed);
  for (size_t i = 0; i < random_count; ++i) {
    sim::TraceId id;
    id.hi = rng.Next();
    id.lo = rng.Next();
    ids.push_back(id);
  }
  for (const sim::TraceId& id : EdgeIds(ratios)) ids.push_back(id);
  return ids;
}

sim::Status WriteIds(const std::string& path, const std::vector<sim::TraceId>& ids) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return sim::Status::IoError("cannot write " + path);
  uint8_t b[16];
  for (const sim::TraceId& id : ids) {
    id.ToBytes(b);
    f.write(reinterpret_cast<const char*>(b), sizeof b);
  }
  return f ? sim::Status::Ok() : sim::Status::IoError("short write to " + path);
}

sim::Result<std::vector<sim::TraceId>> ReadIds(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return sim::Status::IoError("cannot read " + path);
  std::vector<sim::TraceId> ids;
  uint8_t b[16];
  while (f.read(reinterpret_cast<char*>(b), sizeof b)) {
    sim::TraceId id;
    for (int i = 0; i < 8; ++i) id.hi = id.hi << 8 | b[i];
    for (int i = 8; i < 16; ++i) id.lo = id.lo << 8 | b[i];
    ids.push_back(id);
  }
  if (f.gcount() != 0) return sim::Status::InvalidArgument(path + ": size is not 16 * N bytes");
  return ids;
}

sim::Status WriteRatios(const std::string& path, const std::vector<double>& ratios) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return sim::Status::IoError("cannot write " + path);
  for (double r : ratios) std::fprintf(f, "%.17g\n", r);
  return std::fclose(f) == 0 ? sim::Status::Ok() : sim::Status::IoError("cannot write " + path);
}

sim::Result<std::vector<double>> ReadRatios(const std::string& path) {
  std::ifstream f(path);
  if (!f) return sim::Status::IoError("cannot read " + path);
  std::vector<double> ratios;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    char* end = nullptr;
    double r = std::strtod(line.c_str(), &end);
    if (end == line.c_str() || *end != '\0') {
      return sim::Status::InvalidArgument(path + ": not a ratio: " + line);
    }
    ratios.push_back(r);
  }
  return ratios;
}

bool ParseOracleSdk(const std::string& s, OracleSdk* out) {
  if (s == "go") {
    *out = OracleSdk::kGo;
  } else if (s == "java") {
    *out = OracleSdk::kJava;
  } else if (s == "python") {
    *out = OracleSdk::kPython;
  } else if (s == "java-consistent") {
    *out = OracleSdk::kConsistent;
  } else {
    return false;
  }
  return true;
}

namespace {

sim::Result<std::unique_ptr<sampling::Sampler>> MakeSampler(OracleSdk sdk, double ratio) {
  switch (sdk) {
    case OracleSdk::kGo:
      return sampling::MakeTraceIdRatioBased(ratio, sampling::RatioAlgorithm::kGo);
    case OracleSdk::kJava:
      return sampling::MakeTraceIdRatioBased(ratio, sampling::RatioAlgorithm::kJava);
    case OracleSdk::kPython:
      return sampling::MakeTraceIdRatioBased(ratio, sampling::RatioAlgorithm::kPython);
    case OracleSdk::kConsistent: {
      sampling::ProbabilitySamplerOptions o;
      o.ratio = ratio;
      o.precision = sampling::kThresholdHexDigits;  // Java writes the full 56-bit threshold
      return sampling::MakeProbabilitySampler(o);
    }
  }
  return sim::Status::Internal("unknown sdk");
}

std::string HexId(const sim::TraceId& id) {
  char hex[33];
  sim::TraceIdToHex(id, hex);
  hex[32] = '\0';
  return hex;
}

}  // namespace

sim::Result<std::vector<uint8_t>> TracesimDecisions(OracleSdk sdk,
                                                    const std::vector<double>& ratios,
                                                    const std::vector<sim::TraceId>& ids,
                                                    std::vector<std::string>* tracestates) {
  std::vector<uint8_t> out;
  out.reserve(ratios.size() * ids.size());
  for (double r : ratios) {
    TRACESIM_ASSIGN_OR_RETURN(std::unique_ptr<sampling::Sampler> sampler, MakeSampler(sdk, r));
    std::string ts = "-";
    for (const sim::TraceId& id : ids) {
      sampling::SamplingParams p;
      p.trace_id = id;
      const sampling::SamplingResult res = sampler->ShouldSample(p);
      out.push_back(res.sampled() ? 1 : 0);
      if (res.sampled() && ts == "-" && res.threshold != sampling::kNoThreshold) {
        ts = "ot=th:" + sampling::ThresholdToTValue(res.threshold);
      }
    }
    if (tracestates != nullptr) tracestates->push_back(ts);
  }
  return out;
}

sim::Result<std::vector<RatioAgreement>> Compare(OracleSdk sdk, const std::vector<double>& ratios,
                                                 const std::vector<sim::TraceId>& ids,
                                                 const std::vector<uint8_t>& sdk_decisions,
                                                 const std::vector<std::string>& sdk_tracestates) {
  if (sdk_decisions.size() != ratios.size() * ids.size()) {
    return sim::Status::InvalidArgument("the SDK wrote " + std::to_string(sdk_decisions.size()) +
                                        " decisions, expected " + std::to_string(ratios.size()) +
                                        " ratios x " + std::to_string(ids.size()) + " ids");
  }
  std::vector<std::string> ours_ts;
  TRACESIM_ASSIGN_OR_RETURN(std::vector<uint8_t> ours,
                            TracesimDecisions(sdk, ratios, ids, &ours_ts));
  std::vector<RatioAgreement> out;
  for (size_t ri = 0; ri < ratios.size(); ++ri) {
    RatioAgreement a;
    a.ratio = ratios[ri];
    for (size_t i = 0; i < ids.size(); ++i) {
      const size_t k = ri * ids.size() + i;
      const uint8_t theirs = sdk_decisions[k] != 0 ? 1 : 0;
      ++a.compared;
      a.sdk_kept += theirs;
      if (theirs == ours[k]) {
        ++a.identical;
      } else if (a.first_differences.size() < 5) {
        a.first_differences.push_back(HexId(ids[i]) + " sdk=" + std::to_string(theirs) +
                                      " tracesim=" + std::to_string(ours[k]));
      }
    }
    if (sdk == OracleSdk::kConsistent) {
      a.tracesim_tracestate = ours_ts[ri];
      a.sdk_tracestate = ri < sdk_tracestates.size() ? sdk_tracestates[ri] : "(missing)";
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace tracesim::peers_sdk
