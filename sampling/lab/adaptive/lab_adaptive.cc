#include "sampling/lab/adaptive/lab_adaptive.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>
#include <set>

#include "sampling/head/head_samplers.h"
#include "sim/base/suggest.h"
#include "sim/model/faults.h"

namespace tracesim::sampling {

sim::Status SdkAssignment::ValidateFor(const sim::Model& model) const {
  std::vector<std::string> names;
  for (const sim::Service& s : model.services) {
    if (s.kind == sim::ServiceKind::kService) names.emplace_back(model.strings.Get(s.name));
  }
  for (const auto& [service, sdk] : services) {
    if (std::find(names.begin(), names.end(), service) == names.end()) {
      return sim::Status::InvalidArgument("sdk: no instrumented service '" + service + "'" +
                                          sim::DidYouMean(service, names));
    }
  }
  return sim::Status::Ok();
}

sim::Status JaegerProviderConfig::Validate() const {
  if (polling_interval <= sim::Duration())
    return sim::Status::InvalidArgument("polling_interval: must be > 0");
  if (store != "memory" && store != "badger" && store != "cassandra") {
    return sim::Status::InvalidArgument("store: must be memory, badger or cassandra, got '" +
                                        store + "'");
  }
  if (deployment.memory_store != (store == "memory"))
    return sim::Status::InvalidArgument("store: deployment.memory_store disagrees with '" + store +
                                        "'");
  if (deployment.role == JaegerAdaptiveDeployment::Role::kFollower && store != "cassandra") {
    return sim::Status::InvalidArgument(
        "role: follower needs store: cassandra (the " + store +
        " store's lock grants every node, so every Jaeger node is a leader)");
  }
  if (mode == Mode::kFile) TRACESIM_RETURN_IF_ERROR(file.Validate());
  if (mode == Mode::kAdaptive) TRACESIM_RETURN_IF_ERROR(adaptive.Validate());
  if (!write_strategies.empty() && mode != Mode::kAdaptive)
    return sim::Status::InvalidArgument("write_strategies: only the adaptive provider writes");
  return sim::Status::Ok();
}

sim::Status DynamicStageConfig::Validate() const {
  if (kind == Kind::kDynamic) TRACESIM_RETURN_IF_ERROR(dynamic.Validate());
  if (kind == Kind::kEmaDynamic) TRACESIM_RETURN_IF_ERROR(ema.Validate());
  if (field_list.empty() && !use_trace_length)
    return sim::Status::InvalidArgument("field_list: must name at least one field");
  for (const std::string& f : field_list) {
    if (f.empty() || f == "root.")
      return sim::Status::InvalidArgument("field_list: empty field name");
  }
  return sim::Status::Ok();
}

namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string Secs(sim::Duration d) { return Num(d.seconds()) + "s"; }

std::string Basename(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::vector<std::string> JaegerDeploymentWarnings(const JaegerProviderConfig& c,
                                                  const SdkAssignment& sdks) {
  std::vector<std::string> out;
  if (c.mode != JaegerProviderConfig::Mode::kAdaptive) return out;
  bool any_tags = sdks.default_sdk == TracingSdk::kJaegerClient;
  for (const auto& [service, sdk] : sdks.services) any_tags |= sdk == TracingSdk::kJaegerClient;
  if (!any_tags) {
    out.push_back("adaptive sampling with SDKs that write no sampler.type/sampler.param tags (" +
                  TracingSdkLabel(sdks.default_sdk) +
                  (sdks.services.empty() ? "" : " and the overrides") +
                  "): Jaeger v1.75.0 counts no root span and never adapts");
  }
  if (c.deployment.role == JaegerAdaptiveDeployment::Role::kLeader) {
    out.push_back("a single Jaeger v1.75.0 node (or any node with the " + c.store +
                  " store) is the leader: it serves the probabilities it loaded at start and "
                  "never refreshes them");
  }
  const JaegerAdaptiveOptions& o = c.adaptive;
  if (c.deployment.memory_store &&
      o.calculation_interval * o.aggregation_buckets <= o.calculation_delay) {
    out.push_back(
        "the memory store keeps aggregation_buckets x calculation_interval, no more "
        "than calculation_delay: no calculation ever sees throughput");
  }
  return out;
}

std::string JaegerPipelineLabel(const JaegerProviderConfig& c) {
  std::string p = "SDK parentbased_jaeger_remote(";
  if (c.mode == JaegerProviderConfig::Mode::kAdaptive) {
    p += "adaptive " + Num(c.adaptive.target_samples_per_second) + "/s per op, every " +
         Secs(c.adaptive.calculation_interval);
  } else {
    p += "file " + (c.source.empty() ? std::string("defaults") : Basename(c.source));
  }
  return p + ", poll " + Secs(c.polling_interval) + ")";
}

std::string DynamicStageLabel(const DynamicStageConfig& c) {
  const bool ema = c.kind == DynamicStageConfig::Kind::kEmaDynamic;
  std::string p = ema ? "ema_dynamic(goal 1/" + std::to_string(c.ema.goal_sample_rate)
                      : "dynamic(goal 1/" + std::to_string(c.dynamic.sample_rate);
  std::string key;
  for (const std::string& f : c.field_list) key += (key.empty() ? "" : ",") + f;
  if (c.use_trace_length) key += (key.empty() ? "" : ",") + std::string("trace length");
  return p + ", key " + key + ")";
}

// One strategy's Jaeger SDKs and their provider.
struct LabAdaptive::Jaeger {
  JaegerProviderConfig cfg;
  std::optional<JaegerFileStrategyProvider> file;
  std::optional<JaegerAdaptiveSampling> adaptive;  // created at the first span
  std::vector<JaegerRemoteSampler*> sdk;           // by service; owned by the strategy's head
  std::vector<TracingSdk> sdk_kind;                // by service
  std::vector<int64_t> phase;                      // by service: first poll after the start
  std::vector<int64_t> next_poll;                  // by service; INT64_MAX: no SDK
  std::vector<std::string> python;                 // services without a Jaeger remote sampler
  bool started = false;
  int64_t next_any = INT64_MAX;  // min(next_poll)
  int polls = 0;
  uint64_t roots_sampled = 0;   // sampled root spans that reached the collector
  uint64_t roots_readable = 0;  // of those, the ones whose tags Jaeger reads
  // Sampled roots whose trace is not complete yet, and completed traces awaiting their score.
  std::unordered_map<sim::TraceId, RootDecision, sim::TraceIdHash> roots;
  std::unordered_map<uint64_t, double> weights;  // truth sequence -> applied probability
};

struct LabAdaptive::Dynamic {
  Dynamic(const DynamicStageConfig& c) : cfg(c), keys(c.field_list, c.use_trace_length) {}
  struct Count {
    uint32_t spans = 0;
    uint32_t events = 0;  // spans + their span events and links: what Refinery counts
    uint64_t bytes = 0;
  };
  DynamicStageConfig cfg;
  DynamicKeyBuilder keys;
  std::optional<DynamicSampler> dyn;
  std::optional<EmaDynamicSampler> ema;
  std::unordered_map<sim::TraceId, Count, sim::TraceIdHash> pending;  // spans arrived, by trace
};

LabAdaptive::LabAdaptive(const sim::Model& model) : model_(model) {}
LabAdaptive::~LabAdaptive() = default;

namespace {

// The service's poll phase in (0, interval]: SplitMix64(FNV-1a-64(name)) as a fraction.
int64_t PollPhase(std::string_view name, int64_t interval) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  const double u = static_cast<double>(h >> 11) * 0x1p-53;
  return 1 + static_cast<int64_t>(u * static_cast<double>(interval - 1));
}

}  // namespace

sim::Status LabAdaptive::AddJaeger(size_t k, const JaegerProviderConfig& config,
                                   const SdkAssignment& sdks,
                                   std::vector<std::unique_ptr<Sampler>>* head) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  TRACESIM_RETURN_IF_ERROR(sdks.ValidateFor(model_));
  if (config.mode == JaegerProviderConfig::Mode::kNone)
    return sim::Status::InvalidArgument("no Jaeger strategy provider");
  auto j = std::make_unique<Jaeger>();
  j->cfg = config;
  if (config.mode == JaegerProviderConfig::Mode::kFile)
    j->file.emplace(config.strategies, config.file);
  head->clear();
  head->resize(model_.services.size());
  const size_t n = model_.services.size();
  j->sdk.assign(n, nullptr);
  j->sdk_kind.assign(n, TracingSdk::kGo);
  j->phase.assign(n, config.polling_interval.nanos());
  j->next_poll.assign(n, INT64_MAX);
  for (size_t s = 0; s < n; ++s) {
    if (model_.services[s].kind != sim::ServiceKind::kService) continue;
    const std::string_view name = model_.strings.Get(model_.services[s].name);
    j->sdk_kind[s] = sdks.For(name);
    if (j->sdk_kind[s] == TracingSdk::kPython) {
      // No Jaeger remote sampler in the Python SDK: the name falls back to the default.
      j->python.emplace_back(name);
      (*head)[s] = MakeParentBased(MakeAlwaysOn());
      continue;
    }
    if (!config.lockstep_polls) j->phase[s] = PollPhase(name, config.polling_interval.nanos());
    JaegerRemoteOptions o;
    o.service_name = std::string(name);
    o.polling_interval = config.polling_interval;
    o.sdk = j->sdk_kind[s];
    TRACESIM_RETURN_IF_ERROR(o.Validate());
    std::unique_ptr<JaegerRemoteSampler> sdk = MakeJaegerRemoteSampler(o);
    j->sdk[s] = sdk.get();
    (*head)[s] = MakeParentBased(std::move(sdk));
  }
  if (jaeger_.size() <= k) jaeger_.resize(k + 1);
  jaeger_[k] = std::move(j);
  has_jaeger_ = true;
  return sim::Status::Ok();
}

