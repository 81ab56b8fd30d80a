#include "sampling/lab/lab_adaptive.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "sampling/head/head_samplers.h"
#include "sim/model/faults.h"

namespace tracesim::sampling {

sim::Status JaegerProviderConfig::Validate() const {
  if (polling_interval <= sim::Duration())
    return sim::Status::InvalidArgument("polling_interval: must be > 0");
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
  bool started = false;
  int64_t next_poll = 0;
  int polls = 0;
  // Sampled roots whose trace is not complete yet, and completed traces awaiting their score.
  std::unordered_map<sim::TraceId, RootDecision, sim::TraceIdHash> roots;
  std::unordered_map<uint64_t, double> weights;  // truth sequence -> applied probability
};

struct LabAdaptive::Dynamic {
  Dynamic(const DynamicStageConfig& c) : cfg(c), keys(c.field_list, c.use_trace_length) {}
  struct Count {
    uint32_t spans = 0;
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

sim::Status LabAdaptive::AddJaeger(size_t k, const JaegerProviderConfig& config,
                                   std::vector<std::unique_ptr<Sampler>>* head) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  if (config.mode == JaegerProviderConfig::Mode::kNone)
    return sim::Status::InvalidArgument("no Jaeger strategy provider");
  auto j = std::make_unique<Jaeger>();
  j->cfg = config;
  if (config.mode == JaegerProviderConfig::Mode::kFile)
    j->file.emplace(config.strategies, config.file);
  head->clear();
  head->resize(model_.services.size());
  j->sdk.assign(model_.services.size(), nullptr);
  for (size_t s = 0; s < model_.services.size(); ++s) {
    if (model_.services[s].kind != sim::ServiceKind::kService) continue;
    JaegerRemoteOptions o;
    o.service_name = std::string(model_.strings.Get(model_.services[s].name));
    o.polling_interval = config.polling_interval;
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

void LabAdaptive::BeforeSpanStart(int64_t start_unix_nano) {
  now_ = std::max(now_, start_unix_nano);
  if (!has_jaeger_) return;
  for (std::unique_ptr<Jaeger>& jp : jaeger_) {
    if (!jp) continue;
    Jaeger& j = *jp;
    if (!j.started) {
      // The collector and every SDK start with the traffic; each SDK polls at once.
      j.started = true;
      j.next_poll = now_;
      if (j.cfg.mode == JaegerProviderConfig::Mode::kAdaptive)
        j.adaptive.emplace(j.cfg.adaptive, sim::Time::FromNanos(now_));
    }
    while (j.next_poll <= now_) {
      const int64_t t = j.next_poll;
      if (j.adaptive) j.adaptive->AdvanceTo(sim::Time::FromNanos(t));
      for (size_t s = 0; s < j.sdk.size(); ++s) {
        if (j.sdk[s] == nullptr) continue;
        const std::string_view name = model_.strings.Get(model_.services[s].name);
        // A failed update keeps the current sampler, as the SDK does (it logs the error).
        if (j.adaptive) {
          (void)j.sdk[s]->Update(j.adaptive->StrategyFor(name), t);
        } else {
          (void)j.sdk[s]->Update(j.file->StrategyFor(name), t);
        }
      }
      ++j.polls;
      j.next_poll = t + j.cfg.polling_interval.nanos();
    }
  }
}

void LabAdaptive::AfterRootStart(const sim::Span& span, uint64_t bits) {
  if (!has_jaeger_) return;
  for (size_t k = 0; k < jaeger_.size(); ++k) {
    Jaeger* j = jaeger_[k].get();
    if (j == nullptr || !(bits >> k & 1) || span.service >= j->sdk.size()) continue;
    const JaegerRemoteSampler* sdk = j->sdk[span.service];
    if (sdk == nullptr) continue;
    const JaegerDecision& d = sdk->last_decision();
    j->roots[span.trace_id] = RootDecision{d.type, d.param};
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
    // The adaptive_sampling processor's HandleRootSpan, as the root span reaches the collector.
    j->adaptive->RecordRootSpan(model_.strings.Get(model_.services[span.service].name),
                                model_.strings.Get(span.name), it->second.type, it->second.param,
                                sim::Time::FromNanos(now_));
  }
}

void LabAdaptive::OnDynamicSpan(size_t k, const sim::TraceId& trace_id, uint64_t bytes) {
  Dynamic::Count& c = dynamic_[k]->pending[trace_id];
  ++c.spans;
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
    // Refinery keys the whole trace it received and passes its span count.
    const std::string key = d->keys.Build(trace);
    uint32_t rate;
    if (d->cfg.kind == DynamicStageConfig::Kind::kEmaDynamic) {
      if (!d->ema) d->ema.emplace(d->cfg.ema, now);
      rate = d->ema->SampleRateFor(key, now, c.spans);
    } else {
      if (!d->dyn) d->dyn.emplace(d->cfg.dynamic, now);
      rate = d->dyn->SampleRateFor(key, now, c.spans);
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
