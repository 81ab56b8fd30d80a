#include "sampling/head/head_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "config/reader.h"
#include "sampling/core/head_format.h"
#include "sampling/head/consistent_probability_sampler.h"
#include "sim/base/suggest.h"

namespace tracesim::sampling {
namespace {

struct KindName {
  HeadSamplerKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {
    {HeadSamplerKind::kAlwaysOn, "always_on"},
    {HeadSamplerKind::kAlwaysOff, "always_off"},
    {HeadSamplerKind::kTraceIdRatio, "traceidratio"},
    {HeadSamplerKind::kParentBasedAlwaysOn, "parentbased_always_on"},
    {HeadSamplerKind::kParentBasedAlwaysOff, "parentbased_always_off"},
    {HeadSamplerKind::kParentBasedTraceIdRatio, "parentbased_traceidratio"},
    {HeadSamplerKind::kJaegerRemote, "jaeger_remote"},
    {HeadSamplerKind::kParentBasedJaegerRemote, "parentbased_jaeger_remote"},
    {HeadSamplerKind::kProbability, "probability"},
    {HeadSamplerKind::kParentBasedProbability, "parentbased_probability"},
    {HeadSamplerKind::kRateLimiting, "rate_limiting"},
    {HeadSamplerKind::kParentBasedRateLimiting, "parentbased_rate_limiting"},
};

std::vector<std::string> KindNames() {
  std::vector<std::string> out;
  for (const KindName& k : kKindNames) out.emplace_back(k.name);
  return out;
}

const config::Keys kSpecKeys = {
    "sampler",           "ratio",    "algorithm",           "precision",
    "traces_per_second", "endpoint", "polling_interval_ms", "initial_sampling_rate"};
const config::Keys kTopKeys = {
    "sampler",           "ratio",    "algorithm",           "precision",
    "traces_per_second", "endpoint", "polling_interval_ms", "initial_sampling_rate",
    "services"};

// The scalar text of `v`, reported when `v` is a mapping, a list or empty.
std::optional<std::string> ScalarOf(config::Reader& r, const config::Node& v,
                                    std::string_view what) {
  if (!v.node.IsScalar()) {
    r.Error(v, "must be " + std::string(what) + ", got " +
                   (v.node.IsMap()        ? "a mapping"
                    : v.node.IsSequence() ? "a list"
                                          : "nothing"));
    return std::nullopt;
  }
  return v.node.Scalar();
}

// Numbers with the SDKs' syntax (Go's strconv, as for OTEL_TRACES_SAMPLER_ARG).
std::optional<double> NumberOf(config::Reader& r, const config::Node& v) {
  std::optional<std::string> s = ScalarOf(r, v, "a number");
  double d = 0;
  if (!s) return std::nullopt;
  if (!ParseGoFloat(*s, &d)) {
    r.Error(v, "must be a number, got '" + *s + "'");
    return std::nullopt;
  }
  return d;
}

std::optional<int64_t> IntOf(config::Reader& r, const config::Node& v) {
  std::optional<std::string> s = ScalarOf(r, v, "an integer");
  int64_t i = 0;
  if (!s) return std::nullopt;
  if (!ParseGoInt(*s, &i)) {
    r.Error(v, "must be an integer, got '" + *s + "'");
    return std::nullopt;
  }
  return i;
}

// Reads one sampler key into *spec (already holding inherited values).
void ParseSpecKey(config::Reader& r, const config::Map::Entry& e, HeadSamplerSpec* spec) {
  const config::Node& v = e.value;
  if (e.key == "sampler") {
    std::optional<std::string> s = ScalarOf(r, v, "a sampler name");
    if (!s) return;
    if (*s == "xray") {
      r.diag().Error(v.line, v.col, v.path,
                     "sampler 'xray' (the AWS X-Ray remote sampler) is not supported", "",
                     sim::Status::Code::kUnsupported);
    } else if (!ParseHeadSamplerKind(*s, &spec->kind)) {
      r.Error(v,
              "unknown sampler '" + *s + "'" + sim::DidYouMean(*s, KindNames()) +
                  " (allowed: " + config::JoinList(KindNames()) + ")",
              sim::ClosestMatch(*s, KindNames()));
    }
  } else if (e.key == "ratio") {
    if (auto d = NumberOf(r, v)) spec->ratio = *d;
  } else if (e.key == "algorithm") {
    std::optional<std::string> s = ScalarOf(r, v, "go, java or python");
    if (s && !ParseRatioAlgorithm(*s, &spec->algorithm)) {
      r.Error(v, "unknown algorithm '" + *s + "'" + sim::DidYouMean(*s, {"go", "java", "python"}) +
                     " (allowed: go, java, python)");
    }
  } else if (e.key == "precision") {
    if (auto i = IntOf(r, v)) {
      if (*i < 1 || *i > kThresholdHexDigits) {
        r.Error(v, "must be in [1, 14], got " + std::to_string(*i));
      } else {
        spec->precision = static_cast<int>(*i);
      }
    }
  } else if (e.key == "traces_per_second") {
    if (auto d = NumberOf(r, v)) spec->traces_per_second = *d;
  } else if (e.key == "endpoint") {
    if (auto s = ScalarOf(r, v, "a URL")) spec->jaeger.endpoint = *s;
  } else if (e.key == "polling_interval_ms") {
    if (auto i = IntOf(r, v)) spec->jaeger.polling_interval_ms = *i;
  } else if (e.key == "initial_sampling_rate") {
    if (auto d = NumberOf(r, v)) spec->jaeger.initial_sampling_rate = *d;
  }
}

// Range checks and "key not used by this sampler", reported at the keys set in this block.
void CheckSpec(config::Reader& r, const HeadSamplerSpec& spec, const config::Map& set) {
  auto at = [&](const char* key) -> const config::Node* {
    const config::Map::Entry* e = set.Find(key);
    return e == nullptr ? nullptr : &e->key_val;
  };
  std::string kind(HeadSamplerKindName(spec.kind));
  auto unused = [&](const char* key) {
    if (const config::Node* n = at(key)) r.Error(*n, "not used by sampler '" + kind + "'");
  };
  if (!KindUsesRatio(spec.kind)) {
    unused("ratio");
    unused("algorithm");
  }
  if (!KindIsConsistent(spec.kind)) unused("precision");
  if (KindIsConsistent(spec.kind)) unused("algorithm");
  if (!KindUsesRateLimit(spec.kind)) unused("traces_per_second");
  if (!KindIsJaegerRemote(spec.kind)) {
    unused("endpoint");
    unused("polling_interval_ms");
    unused("initial_sampling_rate");
  }
  // Range checks where the value was written (inherited values were checked in their block).
  if (const config::Node* n = at("ratio"); n && KindUsesRatio(spec.kind)) {
    bool ok = KindIsConsistent(spec.kind)
                  ? (spec.ratio == 0 || (spec.ratio >= kMinSamplingProbability && spec.ratio <= 1))
                  : (spec.ratio >= 0 && spec.ratio <= 1);
    if (!ok) {
      r.Error(*n, std::string("must be ") +
                      (KindIsConsistent(spec.kind) ? "0 or in [2^-56, 1]" : "in [0, 1]") +
                      ", got " + FormatGoG(spec.ratio));
    }
  }
  if (const config::Node* n = at("traces_per_second");
      n && (!std::isfinite(spec.traces_per_second) || spec.traces_per_second < 0)) {
    r.Error(*n, "must be a finite number >= 0, got " + FormatGoG(spec.traces_per_second));
  }
  if (const config::Node* n = at("endpoint"); n && spec.jaeger.endpoint.empty()) {
    r.Error(*n, "must not be empty");
  }
  if (const config::Node* n = at("polling_interval_ms");
      n && spec.jaeger.polling_interval_ms <= 0) {
    r.Error(*n, "must be > 0, got " + std::to_string(spec.jaeger.polling_interval_ms));
  }
  if (const config::Node* n = at("initial_sampling_rate");
      n && !(spec.jaeger.initial_sampling_rate >= 0 && spec.jaeger.initial_sampling_rate <= 1)) {
    r.Error(*n, "must be in [0, 1], got " + FormatGoG(spec.jaeger.initial_sampling_rate));
  }
}

// Reads the sampler keys of one block (top: `services` is allowed, read by the caller).
void ParseSpecBlock(config::Reader& r, const config::Node& node, bool top, HeadSamplerSpec* spec) {
  const size_t errors_before = r.diag().error_count();
  config::Map set = r.ReadMap(node, top ? &kTopKeys : &kSpecKeys);
  for (const config::Map::Entry& e : set.entries()) {
    if (e.key != "services") ParseSpecKey(r, e, spec);
  }
  // "not used" and the range checks concern values that read.
  if (r.diag().error_count() == errors_before) CheckSpec(r, *spec, set);
}

}  // namespace

std::string_view HeadSamplerKindName(HeadSamplerKind k) {
  for (const KindName& n : kKindNames)
    if (n.kind == k) return n.name;
  return "parentbased_always_on";
}

bool ParseHeadSamplerKind(std::string_view s, HeadSamplerKind* out) {
  for (const KindName& n : kKindNames) {
    if (n.name == s) {
      *out = n.kind;
      return true;
    }
  }
  return false;
}

bool KindUsesRatio(HeadSamplerKind k) {
  return k == HeadSamplerKind::kTraceIdRatio || k == HeadSamplerKind::kParentBasedTraceIdRatio ||
         KindIsConsistent(k);
}
bool KindUsesRateLimit(HeadSamplerKind k) {
  return k == HeadSamplerKind::kRateLimiting || k == HeadSamplerKind::kParentBasedRateLimiting;
}
bool KindIsJaegerRemote(HeadSamplerKind k) {
  return k == HeadSamplerKind::kJaegerRemote || k == HeadSamplerKind::kParentBasedJaegerRemote;
}
bool KindIsConsistent(HeadSamplerKind k) {
  return k == HeadSamplerKind::kProbability || k == HeadSamplerKind::kParentBasedProbability;
}

sim::Status JaegerRemoteConfig::Validate() const {
  if (endpoint.empty()) return sim::Status::InvalidArgument("endpoint: must not be empty");
  if (polling_interval_ms <= 0) {
    return sim::Status::InvalidArgument("pollingIntervalMs: must be > 0, got " +
                                        std::to_string(polling_interval_ms));
  }
  if (!(initial_sampling_rate >= 0 && initial_sampling_rate <= 1)) {
    return sim::Status::InvalidArgument("initialSamplingRate: must be in [0, 1], got " +
                                        FormatGoG(initial_sampling_rate));
  }
  return sim::Status::Ok();
}

sim::Status HeadSamplerSpec::Validate() const {
  if (KindIsConsistent(kind)) {
    ProbabilitySamplerOptions o{ratio, precision};
    TRACESIM_RETURN_IF_ERROR(o.Validate());
  } else if (KindUsesRatio(kind) && !(ratio >= 0 && ratio <= 1)) {
    return sim::Status::InvalidArgument("ratio must be in [0, 1], got " + FormatGoG(ratio));
  }
  if (KindUsesRateLimit(kind)) {
    RateLimitingOptions o;
    o.traces_per_second = traces_per_second;
    TRACESIM_RETURN_IF_ERROR(o.Validate());
  }
  if (KindIsJaegerRemote(kind)) TRACESIM_RETURN_IF_ERROR(jaeger.Validate());
  return sim::Status::Ok();
}

sim::Status HeadSamplerConfig::Validate() const {
  TRACESIM_RETURN_IF_ERROR(sampler.Validate());
  for (const auto& [name, spec] : services) {
    TRACESIM_RETURN_IF_ERROR(spec.Validate().WithContext("services." + name));
  }
  return sim::Status::Ok();
}

const HeadSamplerSpec& HeadSamplerConfig::ForService(std::string_view service) const {
  auto it = services.find(std::string(service));
  return it == services.end() ? sampler : it->second;
}

std::optional<HeadSamplerConfig> ParseHeadSamplerConfig(const config::Node& node,
                                                        config::Diagnostics& diag) {
  HeadSamplerConfig config;
  config::Reader r(diag);
  if (!node.node.IsDefined() || node.node.IsNull()) return config;  // empty: SDK defaults
  if (!node.node.IsMap()) {
    r.Error(node, "must be a mapping (sampler, ratio, algorithm, ..., services)");
    return std::nullopt;
  }
  const size_t errors_before = diag.error_count();
  ParseSpecBlock(r, node, true, &config.sampler);
  if (YAML::Node sv = node.node["services"]; sv.IsDefined() && !sv.IsNull()) {
    config::Node sp = config::Node::At(sv, config::JoinPath(node.path, "services"), node);
    if (!sv.IsMap()) {
      r.Error(sp, "must be a mapping of service name to sampler settings");
    } else {
      const config::Map names = r.ReadMap(sp, nullptr);
      for (const config::Map::Entry& e : names.entries()) {
        HeadSamplerSpec spec = config.sampler;  // unset keys inherit
        if (!e.value.node.IsNull()) {
          if (!e.value.node.IsMap()) {
            r.Error(e.value, "must be a mapping (sampler, ratio, ...)");
            continue;
          }
          ParseSpecBlock(r, e.value, false, &spec);
        }
        config.services.emplace(e.key, spec);
      }
    }
  }
  if (diag.error_count() != errors_before) return std::nullopt;
  return config;
}

sim::Result<HeadSamplerConfig> ParseHeadSamplerConfig(const YAML::Node& node,
                                                      std::string_view source,
                                                      std::string_view path) {
  config::Diagnostics diag{std::string(source)};
  std::optional<HeadSamplerConfig> c =
      ParseHeadSamplerConfig(config::Node::At(node, std::string(path), config::Node{}), diag);
  if (!c) return diag.ToStatus();
  return std::move(*c);
}

sim::Result<std::unique_ptr<Sampler>> BuildHeadSampler(const HeadSamplerSpec& spec,
                                                       std::string_view service) {
  TRACESIM_RETURN_IF_ERROR(spec.Validate());
  auto parent_based = [](std::unique_ptr<Sampler> root, bool consistent) {
    ParentBasedOptions o;
    o.erase_inconsistent_threshold = consistent;
    return MakeParentBased(std::move(root), std::move(o));
  };
  switch (spec.kind) {
    case HeadSamplerKind::kAlwaysOn:
      return MakeAlwaysOn();
    case HeadSamplerKind::kAlwaysOff:
      return MakeAlwaysOff();
    case HeadSamplerKind::kParentBasedAlwaysOn:
      return parent_based(MakeAlwaysOn(), false);
    case HeadSamplerKind::kParentBasedAlwaysOff:
      return parent_based(MakeAlwaysOff(), false);
    case HeadSamplerKind::kTraceIdRatio:
    case HeadSamplerKind::kParentBasedTraceIdRatio: {
      TRACESIM_ASSIGN_OR_RETURN(std::unique_ptr<Sampler> s,
                                MakeTraceIdRatioBased(spec.ratio, spec.algorithm));
      if (spec.kind == HeadSamplerKind::kTraceIdRatio) return s;
      return parent_based(std::move(s), false);
    }
    case HeadSamplerKind::kProbability:
    case HeadSamplerKind::kParentBasedProbability: {
      TRACESIM_ASSIGN_OR_RETURN(std::unique_ptr<Sampler> s,
                                MakeProbabilitySampler({spec.ratio, spec.precision}));
      if (spec.kind == HeadSamplerKind::kProbability) return s;
      return parent_based(std::move(s), true);
    }
    case HeadSamplerKind::kRateLimiting:
    case HeadSamplerKind::kParentBasedRateLimiting: {
      RateLimitingOptions o;
      o.traces_per_second = spec.traces_per_second;
      TRACESIM_ASSIGN_OR_RETURN(std::unique_ptr<Sampler> s, MakeRateLimiting(o));
      if (spec.kind == HeadSamplerKind::kRateLimiting) return s;
      return parent_based(std::move(s), false);
    }
    case HeadSamplerKind::kJaegerRemote:
    case HeadSamplerKind::kParentBasedJaegerRemote: {
      sim::Result<std::unique_ptr<Sampler>> s = MakeJaegerRemoteHeadSampler(spec.jaeger, service);
      if (!s.ok()) return s.status();
      if (spec.kind == HeadSamplerKind::kJaegerRemote) return std::move(*s);
      return parent_based(std::move(*s), false);
    }
  }
  return sim::Status::Internal("unhandled head sampler kind");
}

sim::Result<std::unique_ptr<Sampler>> BuildHeadSampler(const HeadSamplerConfig& config,
                                                       std::string_view service) {
  sim::Result<std::unique_ptr<Sampler>> s = BuildHeadSampler(config.ForService(service), service);
  if (!s.ok() && config.services.count(std::string(service))) {
    return s.status().WithContext("services." + std::string(service));
  }
  return s;
}

sim::Result<std::vector<std::unique_ptr<Sampler>>> BuildHeadSamplers(
    const HeadSamplerConfig& config, const sim::Model& model) {
  std::vector<std::string> names;
  for (const sim::Service& s : model.services) names.emplace_back(model.strings.Get(s.name));
  for (const auto& [name, spec] : config.services) {
    uint32_t idx = model.FindService(name);
    if (idx == sim::kNone) {
      return sim::Status::NotFound("services." + name + ": no service '" + name +
                                   "' in the topology" + sim::DidYouMean(name, names));
    }
    if (model.services[idx].kind != sim::ServiceKind::kService) {
      return sim::Status::InvalidArgument("services." + name + ": '" + name +
                                          "' is not an instrumented service (it records no "
                                          "spans of its own, so it has no SDK sampler)");
    }
  }
  std::vector<std::unique_ptr<Sampler>> out(model.services.size());
  for (size_t i = 0; i < model.services.size(); ++i) {
    if (model.services[i].kind != sim::ServiceKind::kService) continue;
    TRACESIM_ASSIGN_OR_RETURN(out[i], BuildHeadSampler(config, names[i]));
  }
  return out;
}

JaegerRemoteOptions JaegerRemoteOptionsFrom(const JaegerRemoteConfig& config,
                                            std::string_view service) {
  JaegerRemoteOptions o;
  o.service_name = std::string(service);
  o.initial_sampling_rate = config.initial_sampling_rate;
  o.polling_interval = sim::Duration::Millis(config.polling_interval_ms);
  return o;
}

sim::Result<std::unique_ptr<Sampler>> MakeJaegerRemoteHeadSampler(const JaegerRemoteConfig& config,
                                                                  std::string_view service) {
  TRACESIM_RETURN_IF_ERROR(config.Validate());
  JaegerRemoteOptions o = JaegerRemoteOptionsFrom(config, service);
  TRACESIM_RETURN_IF_ERROR(o.Validate());
  return std::unique_ptr<Sampler>(MakeJaegerRemoteSampler(o));
}

}  // namespace tracesim::sampling
