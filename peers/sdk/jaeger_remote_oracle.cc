#include "peers/sdk/jaeger_remote_oracle.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "peers/sdk/sdk_oracle.h"
#include "sampling/jaeger/jaeger_adaptive.h"
#include "sampling/jaeger/jaeger_remote.h"

namespace tracesim::peers_sdk {
namespace {

using sampling::ServedStrategy;

void Varint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void Tag(std::string* out, int field, int wire) { Varint(out, (uint64_t(field) << 3) | wire); }

// A double field, omitted at 0 (proto3).
void Double(std::string* out, int field, double v) {
  if (v == 0) return;
  Tag(out, field, 1);
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}

void Message(std::string* out, int field, const std::string& body) {
  Tag(out, field, 2);
  Varint(out, body.size());
  *out += body;
}

std::string Probabilistic(double rate) {
  std::string b;
  Double(&b, 1, rate);
  return b;
}

}  // namespace

std::string EncodeServedStrategy(const ServedStrategy& s) {
  std::string out;
  if (s.type != sampling::JaegerStrategyType::kProbabilistic) {  // enum 0 is not written
    Tag(&out, 1, 0);
    Varint(&out, static_cast<uint64_t>(s.type));
  }
  if (s.probabilistic_rate) Message(&out, 2, Probabilistic(*s.probabilistic_rate));
  if (s.max_traces_per_second) {
    std::string b;
    if (*s.max_traces_per_second != 0) {
      Tag(&b, 1, 0);
      Varint(&b, static_cast<uint64_t>(static_cast<int64_t>(*s.max_traces_per_second)));
    }
    Message(&out, 3, b);
  }
  if (s.operation_sampling) {
    const sampling::JaegerPerOperationStrategies& o = *s.operation_sampling;
    std::string b;
    Double(&b, 1, o.default_sampling_probability);
    Double(&b, 2, o.default_lower_bound_traces_per_second);
    for (const sampling::JaegerOperationStrategy& op : o.per_operation) {
      std::string e;
      if (!op.operation.empty()) Message(&e, 1, op.operation);
      Message(&e, 2, Probabilistic(op.sampling_rate));
      Message(&b, 3, e);
    }
    Double(&b, 4, o.default_upper_bound_traces_per_second);
    Message(&out, 4, b);
  }
  return out;
}

std::vector<RemoteCase> JavaRemoteCases() {
  std::vector<RemoteCase> cases;
  // What tracesim's Jaeger adaptive provider serves: at start, and with probabilities. Its
  // initial probability (0.05) differs from Java's initial sampler (0.001), so keeping the
  // initial sampler and applying the served default decide differently.
  sampling::JaegerAdaptiveOptions o;
  o.initial_sampling_probability = 0.05;
  sampling::JaegerAdaptiveSampling start(o);
  cases.push_back({"adaptive-start", start.StrategyFor("api")});
  sampling::JaegerAdaptiveDeployment ideal;
  ideal.role = sampling::JaegerAdaptiveDeployment::Role::kIdeal;
  sampling::JaegerAdaptiveSampling adapted(o, sim::Time::Zero(), "tracesim", ideal);
  adapted.LoadProbabilities({{"api", {{"GET /a", 0.02}, {"GET /b", 0.5}, {"/health", 0.0}}}});
  cases.push_back({"adaptive-ops", adapted.StrategyFor("api")});
  ServedStrategy p;
  p.probabilistic_rate = 0.25;
  cases.push_back({"file-probabilistic", p});
  ServedStrategy rl;
  rl.type = sampling::JaegerStrategyType::kRateLimiting;
  rl.max_traces_per_second = 5;
  sampling::JaegerPerOperationStrategies ops;
  ops.default_sampling_probability = 0.8;
  ops.per_operation = {{"op1", 0.2}, {"GET /b", 0.4}};
  rl.operation_sampling = ops;
  cases.push_back({"file-ratelimiting-with-ops", rl});
  ServedStrategy zero;
  zero.probabilistic_rate = 0.0;  // an empty probabilisticSampling message
  cases.push_back({"probabilistic-zero", zero});
  ServedStrategy one;
  one.probabilistic_rate = 1.0;
  cases.push_back({"probabilistic-one", one});
  return cases;
}

std::vector<std::string> JavaRemoteOps() { return {"GET /a", "GET /b", "/health", "op1", "other"}; }

sim::Status WriteRemoteCases(const std::string& dir) {
  std::ofstream c(dir + "/java-remote.cases", std::ios::trunc);
  static const char kHex[] = "0123456789abcdef";
  for (const RemoteCase& rc : JavaRemoteCases()) {
    const std::string bytes = EncodeServedStrategy(rc.strategy);
    std::string hex;
    for (unsigned char b : bytes) {
      hex += kHex[b >> 4];
      hex += kHex[b & 15];
    }
    c << rc.name << " " << (hex.empty() ? "-" : hex) << "\n";
  }
  std::ofstream ops(dir + "/java-remote.ops", std::ios::trunc);
  for (const std::string& op : JavaRemoteOps()) ops << op << "\n";
  if (!c || !ops) return sim::Status::IoError("cannot write the remote cases into " + dir);
  return sim::Status::Ok();
}

sim::Result<std::vector<RemoteAgreement>> CompareRemote(const std::string& dir,
                                                        const std::string& decisions) {
  sim::Result<std::vector<sim::TraceId>> ids = ReadIds(dir + "/ids.bin");
  if (!ids.ok()) return ids.status();
  const size_t n = std::min(ids->size(), kRemoteIdCount);
  std::ifstream in(decisions, std::ios::binary);
  std::string java((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<RemoteCase> cases = JavaRemoteCases();
  const std::vector<std::string> ops = JavaRemoteOps();
  if (java.size() != cases.size() * ops.size() * n) {
    return sim::Status::InvalidArgument(decisions + ": " + std::to_string(java.size()) +
                                        " decisions, want " +
                                        std::to_string(cases.size() * ops.size() * n));
  }
  std::vector<RemoteAgreement> out;
  size_t at = 0;
  for (const RemoteCase& rc : cases) {
    sampling::JaegerRemoteOptions o;
    o.sdk = sampling::TracingSdk::kJava;
    sampling::JaegerRemoteSampler sampler(o);
    (void)sampler.Update(rc.strategy, 0);  // a failed update keeps the initial sampler
    RemoteAgreement a;
    a.name = rc.name;
    for (const std::string& op : ops) {
      for (size_t i = 0; i < n; ++i, ++at) {
        const bool t = sampler.Decide(op, (*ids)[i], 0).sampled;
        const bool j = java[at] == 1;
        ++a.compared;
        a.java_kept += j;
        if (t == j) {
          ++a.identical;
        } else if (a.first_differences.size() < 5) {
          char hex[33];
          sim::TraceIdToHex((*ids)[i], hex);
          a.first_differences.push_back(op + " " + std::string(hex, 32) + " java=" +
                                        std::to_string(j) + " tracesim=" + std::to_string(t));
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace tracesim::peers_sdk