sim::Status LabAdaptive::AddDynamic(size_t k, const DynamicStageConfig& config) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  if (dynamic_.size() <= k) dynamic_.resize(k + 1);
  dynamic_[k] = std::make_unique<Dynamic>(config);
  has_dynamic_ = true;
  return sim::Status::Ok();
}

// One SDK's poll at `t`: what the provider serves its service now.
void LabAdaptive::Poll(Jaeger& j, size_t s, int64_t t) {
  const std::string_view name = model_.strings.Get(model_.services[s].name);
  // A failed update keeps the current sampler, as the SDKs do (they log the error).
  if (j.adaptive) {
    (void)j.sdk[s]->Update(j.adaptive->StrategyFor(name), t);
  } else {
    (void)j.sdk[s]->Update(j.file->StrategyFor(name), t);
  }
  ++j.polls;
}

void LabAdaptive::BeforeSpanStart(int64_t start_unix_nano) {
  now_ = std::max(now_, start_unix_nano);
  if (!has_jaeger_) return;
  for (std::unique_ptr<Jaeger>& jp : jaeger_) {
    if (!jp) continue;
    Jaeger& j = *jp;
    if (!j.started) {
      // The collector and every SDK run before the traffic starts: each SDK has what the
      // provider serves at start; then each polls on its own phase.
      j.started = true;
      if (j.cfg.mode == JaegerProviderConfig::Mode::kAdaptive) {
        j.adaptive.emplace(j.cfg.adaptive, sim::Time::FromNanos(now_), "tracesim",
                           j.cfg.deployment);
      }
      for (size_t s = 0; s < j.sdk.size(); ++s) {
        if (j.sdk[s] == nullptr) continue;
        Poll(j, s, now_);
        j.next_poll[s] = now_ + j.phase[s];
        j.next_any = std::min(j.next_any, j.next_poll[s]);
      }
    }
    // The polls due, in time order (ties: service order).
    while (j.next_any <= now_) {
      size_t first = 0;
      for (size_t s = 1; s < j.next_poll.size(); ++s)
        if (j.next_poll[s] < j.next_poll[first]) first = s;
      const int64_t t = j.next_poll[first];
      if (j.adaptive) j.adaptive->AdvanceTo(sim::Time::FromNanos(t));
      Poll(j, first, t);
      j.next_poll[first] = t + j.cfg.polling_interval.nanos();
      j.next_any = *std::min_element(j.next_poll.begin(), j.next_poll.end());
    }
  }
}

