// JaegerAdaptiveSampling: Jaeger's adaptive sampling loop (aggregator, post-aggregator and
// provider of internal/sampling/samplingstrategy/adaptive), driven by simulated time (spec §4.4).
//
// Root spans are recorded per (service, operation) with the sampler type and parameter their
// SDK reported; every calculation_interval (ticks at start + k * interval) the interval's
// throughput is written to a sampling store (JaegerAdaptiveDeployment: the memory store keeps
// aggregation_buckets flushes; throughput_store() keeps every row) and the post-aggregator reads
// the throughput of (last_checked, now - calculation_delay], prepends it as a bucket (at most
// aggregation_buckets), computes the weighted QPS over the newest calculation_buckets buckets
// (weights i^4, newest largest) and the new probability of each operation (tolerance check,
// adaptive-use check, x2 on zero QPS, target/qps with increases capped at +100%, clamp to
// [min_sampling_probability, 1]). What the provider serves follows JaegerAdaptiveDeployment::role:
// the leader (default) serves what it loaded at start, a follower reloads every 20 s, kIdeal
// serves each calculation at once. Deterministic; not thread-safe.
#ifndef TRACESIM_SAMPLING_JAEGER_ADAPTIVE_H_
#define TRACESIM_SAMPLING_JAEGER_ADAPTIVE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/jaeger/jaeger_remote.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::sampling {

// service -> operation -> value, ordered (deterministic output).
using JaegerServiceOpValues =
    std::map<std::string, std::map<std::string, double, std::less<>>, std::less<>>;

// samplingstore model.Throughput.
struct JaegerThroughput {
  std::string service;
  std::string operation;
  int64_t count = 0;                    // probabilistically sampled root spans
  std::set<std::string> probabilities;  // distinct reported probabilities, "%.6f", at most 10
};

// One row of the sampling store: throughput written at `time` (simulated time of the flush).
struct JaegerThroughputRecord {
  sim::Time time;
  JaegerThroughput throughput;
};

// One probabilities-and-QPS row, written by the leader after each calculation.
struct JaegerProbabilitiesRecord {
  sim::Time time;
  std::string hostname;
  JaegerServiceOpValues probabilities;
  JaegerServiceOpValues qps;
};

// The deployment around the algorithm, as Jaeger v1.75.0 runs it (issue 11; checked against the
// real code by peers/sdk, "Jaeger adaptive").
struct JaegerAdaptiveDeployment {
  // The in-memory sampling store (internal/storage/v1/memory) keeps only the newest
  // aggregation_buckets throughput flushes (the remote_sampling extension creates it with
  // that many), so rows older than that are gone when the post-aggregator reads
  // (last_checked, now - calculation_delay]: with aggregation_buckets * calculation_interval
  // <= calculation_delay no calculation ever sees throughput. false: every row stays (the
  // badger, Cassandra and Elasticsearch stores keep rows by time). Default: true.
  bool memory_store = true;

  // Which provider serves the SDKs. NOTE: do not renumber.
  enum class Role : uint8_t {
    // Serves each calculation's probabilities at once (what tracesim modelled before issue
    // 11; the ideal, not a deployment Jaeger v1.75.0 has).
    kIdeal = 0,
    // Jaeger >= 1.58 leader (a single node with the memory or badger store is always one, as
    // is every node with them: their lock always grants): the provider loads the stored
    // probabilities at start only (LoadProbabilities) and serves them for good; the
    // post-aggregator's new probabilities are never served. The default.
    kLeader = 1,
    // A follower: reloads the latest stored probabilities every 20 s
    // (defaultFollowerProbabilityInterval), the first time at start + follower_first_refresh.
    kFollower = 2,
  };
  Role role = Role::kLeader;
  // The follower's first reload: addJitter(20s), uniform in [10 s, 20 s) upstream; fixed here
  // so runs stay deterministic. Default: 15s.
  sim::Duration follower_first_refresh = sim::Duration::Seconds(15);
};

class JaegerAdaptiveSampling {
 public:
  // REQUIRES: options.Validate().ok(). The first aggregation tick is at start + interval.
  explicit JaegerAdaptiveSampling(const JaegerAdaptiveOptions& options,
                                  sim::Time start = sim::Time::Zero(),
                                  std::string hostname = "tracesim",
                                  JaegerAdaptiveDeployment deployment = {});

  // The adaptive_sampling processor's HandleRootSpan for one root span that ended at `t`.
  // Runs the ticks due at or before `t` first. Spans with an empty service or operation, or an
  // unrecognized sampler type, are ignored (as Jaeger does). Only kProbabilistic increments the
  // count; other types register the operation with count 0.
  void RecordRootSpan(std::string_view service, std::string_view operation, JaegerSamplerType type,
                      double param, sim::Time t);
  // Runs every aggregation tick due at or before `now`.
  void AdvanceTo(sim::Time now);

