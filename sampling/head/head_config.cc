#include "sampling/head/head_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "sampling/core/head_format.h"
#include "sampling/head/consistent_probability_sampler.h"
#include "sim/suggest.h"

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

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::string KeyPath(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

// Problems as "SOURCE:LINE:COL: PATH: message", sorted by position.
class Problems {
 public:
  explicit Problems(std::string_view source) : source_(source) {}
  void Add(const YAML::Node& at, const std::string& path, const std::string& msg,
           bool unsupported = false) {
    int line = 1, col = 1;
    YAML::Mark mk = at.Mark();
    if (!mk.is_null() && mk.line >= 0) {
      line = mk.line + 1;
      col = mk.column + 1;
    }
    std::string text = std::string(source_) + ":" + std::to_string(line) + ":" +
                       std::to_string(col) + ": " + (path.empty() ? "" : path + ": ") + msg;
    items_.push_back({line, col, std::move(text)});
    if (!unsupported) all_unsupported_ = false;
  }
  bool empty() const { return items_.empty(); }
  sim::Status ToStatus() const {
    std::vector<Item> sorted = items_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Item& a, const Item& b) {
      return a.line != b.line ? a.line < b.line : a.col < b.col;
    });
    std::string out;
    for (const Item& i : sorted) out += (out.empty() ? "" : "\n") + i.text;
    return all_unsupported_ ? sim::Status::Unsupported(out) : sim::Status::InvalidArgument(out);
  }

 private:
  struct Item {
    int line, col;
    std::string text;
  };
  std::string_view source_;
  std::vector<Item> items_;
  bool all_unsupported_ = true;
};

const std::vector<std::string> kSpecKeys = {
    "sampler",           "ratio",    "algorithm",           "precision",
    "traces_per_second", "endpoint", "polling_interval_ms", "initial_sampling_rate"};

bool ScalarOf(const YAML::Node& v, const std::string& path, std::string_view what, Problems* p,
              std::string* out) {
  if (!v.IsScalar()) {
    p->Add(v, path,
           "must be " + std::string(what) + ", got " +
               (v.IsMap()        ? "a mapping"
                : v.IsSequence() ? "a list"
                                 : "nothing"));
    return false;
  }
  *out = v.Scalar();
  return true;
}

bool NumberOf(const YAML::Node& v, const std::string& path, Problems* p, double* out) {
  std::string s;
  if (!ScalarOf(v, path, "a number", p, &s)) return false;
  if (!ParseGoFloat(s, out)) {
    p->Add(v, path, "must be a number, got '" + s + "'");
    return false;
  }
  return true;
}

bool IntOf(const YAML::Node& v, const std::string& path, Problems* p, int64_t* out) {
  std::string s;
  if (!ScalarOf(v, path, "an integer", p, &s)) return false;
  if (!ParseGoInt(s, out)) {
    p->Add(v, path, "must be an integer, got '" + s + "'");
    return false;
  }
  return true;
}

// Reads the sampler keys of one block into *spec (already holding inherited values); returns
// the keys set here with their nodes. `services` (top level only) is skipped.
std::map<std::string, YAML::Node> ParseSpecKeys(const YAML::Node& node, const std::string& path,
                                                bool top, HeadSamplerSpec* spec, Problems* p) {
  std::map<std::string, YAML::Node> set;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    std::string kp = KeyPath(path, key);
    const YAML::Node v = it->second;  // a copy: it-> is a temporary proxy
    if (top && key == "services") continue;
    if (std::find(kSpecKeys.begin(), kSpecKeys.end(), key) == kSpecKeys.end()) {
      std::vector<std::string> allowed = kSpecKeys;
      if (top) allowed.push_back("services");
      p->Add(it->first, kp,
             "unknown key" + sim::DidYouMean(key, allowed) + " (allowed: " + Join(allowed) + ")");
      continue;
    }
    if (set.count(key)) {
      p->Add(it->first, kp, "duplicate key");
      continue;
    }
    set[key] = it->first;
    if (key == "sampler") {
      std::string s;
      if (!ScalarOf(v, kp, "a sampler name", p, &s)) continue;
      if (s == "xray") {
        p->Add(v, kp, "sampler 'xray' (the AWS X-Ray remote sampler) is not supported", true);
      } else if (!ParseHeadSamplerKind(s, &spec->kind)) {
        p->Add(v, kp,
               "unknown sampler '" + s + "'" + sim::DidYouMean(s, KindNames()) +
                   " (allowed: " + Join(KindNames()) + ")");
      }
    } else if (key == "ratio") {
      double d = 0;
      if (NumberOf(v, kp, p, &d)) spec->ratio = d;
    } else if (key == "algorithm") {
      std::string s;
      if (!ScalarOf(v, kp, "go, java or python", p, &s)) continue;
      if (!ParseRatioAlgorithm(s, &spec->algorithm)) {
        p->Add(v, kp,
               "unknown algorithm '" + s + "'" + sim::DidYouMean(s, {"go", "java", "python"}) +
                   " (allowed: go, java, python)");
      }
    } else if (key == "precision") {
      int64_t i = 0;
      if (IntOf(v, kp, p, &i)) {
        if (i < 1 || i > kThresholdHexDigits) {
          p->Add(v, kp, "must be in [1, 14], got " + std::to_string(i));
        } else {
          spec->precision = static_cast<int>(i);
        }
      }
    } else if (key == "traces_per_second") {
      double d = 0;
      if (NumberOf(v, kp, p, &d)) spec->traces_per_second = d;
    } else if (key == "endpoint") {
      std::string s;
      if (ScalarOf(v, kp, "a URL", p, &s)) spec->jaeger.endpoint = s;
    } else if (key == "polling_interval_ms") {
      int64_t i = 0;
      if (IntOf(v, kp, p, &i)) spec->jaeger.polling_interval_ms = i;
    } else if (key == "initial_sampling_rate") {
      double d = 0;
      if (NumberOf(v, kp, p, &d)) spec->jaeger.initial_sampling_rate = d;
    }
  }
  return set;
}