void LabAdaptive::AfterRootStart(const sim::Span& span, uint64_t bits) {
  if (!has_jaeger_) return;
  for (size_t k = 0; k < jaeger_.size(); ++k) {
    Jaeger* j = jaeger_[k].get();
    if (j == nullptr || !(bits >> k & 1) || span.service >= j->sdk.size()) continue;
    const JaegerRemoteSampler* sdk = j->sdk[span.service];
    if (sdk == nullptr) {  // a Python service's parentbased_always_on: no sampler tags
      if (model_.services[span.service].kind == sim::ServiceKind::kService)
        j->roots[span.trace_id] = RootDecision{};
      continue;
    }
    const JaegerDecision& d = sdk->last_decision();
    j->roots[span.trace_id] =
        RootDecision{d.type, SamplerTypeJaegerReads(j->sdk_kind[span.service], d.type), d.param};
  }
}

void LabAdaptive::OnSpanEnd(const sim::Span& span) {
  now_ = std::max(now_, span.end_unix_nano);
  if (!has_jaeger_ || span.parent_span_id != 0) return;
  for (size_t k = 0; k < jaeger_.size(); ++k) {
    Jaeger* j = jaeger_[k].get();
    if (j == nullptr || !j->adaptive || !(span.observer_bits >> k & 1)) continue;
    auto it = j->roots.find(span.trace_id);
    if (it == j->roots.end()) continue;
    ++j->roots_sampled;
    // Jaeger ignores a root without the sampler.type / sampler.param tags it reads.
    if (it->second.tagged == JaegerSamplerType::kUnrecognized) continue;
    ++j->roots_readable;
    // The adaptive_sampling processor's HandleRootSpan, as the root span reaches the collector.
    j->adaptive->RecordRootSpan(model_.strings.Get(model_.services[span.service].name),
                                model_.strings.Get(span.name), it->second.tagged, it->second.param,
                                sim::Time::FromNanos(now_));
  }
}

