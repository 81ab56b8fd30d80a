// The Java Jaeger remote sampler oracle's C++ side (peers/sdk/README.md, "Java Jaeger remote
// sampler"): served strategies as the protobuf bytes Jaeger's gRPC endpoint sends, and the
// comparison of Java's decisions after each update with tracesim's JaegerRemoteSampler in its
// Java variant (sampling/jaeger/jaeger_remote.h, TracingSdk::kJava). A test tool.
//
// Files (in the oracle's work directory):
//   java-remote.cases      one case a line: "NAME HEX", HEX the SamplingStrategyResponse bytes
//                          (jaeger-idl api_v2, proto3: zero scalars and enums are not written,
//                          present sub-messages are, even when empty).
//   java-remote.ops        the operation names decided, one a line.
//   java-remote.decisions  written by the Java side: per case, per operation, per id (the first
//                          kRemoteIdCount ids of ids.bin), one byte, 1 = RECORD_AND_SAMPLE.
#ifndef TRACESIM_PEERS_SDK_JAEGER_REMOTE_ORACLE_H_
#define TRACESIM_PEERS_SDK_JAEGER_REMOTE_ORACLE_H_

#include <string>
#include <vector>

#include "sampling/jaeger/jaeger_strategies.h"
#include "sim/base/status.h"

namespace tracesim::peers_sdk {

inline constexpr size_t kRemoteIdCount = 100'000;

struct RemoteCase {
  std::string name;
  sampling::ServedStrategy strategy;
};

// The cases: Jaeger adaptive's start-up response (an empty per-operation list and nothing
// else: Java keeps its initial sampler, 0.001, not the served default 0.05) and one with
// probabilities (no lower bound: /health at 0 is never sampled); the file provider's
// probabilistic, ratelimiting-with-operations, zero and one responses.
std::vector<RemoteCase> JavaRemoteCases();
std::vector<std::string> JavaRemoteOps();

// SamplingStrategyResponse as gogo protobuf marshals it.
std::string EncodeServedStrategy(const sampling::ServedStrategy& s);

// Writes java-remote.cases and java-remote.ops into `dir`.
sim::Status WriteRemoteCases(const std::string& dir);

struct RemoteAgreement {
  std::string name;
  uint64_t compared = 0, identical = 0, java_kept = 0;
  std::vector<std::string> first_differences;  // at most 5
};
// Compares `decisions` (the Java side's file) with tracesim's decisions, case by case.
sim::Result<std::vector<RemoteAgreement>> CompareRemote(const std::string& dir,
                                                        const std::string& decisions);

}  // namespace tracesim::peers_sdk

#endif  // TRACESIM_PEERS_SDK_JAEGER_REMOTE_ORACLE_H_