// Range checks and "key not used by this sampler", reported at the keys set in this block.
void CheckSpec(const HeadSamplerSpec& spec, const std::map<std::string, YAML::Node>& set,
               const std::string& path, Problems* p) {
  auto at = [&](const char* key) -> const YAML::Node* {
    auto it = set.find(key);
    return it == set.end() ? nullptr : &it->second;
  };
  std::string kind(HeadSamplerKindName(spec.kind));
  auto unused = [&](const char* key) {
    if (const YAML::Node* n = at(key))
      p->Add(*n, KeyPath(path, key), "not used by sampler '" + kind + "'");
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
  if (const YAML::Node* n = at("ratio"); n && KindUsesRatio(spec.kind)) {
    bool ok = KindIsConsistent(spec.kind)
                  ? (spec.ratio == 0 || (spec.ratio >= kMinSamplingProbability && spec.ratio <= 1))
                  : (spec.ratio >= 0 && spec.ratio <= 1);
    if (!ok) {
      p->Add(*n, KeyPath(path, "ratio"),
             std::string("must be ") +
                 (KindIsConsistent(spec.kind) ? "0 or in [2^-56, 1]" : "in [0, 1]") + ", got " +
                 FormatGoG(spec.ratio));
    }
  }
  if (const YAML::Node* n = at("traces_per_second");
      n && (!std::isfinite(spec.traces_per_second) || spec.traces_per_second < 0)) {
    p->Add(*n, KeyPath(path, "traces_per_second"),
           "must be a finite number >= 0, got " + FormatGoG(spec.traces_per_second));
  }
  if (const YAML::Node* n = at("endpoint"); n && spec.jaeger.endpoint.empty()) {
    p->Add(*n, KeyPath(path, "endpoint"), "must not be empty");
  }
  if (const YAML::Node* n = at("polling_interval_ms"); n && spec.jaeger.polling_interval_ms <= 0) {
    p->Add(*n, KeyPath(path, "polling_interval_ms"),
           "must be > 0, got " + std::to_string(spec.jaeger.polling_interval_ms));
  }
  if (const YAML::Node* n = at("initial_sampling_rate");
      n && !(spec.jaeger.initial_sampling_rate >= 0 && spec.jaeger.initial_sampling_rate <= 1)) {
    p->Add(*n, KeyPath(path, "initial_sampling_rate"),
           "must be in [0, 1], got " + FormatGoG(spec.jaeger.initial_sampling_rate));
  }
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

sim::Result<HeadSamplerConfig> ParseHeadSamplerConfig(const YAML::Node& node,
                                                      std::string_view source,
                                                      std::string_view path) {
  HeadSamplerConfig config;
  Problems p(source);
  std::string base(path);
  if (!node.IsDefined() || node.IsNull()) return config;  // an empty block: SDK defaults
  if (!node.IsMap()) {
    p.Add(node, base, "must be a mapping (sampler, ratio, algorithm, ..., services)");
    return p.ToStatus();
  }
  std::map<std::string, YAML::Node> set = ParseSpecKeys(node, base, true, &config.sampler, &p);
  CheckSpec(config.sampler, set, base, &p);

  if (YAML::Node services = node["services"]; services.IsDefined() && !services.IsNull()) {
    std::string sp = KeyPath(base, "services");
    if (!services.IsMap()) {
      p.Add(services, sp, "must be a mapping of service name to sampler settings");
    } else {
      for (auto it = services.begin(); it != services.end(); ++it) {
        std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
        std::string kp = sp + "." + name;
        if (name.empty()) {
          p.Add(it->first, sp, "service names must be non-empty strings");
          continue;
        }
        if (config.services.count(name)) {
          p.Add(it->first, kp, "duplicate service");
          continue;
        }
        HeadSamplerSpec spec = config.sampler;  // unset keys inherit
        if (!it->second.IsNull()) {
          if (!it->second.IsMap()) {
            p.Add(it->second, kp, "must be a mapping (sampler, ratio, ...)");
            continue;
          }
          std::map<std::string, YAML::Node> sset = ParseSpecKeys(it->second, kp, false, &spec, &p);
          CheckSpec(spec, sset, kp, &p);
        }
        config.services.emplace(name, spec);
      }
    }
  }
  if (!p.empty()) return p.ToStatus();
  return config;
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