void LabAdaptive::OnDynamicSpan(size_t k, const sim::TraceId& trace_id, uint64_t bytes,
                                uint32_t events_and_links) {
  Dynamic::Count& c = dynamic_[k]->pending[trace_id];
  ++c.spans;
  c.events += RefineryEventCount(1, events_and_links, 0);
  c.bytes += bytes;
}

void LabAdaptive::OnTrace(const sim::TraceView& trace) {
  kept_.clear();
  const bool scored = trace.truth != nullptr && !trace.spans.empty();
  for (const sim::Span& s : trace.spans) now_ = std::max(now_, s.end_unix_nano);
  if (has_jaeger_) {
    for (std::unique_ptr<Jaeger>& j : jaeger_) {
      if (!j) continue;
      auto it = j->roots.find(trace.trace_id);
      if (it == j->roots.end()) continue;
      const RootDecision& d = it->second;
      if (scored && d.type == JaegerSamplerType::kProbabilistic && d.param > 0)
        j->weights[trace.truth->sequence] = d.param;
      j->roots.erase(it);
    }
  }
  if (!has_dynamic_) return;
  const sim::Time now = sim::Time::FromNanos(now_);
  for (size_t k = 0; k < dynamic_.size(); ++k) {
    Dynamic* d = dynamic_[k].get();
    if (d == nullptr) continue;
    auto it = d->pending.find(trace.trace_id);
    if (it == d->pending.end()) continue;
    const Dynamic::Count c = it->second;
    d->pending.erase(it);
    if (!scored) continue;
    // Refinery keys the whole trace it received and passes its event count (DescendantCount:
    // spans, span events and links).
    const std::string key = d->keys.Build(trace);
    uint32_t rate;
    if (d->cfg.kind == DynamicStageConfig::Kind::kEmaDynamic) {
      if (!d->ema) d->ema.emplace(d->cfg.ema, now);
      rate = d->ema->SampleRateFor(key, now, c.events);
    } else {
      if (!d->dyn) d->dyn.emplace(d->cfg.dynamic, now);
      rate = d->dyn->SampleRateFor(key, now, c.events);
    }
    if (DynamicKeep(trace.trace_id, rate)) kept_.push_back(Kept{k, c.spans, c.bytes});
  }
}

double LabAdaptive::HeadProbability(size_t k, uint64_t sequence) const {
  if (k >= jaeger_.size() || !jaeger_[k]) return 1.0;
  auto it = jaeger_[k]->weights.find(sequence);
  return it != jaeger_[k]->weights.end() ? it->second : 1.0;
}

void LabAdaptive::ForgetTrace(uint64_t sequence) {
  if (!has_jaeger_) return;
  for (std::unique_ptr<Jaeger>& j : jaeger_)
    if (j) j->weights.erase(sequence);
}

void LabAdaptive::Finish(int64_t end_unix_nano) {
  if (!has_jaeger_) return;
  now_ = std::max(now_, end_unix_nano);
  for (std::unique_ptr<Jaeger>& j : jaeger_)
    if (j && j->adaptive) j->adaptive->AdvanceTo(sim::Time::FromNanos(now_));
}

