#include "sampling/jaeger/jaeger_adaptive.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

namespace tracesim::sampling {

namespace {
// provider.go defaultFollowerProbabilityInterval.
constexpr sim::Duration kFollowerRefreshInterval = sim::Duration::Seconds(20);
}  // namespace

namespace {

using nlohmann::json;

constexpr size_t kMaxProbabilities = 10;  // distinct probabilities remembered per operation
constexpr size_t kServiceCacheSize = 25;  // past calculations the leader remembers
constexpr double kMaxSamplingProbability = 1.0;

bool FloatEquals(double a, double b) { return std::fabs(a - b) < 1e-10; }

}  // namespace

std::vector<double> JaegerAdaptiveSampling::Weights(int n) {
  std::vector<double> w;
  w.reserve(n > 0 ? n : 0);
  double sum = 0;
  for (int i = n; i > 0; --i) {
    const double x = std::pow(static_cast<double>(i), 4);
    w.push_back(x);
    sum += x;
  }
  for (double& x : w) x /= sum;
  return w;
}

double JaegerAdaptiveSampling::CappedProbability(double target, double qps, double old) {
  constexpr double kPercentageIncreaseCap = 1.0;  // +100%: at most doubles per calculation
  const double factor = target / qps;
  double p = old * factor;
  if (factor > 1.0) {
    const double increase = (p - old) / old;
    if (increase > kPercentageIncreaseCap) p = old + old * kPercentageIncreaseCap;
  }
  return p;
}

std::string JaegerAdaptiveSampling::TruncateFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

JaegerAdaptiveSampling::JaegerAdaptiveSampling(const JaegerAdaptiveOptions& options,
                                               sim::Time start, std::string hostname,
                                               JaegerAdaptiveDeployment deployment)
    : options_(options),
      deployment_(deployment),
      hostname_(std::move(hostname)),
      next_tick_(start + options.calculation_interval),
      last_checked_(start - options.calculation_delay),
      next_refresh_(start + deployment.follower_first_refresh) {}

void JaegerAdaptiveSampling::RecordRootSpan(std::string_view service, std::string_view operation,
                                            JaegerSamplerType type, double param, sim::Time t) {
  AdvanceTo(t);
  if (service.empty() || operation.empty() || type == JaegerSamplerType::kUnrecognized) return;
  auto& ops = current_[std::string(service)];
  auto it = ops.find(operation);
  if (it == ops.end()) {
    JaegerThroughput th;
    th.service = std::string(service);
    th.operation = std::string(operation);
    it = ops.emplace(std::string(operation), std::move(th)).first;
  }
  JaegerThroughput& th = it->second;
  if (th.probabilities.size() != kMaxProbabilities) th.probabilities.insert(TruncateFloat(param));
  if (type == JaegerSamplerType::kProbabilistic) ++th.count;
}

void JaegerAdaptiveSampling::AdvanceTo(sim::Time now) {
  const bool follower = deployment_.role == JaegerAdaptiveDeployment::Role::kFollower;
  for (;;) {
    // A follower's reload at the same instant as a tick comes after it.
    if (follower && next_refresh_ < next_tick_ && next_refresh_ <= now) {
      served_ = probabilities_;  // GetLatestProbabilities: the last calculation's
      next_refresh_ = next_refresh_ + kFollowerRefreshInterval;
      continue;
    }
    if (next_tick_ > now) break;
    const sim::Time t = next_tick_;
    next_tick_ = next_tick_ + options_.calculation_interval;
    Tick(t);
  }
}

std::string JaegerAdaptiveSampling::NotAdaptingReason() const {
  if (deployment_.role != JaegerAdaptiveDeployment::Role::kLeader) return "";
  return "the Jaeger v1.75.0 leader (a single node, or any node with the memory or badger store, "
         "is one) serves the probabilities it loaded at start and never the ones it calculates "
         "(only followers reload, every 20 s): adaptive sampling does not adapt (role: ideal "
         "models the ideal)";
}

void JaegerAdaptiveSampling::Tick(sim::Time t) {
  // saveThroughput: one store row per (service, operation) seen this interval.
  for (auto& [svc, ops] : current_) {
    for (auto& [op, th] : ops) store_.push_back({t, std::move(th)});
  }
  current_.clear();
  RunCalculation(t);
}

void JaegerAdaptiveSampling::RunCalculation(sim::Time t) {
  const sim::Time end = t - options_.calculation_delay;
  const sim::Time start = last_checked_;
  // GetThroughput(start, end): rows written in (start, end], summed across collectors.
  Bucket b;
  b.interval = end - start;
  b.end = end;
  // The memory store holds only the flushes at t, t - interval, ..., the newest
  // aggregation_buckets of them (memory.SamplingStore.preprendThroughput).
  const sim::Time oldest_kept =
      deployment_.memory_store ? t - options_.calculation_interval * options_.aggregation_buckets
                               : sim::Time::FromNanos(std::numeric_limits<int64_t>::min());
  for (const JaegerThroughputRecord& r : store_) {
    if (!(r.time > start && r.time <= end) || r.time <= oldest_kept) continue;
    auto& ops = b.ops[r.throughput.service];
    auto it = ops.find(r.throughput.operation);
    if (it == ops.end()) {
      ops.emplace(r.throughput.operation, r.throughput);
    } else {
      it->second.count += r.throughput.count;
      it->second.probabilities.insert(r.throughput.probabilities.begin(),
                                      r.throughput.probabilities.end());
    }
  }
  buckets_.push_front(std::move(b));
  if (buckets_.size() > static_cast<size_t>(options_.aggregation_buckets)) {
    buckets_.resize(options_.aggregation_buckets);
  }
  last_checked_ = end;

  // calculateProbabilitiesAndQPS (this instance is always the leader).
  cache_.push_front(ServiceCache());
  if (cache_.size() > kServiceCacheSize) cache_.resize(kServiceCacheSize);
  // throughputToQPS: per operation, QPS of the newest calculation_buckets buckets holding it.
  std::map<std::string, std::map<std::string, std::vector<double>>> qps_buckets;
  for (const Bucket& bucket : buckets_) {
    // calculateQPS: float64(interval) / float64(time.Second), a division (nanos * 1e-9 can
    // differ in the last bit).
    const double seconds = static_cast<double>(bucket.interval.nanos()) / 1e9;
    for (const auto& [svc, ops] : bucket.ops) {
      auto& per_op = qps_buckets[svc];
      for (const auto& [op, th] : ops) {
        auto& v = per_op[op];
        if (v.size() >= static_cast<size_t>(options_.calculation_buckets)) continue;
        v.push_back(static_cast<double>(th.count) / seconds);
      }
    }
  }
  JaegerServiceOpValues new_probabilities, new_qps;
  for (const auto& [svc, per_op] : qps_buckets) {
    auto& probs = new_probabilities[svc];
    auto& qpss = new_qps[svc];
    for (const auto& [op, values] : per_op) {
      const std::vector<double> w = Weights(static_cast<int>(values.size()));
      double avg = 0;
      for (size_t i = 0; i < values.size(); ++i) avg += values[i] * w[i];
      qpss[op] = avg;
      probs[op] = CalculateProbability(svc, op, avg);
    }
  }
  probabilities_ = std::move(new_probabilities);
  qps_ = std::move(new_qps);
  ++calculations_;
  prob_store_.push_back({t, hostname_, probabilities_, qps_});
}

double JaegerAdaptiveSampling::CalculateProbability(const std::string& service,
                                                    const std::string& op, double qps) {
  double old = options_.initial_sampling_probability;
  if (auto s = probabilities_.find(service); s != probabilities_.end()) {
    if (auto o = s->second.find(op); o != s->second.end()) old = o->second;
  }
  const bool using_adaptive = IsUsingAdaptive(old, service, op, buckets_.front());
  cache_.front()[service][op] = CacheEntry{old, using_adaptive};
  const double target = options_.target_samples_per_second;
  if (std::fabs(qps - target) / target < options_.delta_tolerance || !using_adaptive) return old;
  double p;
  if (FloatEquals(qps, 0)) {
    p = old * 2.0;  // force at least one probabilistic sample
  } else {
    p = CappedProbability(target, qps, old);
  }
  return std::min(kMaxSamplingProbability, std::max(options_.min_sampling_probability, p));
}

bool JaegerAdaptiveSampling::IsUsingAdaptive(double probability, const std::string& service,
                                             const std::string& op, const Bucket& latest) const {
  if (FloatEquals(probability, options_.initial_sampling_probability)) return true;
  if (auto s = latest.ops.find(service); s != latest.ops.end()) {
    if (auto o = s->second.find(op); o != s->second.end()) {
      return o->second.probabilities.count(TruncateFloat(probability)) > 0;
    }
  }
  if (cache_.size() > 1) {
    const ServiceCache& prev = cache_[1];
    if (auto s = prev.find(service); s != prev.end()) {
      if (auto o = s->second.find(op); o != s->second.end()) {
        return o->second.using_adaptive &&
               !FloatEquals(o->second.probability, options_.initial_sampling_probability);
      }
    }
  }
  return false;
}

ServedStrategy JaegerAdaptiveSampling::StrategyFor(std::string_view service) const {
  ServedStrategy s;
  s.type = JaegerStrategyType::kProbabilistic;
  JaegerPerOperationStrategies ops;
  ops.default_sampling_probability = options_.initial_sampling_probability;
  ops.default_lower_bound_traces_per_second = options_.min_samples_per_second;
  const JaegerServiceOpValues& served = served_probabilities();
  if (auto it = served.find(service); it != served.end()) {
    for (const auto& [op, p] : it->second) ops.per_operation.push_back({op, p});
  }
  s.operation_sampling = std::move(ops);
  return s;
}

std::string JaegerAdaptiveSampling::ServedStrategiesJson(int indent) const {
  json o = json::object();
  o["default"] = json::parse(ServedStrategyToJson(StrategyFor(std::string_view()), -1));
  json services = json::object();
  for (const auto& [svc, ops] : served_probabilities()) {
    services[svc] = json::parse(ServedStrategyToJson(StrategyFor(svc), -1));
  }
  o["services"] = std::move(services);
  return o.dump(indent);
}

JaegerStrategiesFile JaegerAdaptiveSampling::ToStrategiesFile() const {
  JaegerStrategiesFile f;
  JaegerFileServiceStrategy d;
  d.type = "probabilistic";
  d.param = options_.initial_sampling_probability;
  f.default_strategy = d;
  for (const auto& [svc, ops] : probabilities_) {
    JaegerFileServiceStrategy s;
    s.service = svc;
    s.type = "probabilistic";
    s.param = options_.initial_sampling_probability;
    for (const auto& [op, p] : ops) s.operation_strategies.push_back({op, "probabilistic", p});
    f.service_strategies.push_back(std::move(s));
  }
  return f;
}

void JaegerAdaptiveSampling::LoadProbabilities(const JaegerServiceOpValues& probabilities) {
  probabilities_ = probabilities;
  served_ = probabilities;  // Provider.Start: loadProbabilities
}

// ---------------------------------------------------------------------------------------------

namespace {

sim::Status StoreError(std::string_view source, const std::string& path, const std::string& m) {
  return sim::Status::InvalidArgument(std::string(source) + ": " + path + ": " + m);
}

sim::Status ParseServiceOpValues(std::string_view source, const std::string& path, const json& j,
                                 JaegerServiceOpValues* out) {
  if (j.is_null()) return sim::Status::Ok();
  if (!j.is_object()) return StoreError(source, path, "expected an object of services");
  for (auto s = j.begin(); s != j.end(); ++s) {
    const std::string sp = path + "." + s.key();
    if (!s->is_object()) return StoreError(source, sp, "expected an object of operations");
    auto& ops = (*out)[s.key()];
    for (auto o = s->begin(); o != s->end(); ++o) {
      if (!o->is_number()) return StoreError(source, sp + "." + o.key(), "expected a number");
      ops[o.key()] = o->get<double>();
    }
  }
  return sim::Status::Ok();
}

sim::Result<sim::Time> ParseStamp(std::string_view source, const std::string& path, const json& doc,
                                  int64_t epoch) {
  auto it = doc.find("timestamp");
  if (it == doc.end() || !it->is_string()) {
    return StoreError(source, path + ".timestamp", "expected an RFC 3339 string");
  }
  auto t = sim::ParseRfc3339(it->get<std::string>());
  if (!t.ok()) return StoreError(source, path + ".timestamp", t.status().message());
  return sim::Time::FromNanos(*t - epoch);
}

sim::Status ParseDoc(std::string_view source, const std::string& path, const json& doc,
                     int64_t epoch, JaegerSamplingStoreRecords* out) {
  if (!doc.is_object()) return StoreError(source, path, "expected an object");
  if (doc.contains("index") || doc.contains("create")) return sim::Status::Ok();  // bulk action
  if (auto it = doc.find("throughputs"); it != doc.end()) {
    const std::string tp = path + ".throughputs";
    if (!it->is_object()) return StoreError(source, tp, "expected an object");
    JaegerThroughputRecord r;
    TRACESIM_ASSIGN_OR_RETURN(r.time, ParseStamp(source, path, doc, epoch));
    const json& t = *it;
    auto str = [&](const char* k, std::string* dst) -> sim::Status {
      auto f = t.find(k);
      if (f == t.end() || !f->is_string()) {
        return StoreError(source, tp + "." + k, "expected a string");
      }
      *dst = f->get<std::string>();
      return sim::Status::Ok();
    };
    TRACESIM_RETURN_IF_ERROR(str("Service", &r.throughput.service));
    TRACESIM_RETURN_IF_ERROR(str("Operation", &r.throughput.operation));
    auto c = t.find("Count");
    if (c == t.end() || !c->is_number_integer()) {
      return StoreError(source, tp + ".Count", "expected an integer");
    }
    r.throughput.count = c->get<int64_t>();
    if (auto p = t.find("Probabilities"); p != t.end() && !p->is_null()) {
      if (p->is_object()) {
        for (auto k = p->begin(); k != p->end(); ++k) r.throughput.probabilities.insert(k.key());
      } else if (p->is_array()) {
        for (const auto& k : *p) {
          if (!k.is_string()) {
            return StoreError(source, tp + ".Probabilities", "expected strings");
          }
          r.throughput.probabilities.insert(k.get<std::string>());
        }
      } else {
        return StoreError(source, tp + ".Probabilities", "expected an object, array or null");
      }
    }
    out->throughput.push_back(std::move(r));
    return sim::Status::Ok();
  }
  if (auto it = doc.find("probabilitiesandqps"); it != doc.end()) {
    const std::string pp = path + ".probabilitiesandqps";
    if (!it->is_object()) return StoreError(source, pp, "expected an object");
    JaegerProbabilitiesRecord r;
    TRACESIM_ASSIGN_OR_RETURN(r.time, ParseStamp(source, path, doc, epoch));
    if (auto h = it->find("Hostname"); h != it->end()) {
      if (!h->is_string()) return StoreError(source, pp + ".Hostname", "expected a string");
      r.hostname = h->get<std::string>();
    }
    TRACESIM_RETURN_IF_ERROR(ParseServiceOpValues(
        source, pp + ".Probabilities", it->value("Probabilities", json()), &r.probabilities));
    TRACESIM_RETURN_IF_ERROR(
        ParseServiceOpValues(source, pp + ".QPS", it->value("QPS", json()), &r.qps));
    out->probabilities.push_back(std::move(r));
    return sim::Status::Ok();
  }
  return StoreError(source, path, "neither a throughputs nor a probabilitiesandqps record");
}

json ValuesToJson(const JaegerServiceOpValues& v) {
  json o = json::object();
  for (const auto& [svc, ops] : v) {
    json s = json::object();
    for (const auto& [op, x] : ops) s[op] = x;
    o[svc] = std::move(s);
  }
  return o;
}

}  // namespace

sim::Result<JaegerSamplingStoreRecords> ParseSamplingStoreJson(std::string_view text,
                                                               std::string_view source,
                                                               int64_t epoch_unix_nanos) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return StoreError(source, "$", "not valid JSON");
  JaegerSamplingStoreRecords out;
  const json* docs = &j;
  std::string base = "$";
  if (j.is_object() && j.contains("ndjson")) {
    docs = &j["ndjson"];
    base = "ndjson";
    if (!docs->is_array()) return StoreError(source, base, "expected an array");
  }
  if (docs->is_array()) {
    for (size_t i = 0; i < docs->size(); ++i) {
      TRACESIM_RETURN_IF_ERROR(ParseDoc(source, base + "[" + std::to_string(i) + "]", (*docs)[i],
                                        epoch_unix_nanos, &out));
    }
  } else {
    TRACESIM_RETURN_IF_ERROR(ParseDoc(source, base, *docs, epoch_unix_nanos, &out));
  }
  return out;
}