  // The strategy the provider serves to `service` (per-operation probabilities as the
  // deployment's role serves them, default probability initial_sampling_probability, lower
  // bound min_samples_per_second); unknown services get the default response.
  ServedStrategy StrategyFor(std::string_view service) const;
  // Every served strategy as JSON: {"default": response, "services": {name: response, ...}}.
  std::string ServedStrategiesJson(int indent = 2) const;
  // The same probabilities as a strategies file (probabilistic default at the initial
  // probability, one service entry per service with its operation strategies).
  JaegerStrategiesFile ToStrategiesFile() const;

  // Seeds the latest probabilities, as the provider does from the store at start-up.
  void LoadProbabilities(const JaegerServiceOpValues& probabilities);

  const JaegerServiceOpValues& probabilities() const { return probabilities_; }
  // What the provider serves now (probabilities() for Role::kIdeal).
  const JaegerServiceOpValues& served_probabilities() const {
    return deployment_.role == JaegerAdaptiveDeployment::Role::kIdeal ? probabilities_ : served_;
  }
  // Why the served probabilities do not follow the calculations, or "" when they do
  // (Role::kIdeal, or a follower): for the run summary (sampling/lab notes).
  std::string NotAdaptingReason() const;
  const JaegerServiceOpValues& qps() const { return qps_; }
  int calculations() const { return calculations_; }
  sim::Time next_tick() const { return next_tick_; }
  const std::vector<JaegerThroughputRecord>& throughput_store() const { return store_; }
  const std::vector<JaegerProbabilitiesRecord>& probabilities_store() const { return prob_store_; }
  const JaegerAdaptiveOptions& options() const { return options_; }

  // The pure pieces, exposed for tests.
  // Normalised weights i^4, i = n..1 (index 0, the newest bucket, largest).
  static std::vector<double> Weights(int n);
  // PercentageIncreaseCappedCalculator(1.0): old * target/qps, increases capped at +100%.
  static double CappedProbability(double target, double qps, double old_probability);
  // strconv.FormatFloat(v, 'f', 6, 64).
  static std::string TruncateFloat(double v);

 private:
  struct Bucket {
    std::map<std::string, std::map<std::string, JaegerThroughput, std::less<>>, std::less<>> ops;
    sim::Duration interval;
    sim::Time end;
  };
  struct CacheEntry {
    double probability = 0;
    bool using_adaptive = false;
  };
  using ServiceCache = std::map<std::string, std::map<std::string, CacheEntry>>;

  void Tick(sim::Time t);
  void RunCalculation(sim::Time t);
  double CalculateProbability(const std::string& service, const std::string& op, double qps);
  bool IsUsingAdaptive(double probability, const std::string& service, const std::string& op,
                       const Bucket& latest) const;

  JaegerAdaptiveOptions options_;
  JaegerAdaptiveDeployment deployment_;
  std::string hostname_;
  sim::Time next_tick_;
  sim::Time last_checked_;
  std::map<std::string, std::map<std::string, JaegerThroughput, std::less<>>, std::less<>> current_;
  std::vector<JaegerThroughputRecord> store_;
  std::vector<JaegerProbabilitiesRecord> prob_store_;
  std::deque<Bucket> buckets_;      // newest first
  std::deque<ServiceCache> cache_;  // newest first, at most 25
  JaegerServiceOpValues probabilities_;
  JaegerServiceOpValues served_;  // kLeader / kFollower: what the provider loaded last
  sim::Time next_refresh_;        // kFollower
  JaegerServiceOpValues qps_;
  int calculations_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Sampling-store records as Jaeger's Elasticsearch store writes them (the testdata shape):
// {"throughputs": {"Count", "Operation", "Probabilities", "Service"}, "timestamp"} and
// {"probabilitiesandqps": {"Hostname", "Probabilities", "QPS"}, "timestamp"}.

struct JaegerSamplingStoreRecords {
  std::vector<JaegerThroughputRecord> throughput;
  std::vector<JaegerProbabilitiesRecord> probabilities;
};

// Parses a bulk request ({"method", "path", "ndjson": [...]}), a bare array of documents or
// one document; "index" action lines are skipped. Timestamps (RFC 3339) become simulated time
// relative to `epoch_unix_nanos`. Errors name `source` and the JSON path.
sim::Result<JaegerSamplingStoreRecords> ParseSamplingStoreJson(std::string_view text,
                                                               std::string_view source,
                                                               int64_t epoch_unix_nanos = 0);
// Writes the records as a bulk request to index `index` (the inverse of the parser).
std::string SamplingStoreToJson(const JaegerSamplingStoreRecords& records, int64_t epoch_unix_nanos,
                                std::string_view index = "jaeger-sampling-write", int indent = 2);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_JAEGER_ADAPTIVE_H_