std::vector<std::string> LabAdaptive::Notes(size_t k) const {
  std::vector<std::string> out;
  if (k < dynamic_.size() && dynamic_[k]) {
    const Dynamic& d = *dynamic_[k];
    const uint64_t uncounted = d.dyn ? d.dyn->uncounted() : d.ema ? d.ema->uncounted() : 0;
    const uint32_t max_keys = d.cfg.kind == DynamicStageConfig::Kind::kEmaDynamic
                                  ? d.cfg.ema.max_keys
                                  : d.cfg.dynamic.max_keys;
    if (uncounted > 0) {
      out.push_back(std::to_string(uncounted) +
                    " traces had a dynamic-sampler key beyond max_keys (" +
                    std::to_string(max_keys) +
                    " distinct keys per window, Refinery's MaxKeys): their keys were not counted "
                    "and get rate 1 unless counted in the previous window");
    }
  }
  if (k >= jaeger_.size() || !jaeger_[k]) return out;
  const Jaeger& j = *jaeger_[k];
  if (!j.python.empty()) {
    std::string names;
    for (const std::string& p : j.python) names += (names.empty() ? "" : ", ") + p;
    out.push_back(names +
                  ": the Python SDK 1.45.2 has no Jaeger remote sampler; "
                  "OTEL_TRACES_SAMPLER=parentbased_jaeger_remote gives parentbased_always_on "
                  "(every trace started there is kept)");
  }
  if (j.cfg.mode != JaegerProviderConfig::Mode::kAdaptive || !j.adaptive) return out;
  const JaegerAdaptiveSampling& a = *j.adaptive;
  if (j.roots_sampled > 0 && j.roots_readable < j.roots_sampled) {
    std::set<TracingSdk> silent;
    for (size_t s = 0; s < j.sdk_kind.size(); ++s) {
      if (model_.services[s].kind == sim::ServiceKind::kService &&
          j.sdk_kind[s] != TracingSdk::kJaegerClient)
        silent.insert(j.sdk_kind[s]);
    }
    std::string sdks;
    for (TracingSdk sdk : silent) sdks += (sdks.empty() ? "" : ", ") + TracingSdkLabel(sdk);
    const std::string counted =
        j.roots_readable == 0
            ? "none of the " + std::to_string(j.roots_sampled)
            : std::to_string(j.roots_readable) + " of the " + std::to_string(j.roots_sampled);
    out.push_back(
        "Jaeger v1.75.0 counted " + counted +
        " sampled root spans: its aggregator reads only the sampler.type and "
        "sampler.param tags, which " +
        sdks +
        " do not write (Go contrib writes jaeger.sampler.*, Java only for rate "
        "limiting; jaeger-client writes them)" +
        (j.roots_readable == 0 ? ": no throughput, so adaptive sampling never adapts" : ""));
  }
  const JaegerAdaptiveOptions& o = a.options();
  if (j.cfg.deployment.memory_store &&
      o.calculation_interval * o.aggregation_buckets <= o.calculation_delay) {
    out.push_back("the memory store keeps " + std::to_string(o.aggregation_buckets) +
                  " throughput flushes (aggregation_buckets x calculation_interval), no more "
                  "than calculation_delay: no calculation ever sees throughput");
  }
  if (std::string why = a.NotAdaptingReason(); !why.empty()) out.push_back(why);
  return out;
}

sim::Status LabAdaptive::WriteOutputs(const std::vector<std::string>& strategy_names) const {
  for (size_t k = 0; k < jaeger_.size(); ++k) {
    const Jaeger* j = jaeger_[k].get();
    if (j == nullptr || j->cfg.write_strategies.empty()) continue;
    const std::string& path = j->cfg.write_strategies;
    std::string json;
    if (j->adaptive) {
      json = StrategiesFileToJson(j->adaptive->ToStrategiesFile());
    } else {  // no traffic: what the provider serves at start-up
      json = StrategiesFileToJson(JaegerAdaptiveSampling(j->cfg.adaptive).ToStrategiesFile());
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << json << "\n";
    out.close();
    if (!out) {
      const std::string name = k < strategy_names.size() ? strategy_names[k] : std::to_string(k);
      return sim::Status::IoError("strategy '" + name + "': write_strategies: cannot write " +
                                  path);
    }
  }
  return sim::Status::Ok();
}

const JaegerAdaptiveSampling* LabAdaptive::adaptive(size_t k) const {
  if (k >= jaeger_.size() || !jaeger_[k] || !jaeger_[k]->adaptive) return nullptr;
  return &*jaeger_[k]->adaptive;
}

const JaegerRemoteSampler* LabAdaptive::sdk(size_t k, uint32_t service) const {
  if (k >= jaeger_.size() || !jaeger_[k] || service >= jaeger_[k]->sdk.size()) return nullptr;
  return jaeger_[k]->sdk[service];
}

int LabAdaptive::polls(size_t k) const {
  return k < jaeger_.size() && jaeger_[k] ? jaeger_[k]->polls : 0;
}

}  // namespace tracesim::sampling