std::string SamplingStoreToJson(const JaegerSamplingStoreRecords& records, int64_t epoch_unix_nanos,
                                std::string_view index, int indent) {
  json nd = json::array();
  json action = {{"index", {{"_index", std::string(index)}}}};
  for (const auto& r : records.throughput) {
    nd.push_back(action);
    json t = json::object();
    t["Count"] = r.throughput.count;
    t["Operation"] = r.throughput.operation;
    if (r.throughput.probabilities.empty()) {
      t["Probabilities"] = nullptr;
    } else {
      json p = json::object();
      for (const auto& k : r.throughput.probabilities) p[k] = json::object();
      t["Probabilities"] = std::move(p);
    }
    t["Service"] = r.throughput.service;
    nd.push_back({{"throughputs", std::move(t)},
                  {"timestamp", sim::FormatRfc3339(epoch_unix_nanos + r.time.nanos())}});
  }
  for (const auto& r : records.probabilities) {
    nd.push_back(action);
    json p = json::object();
    p["Hostname"] = r.hostname;
    p["Probabilities"] = ValuesToJson(r.probabilities);
    p["QPS"] = ValuesToJson(r.qps);
    nd.push_back({{"probabilitiesandqps", std::move(p)},
                  {"timestamp", sim::FormatRfc3339(epoch_unix_nanos + r.time.nanos())}});
  }
  json o = {{"method", "POST"}, {"path", "/_bulk"}, {"ndjson", std::move(nd)}};
  return o.dump(indent);
}

}  // namespace tracesim::sampling
