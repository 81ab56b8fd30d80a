#include "sampling/lab/strategy_config.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "sampling/collector/collector_config.h"
#include "sampling/head/otel_env.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sampling/lab/adaptive/lab_adaptive.h"
#include "sampling/lab/sdk_config.h"
#include "sim/base/suggest.h"

namespace tracesim::sampling {
namespace {

const config::Keys kKeys = {
    "name",      "description",     "head",          "env",
    "collector", "processors",      "tail_sampling", "probabilistic_sampler",
    "jaeger",    "jaeger_adaptive", "dynamic",       "sdk",
    "export"};
// The lab's keys beside Jaeger's own: polls, and the deployment of an adaptive provider.
const config::Keys kJaegerLabKeys = {"polling_interval", "write_strategies", "poll_phase", "role",
                                     "store"};
const config::Keys kJaegerKeys = {"strategies",
                                  "config",
                                  "default_sampling_probability",
                                  "polling_interval",
                                  "write_strategies",
                                  "poll_phase",
                                  "role",
                                  "store"};
// Refinery's DynamicSampler / EMADynamicSampler keys in snake_case (SampleRate -> sample_rate).
const config::Keys kDynamicOnlyKeys = {"sample_rate", "clear_frequency"};
const config::Keys kEmaOnlyKeys = {"goal_sample_rate", "adjustment_interval",
                                   "weight",           "age_out_value",
                                   "burst_multiple",   "burst_detection_delay"};
const config::Keys kDynamicKeys = {
    "sampler",     "field_list",      "use_trace_length", "max_keys",
    "sample_rate", "clear_frequency", "goal_sample_rate", "adjustment_interval",
    "weight",      "age_out_value",   "burst_multiple",   "burst_detection_delay"};

class Parser {
 public:
  Parser(config::Diagnostics& diag, std::string base_dir)
      : diag_(diag), r_(diag), dec_(diag), base_dir_(std::move(base_dir)) {}

  std::vector<StrategyConfig> Run(const config::Node& list) {
    std::vector<StrategyConfig> out;
    if (!list.node.IsSequence() || list.node.size() == 0) {
      r_.Error(list, "must be a non-empty list of strategies, each with a name");
      return out;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < list.node.size(); ++i) {
      const config::Node n = list.Item(i);
      StrategyConfig st;
      if (!Parse(n, &st)) continue;
      if (!names.insert(st.name).second) {
        config::Node name = config::Node::At(n.node["name"], config::JoinPath(n.path, "name"), n);
        r_.Error(name, "duplicate strategy name '" + st.name + "'");
      } else {
        out.push_back(std::move(st));
      }
    }
    if (out.size() > kMaxStrategies) {
      r_.Error(list, "at most " + std::to_string(kMaxStrategies) + " strategies");
    }
    return out;
  }

 private:
  // Adds the problems of another file (a Collector config, a strategies file) at `ref`, the key
  // that names the file: "SCENARIO:L:C: samplers[0].collector: OTHER:L:C: key: message", so a
  // problem shows both where the file is used and where in it the problem is.
  // The scenario's collector keeps kMaxKept problems too: once it is one short of full, the
  // other file's remaining errors become one "OTHER: N more problems not shown" line, so that
  // line is kept rather than counted away (warnings past that point are dropped).
  void MergeFrom(const config::Diagnostics& other, const config::Node& ref) {
    const std::vector<config::Diagnostic> problems = other.Sorted();
    size_t left_out = other.omitted_errors();
    for (size_t i = 0; i < problems.size(); ++i) {
      const config::Diagnostic& d = problems[i];
      const bool last = i + 1 == problems.size() && left_out == 0;
      if (!last && diag_.items().size() + 1 >= config::Diagnostics::kMaxKept) {
        for (size_t j = i; j < problems.size(); ++j)
          left_out += problems[j].severity == config::Severity::kError;
        break;
      }
      if (d.severity == config::Severity::kWarning) {
        r_.Warning(ref, d.Format());
      } else {
        diag_.Error(ref.line, ref.col, ref.path, d.Format(), d.suggestion, d.code);
      }
    }
    if (left_out > 0) {
      diag_.Error(ref.line, ref.col, ref.path,
                  config::Diagnostics::OmittedLine(other.file(), left_out));
    }
  }

  bool Parse(const config::Node& n, StrategyConfig* st);
  void ParseStages(const config::Map& m, StrategyConfig* st);
  std::string Resolve(const std::string& file, const std::string& dir) const {
    std::filesystem::path p(file);
    if (p.is_relative() && !dir.empty()) p = std::filesystem::path(dir) / p;
    return p.string();
  }
  void ParseJaegerCommon(const config::Map& m, JaegerProviderConfig* j);
  void ParseJaeger(const config::Node& n, StrategyConfig* st);
  void ParseJaegerStrategiesFile(const config::Map& m, const config::Node& file,
                                 JaegerProviderConfig* j);
  bool ParseJaegerConfigFile(const config::Node& config, JaegerProviderConfig* j);
  void ParseJaegerAdaptive(const config::Node& n, StrategyConfig* st);
  void ParseDynamic(const config::Node& n, StrategyConfig* st);
  void ParseDynamicValues(const config::Map& m, bool ema, DynamicStageConfig* d);
  void ParseCollectorFile(const config::Node& c, const config::Node* pick, StrategyConfig* st);

  config::Diagnostics& diag_;
  config::Reader r_;
  CollectorDecoder dec_;
  std::string base_dir_;
};

bool Parser::Parse(const config::Node& n, StrategyConfig* st) {
  if (!n.node.IsMap()) {
    r_.Error(n, "must be a mapping with at least a name");
    return false;
  }
  const size_t before = diag_.error_count();
  const config::Map m = r_.ReadMap(n, &kKeys);
  if (std::optional<std::string> name = r_.Name(m)) st->name = *name;
  if (const config::Node* d = m.Get("description"); d && d->node.IsScalar()) {
    st->description = d->node.Scalar();
  }
  if (m.Get("head") && m.Get("env")) {
    r_.Error(*m.Get("env"), "give either 'head' or 'env', not both");
  }
  if (const config::Node* sdk = m.Get("sdk")) ParseSdkAssignment(*sdk, r_, &st->sdk);
  if (const config::Node* x = m.Get("export"))
    ParseExportBlock(*x, r_, &st->export_at_span_end, &st->bsp);
  if (const config::Node* h = m.Get("head")) {
    if (std::optional<HeadSamplerConfig> cfg = ParseHeadSamplerConfig(*h, diag_)) {
      st->has_head = true;
      st->head = std::move(*cfg);
    }
  } else if (const config::Node* e = m.Get("env")) {
    if (std::optional<HeadSamplerConfig> cfg = ParseEnvForSdks(*e, st->sdk, r_)) {
      st->has_head = true;
      st->head = std::move(*cfg);
    }
  }
  if (const config::Node* c = m.Get("collector")) {
    ParseCollectorFile(*c, m.Get("processors"), st);
  } else if (const config::Node* p = m.Get("processors")) {
    r_.Error(*p, "'processors' picks from a 'collector' file; there is none");
  }
  ParseStages(m, st);
  return diag_.error_count() == before;
}

// The inline stages and the Jaeger provider: probabilistic_sampler, jaeger | jaeger_adaptive,
// tail_sampling, dynamic.
void Parser::ParseStages(const config::Map& m, StrategyConfig* st) {
  if (const config::Node* p = m.Get("probabilistic_sampler")) {
    if (auto parsed = ParseProbabilisticSamplerConfig(*p, diag_)) {
      CollectorStage stage;
      stage.id = "probabilistic_sampler";
      stage.config = *parsed;
      st->stages.push_back(std::move(stage));
    }
  }
  const config::Node* jaeger = m.Get("jaeger");
  const config::Node* adaptive = m.Get("jaeger_adaptive");
  if (jaeger && adaptive) {
    r_.Error(*adaptive, "give either 'jaeger' or 'jaeger_adaptive', not both");
  } else if ((jaeger || adaptive) && (m.Get("head") || m.Get("env"))) {
    r_.Error(jaeger ? *jaeger : *adaptive,
             "runs parentbased_jaeger_remote in every service; it cannot be combined with "
             "'head' or 'env'");
  } else if (jaeger) {
    ParseJaeger(*jaeger, st);
  } else if (adaptive) {
    ParseJaegerAdaptive(*adaptive, st);
  }
  if (const config::Node* t = m.Get("tail_sampling")) {
    if (auto parsed = ParseTailSamplingConfig(*t, diag_)) {
      CollectorStage stage;
      stage.id = "tail_sampling";
      stage.config = std::move(*parsed);
      st->stages.push_back(std::move(stage));
    }
  }
  if (const config::Node* d = m.Get("dynamic")) ParseDynamic(*d, st);
}

// polling_interval and write_strategies, shared by jaeger and jaeger_adaptive.
void Parser::ParseJaegerCommon(const config::Map& m, JaegerProviderConfig* j) {
  if (const config::Node* p = m.Get("polling_interval")) {
    int64_t ns = j->polling_interval.nanos();
    if (dec_.Duration(*p, &ns)) {
      if (ns <= 0) r_.Error(*p, "must be > 0");
      j->polling_interval = sim::Duration::Nanos(ns);
    }
  }
  if (const config::Node* w = m.Get("write_strategies")) {
    std::string file;
    if (dec_.String(*w, &file)) {
      if (file.empty()) r_.Error(*w, "must be a file path");
      j->write_strategies = Resolve(file, base_dir_);
    }
  }
  if (const config::Node* p = m.Get("poll_phase")) {
    if (std::optional<size_t> v = r_.Enum(*p, {"staggered", "lockstep"}))
      j->lockstep_polls = *v == 1;
  }
  const bool adaptive = j->mode == JaegerProviderConfig::Mode::kAdaptive;
  if (const config::Node* role = m.Get("role")) {
    if (!adaptive) {
      r_.Error(*role, "only an adaptive provider has a role");
    } else if (std::optional<size_t> v = r_.Enum(*role, {"leader", "follower", "ideal"})) {
      using Role = JaegerAdaptiveDeployment::Role;
      j->deployment.role = *v == 0 ? Role::kLeader : *v == 1 ? Role::kFollower : Role::kIdeal;
    }
  }
  if (const config::Node* store = m.Get("store")) {
    if (!adaptive) {
      r_.Error(*store, "only an adaptive provider has a sampling store");
    } else if (std::optional<size_t> v = r_.Enum(*store, {"memory", "badger", "cassandra"})) {
      j->store = *v == 0 ? "memory" : *v == 1 ? "badger" : "cassandra";
      j->deployment.memory_store = *v == 0;
    }
  }
}

// jaeger: {strategies: FILE | config: FILE, default_sampling_probability, polling_interval,
// write_strategies}.
void Parser::ParseJaeger(const config::Node& n, StrategyConfig* st) {
  if (!n.node.IsMap()) {
    r_.Error(n,
             "must be a mapping with 'strategies' (a Jaeger strategies file) or 'config' (a "
             "Jaeger v2 collector config with extensions.remote_sampling)");
    return;
  }
  const size_t before = diag_.error_count();
  const config::Map m = r_.ReadMap(n, &kJaegerKeys);
  if (diag_.error_count() != before) return;
  const config::Node* file = m.Get("strategies");
  const config::Node* config = m.Get("config");
  if (file && config) {
    r_.Error(*config, "give either 'strategies' or 'config', not both");
    return;
  }
  if (!file && !config) {
    r_.Error(n,
             "needs 'strategies' (a Jaeger strategies file) or 'config' (a Jaeger v2 collector "
             "config)");
    return;
  }
  JaegerProviderConfig& j = st->jaeger;
  if (file) {
    ParseJaegerStrategiesFile(m, *file, &j);
  } else if (const config::Node* d = m.Get("default_sampling_probability")) {
    r_.Error(*d, "with 'config', set it in the file's remote_sampling.file block");
    return;
  } else if (!ParseJaegerConfigFile(*config, &j)) {
    return;
  }
  ParseJaegerCommon(m, &j);
  if (sim::Status v = j.Validate(); !v.ok()) r_.Error(n, v.message());
}

void Parser::ParseJaegerStrategiesFile(const config::Map& m, const config::Node& file,
                                       JaegerProviderConfig* j) {
  std::string rel;
  if (!dec_.String(file, &rel)) return;
  j->mode = JaegerProviderConfig::Mode::kFile;
  j->source = Resolve(rel, base_dir_);
  j->file.path = j->source;
  config::Diagnostics other(j->source);
  std::optional<JaegerStrategiesFile> parsed = LoadStrategiesFile(j->source, other);
  MergeFrom(other, file);
  if (!parsed) return;
  j->strategies = std::move(*parsed);
  if (const config::Node* d = m.Get("default_sampling_probability")) {
    dec_.Float(*d, &j->file.default_sampling_probability);
  }
}

// A Jaeger v2 collector config: its remote_sampling extension (and the strategies file it
// names, relative to the config's folder). False when it did not load.
bool Parser::ParseJaegerConfigFile(const config::Node& config, JaegerProviderConfig* j) {
  std::string rel;
  if (!dec_.String(config, &rel)) return false;
  j->source = Resolve(rel, base_dir_);
  config::Diagnostics other(j->source);
  std::optional<JaegerRemoteSamplingConfig> parsed = LoadJaegerV2SamplingYaml(j->source, other);
  MergeFrom(other, config);
  if (!parsed) return false;
  if (parsed->mode == JaegerRemoteSamplingConfig::Mode::kAdaptive) {
    j->mode = JaegerProviderConfig::Mode::kAdaptive;
    j->adaptive = parsed->adaptive;
    return true;
  }
  j->mode = JaegerProviderConfig::Mode::kFile;
  j->file = parsed->file;
  if (j->file.path.empty()) return true;
  // remote_sampling.file.path: relative to the collector config's folder.
  j->file.path = Resolve(j->file.path, std::filesystem::path(j->source).parent_path().string());
  config::Diagnostics strategies_diag(j->file.path);
  std::optional<JaegerStrategiesFile> strategies =
      LoadStrategiesFile(j->file.path, strategies_diag);
  MergeFrom(strategies_diag, config);
  if (!strategies) return false;
  j->strategies = std::move(*strategies);
  return true;
}

// jaeger_adaptive: Jaeger's adaptive options (remote_sampling.adaptive keys) plus
// polling_interval and write_strategies.
void Parser::ParseJaegerAdaptive(const config::Node& n, StrategyConfig* st) {
  if (!n.node.IsMap() && !n.node.IsNull()) {
    r_.Error(n, "must be a mapping of adaptive sampling options (may be empty: {})");
    return;
  }
  JaegerProviderConfig& j = st->jaeger;
  j.mode = JaegerProviderConfig::Mode::kAdaptive;
  if (n.node.IsNull()) return;
  if (!ParseJaegerAdaptiveOptionsYaml(n, kJaegerLabKeys, diag_, &j.adaptive)) {
    return;
  }
  ParseJaegerCommon(config::Map(diag_, n, nullptr), &j);
  if (sim::Status v = j.Validate(); !v.ok()) r_.Error(n, v.message());
}

// dynamic: {sampler: dynamic | ema_dynamic, field_list, use_trace_length, ...}: the last stage.
void Parser::ParseDynamic(const config::Node& n, StrategyConfig* st) {
  if (!n.node.IsMap()) {
    r_.Error(n, "must be a mapping with 'sampler' (dynamic or ema_dynamic) and 'field_list'");
    return;
  }
  const size_t before = diag_.error_count();
  const config::Map m = r_.ReadMap(n, &kDynamicKeys);
  if (diag_.error_count() != before) return;
  CollectorStage stage;
  DynamicStageConfig& d = stage.config.emplace<DynamicStageConfig>();
  const config::Node* sampler = m.Get("sampler");
  if (sampler == nullptr) {
    r_.Error(n, "missing required key 'sampler' (dynamic or ema_dynamic)");
    return;
  }
  std::string kind;
  if (!dec_.String(*sampler, &kind)) return;
  if (kind == "dynamic") {
    d.kind = DynamicStageConfig::Kind::kDynamic;
  } else if (kind == "ema_dynamic") {
    d.kind = DynamicStageConfig::Kind::kEmaDynamic;
  } else {
    r_.Error(*sampler, "must be dynamic or ema_dynamic, got '" + kind + "'" +
                           sim::DidYouMean(kind, {"dynamic", "ema_dynamic"}));
    return;
  }
  stage.id = kind;
  const bool ema = d.kind == DynamicStageConfig::Kind::kEmaDynamic;
  for (const std::string& key : ema ? kDynamicOnlyKeys : kEmaOnlyKeys) {
    if (const config::Node* v = m.Get(key)) {
      r_.Error(*v, "is an option of sampler " + std::string(ema ? "dynamic" : "ema_dynamic") +
                       ", not " + kind);
    }
  }
  if (diag_.error_count() != before) return;
  ParseDynamicValues(m, ema, &d);
  if (diag_.error_count() != before) return;
  if (sim::Status v = d.Validate(); !v.ok()) {
    // The messages start with the key: point at it.
    const std::string& msg = v.message();
    const size_t colon = msg.find(": ");
    const std::string key = colon == std::string::npos ? "" : msg.substr(0, colon);
    if (!key.empty() && m.Get(key)) {
      r_.Error(*m.Get(key), msg.substr(colon + 2));
    } else {
      r_.Error(n, msg);
    }
    return;
  }
  for (const CollectorStage& s : st->stages) {
    if (s.kind() != CollectorStage::Kind::kTail) continue;
    r_.Error(n, "cannot follow a tail_sampling stage ('" + s.id +
                    "'): the dynamic sampler decides when the trace completes, before the tail "
                    "stage releases its spans");
    return;
  }
  st->stages.push_back(std::move(stage));
}

void Parser::ParseDynamicValues(const config::Map& m, bool ema, DynamicStageConfig* d) {
  auto uint32 = [&](const char* key, uint32_t* out) {
    const config::Node* v = m.Get(key);
    uint64_t x = *out;
    if (v == nullptr || !dec_.Uint(*v, &x)) return;
    if (x > 0xFFFFFFFFu) return r_.Error(*v, "must be < 2^32");
    *out = static_cast<uint32_t>(x);
  };
  auto duration = [&](const char* key, sim::Duration* out) {
    const config::Node* v = m.Get(key);
    int64_t ns = out->nanos();
    if (v != nullptr && dec_.Duration(*v, &ns)) *out = sim::Duration::Nanos(ns);
  };
  auto number = [&](const char* key, double* out) {
    if (const config::Node* v = m.Get(key)) dec_.Float(*v, out);
  };
  if (const config::Node* f = m.Get("field_list")) {
    if (!f->node.IsSequence() && !f->node.IsScalar()) {
      r_.Error(*f, "must be a list of field names");
    } else {
      dec_.StringList(*f, &d->field_list);
    }
  }
  if (const config::Node* u = m.Get("use_trace_length")) dec_.Bool(*u, &d->use_trace_length);
  if (ema) {
    uint32("goal_sample_rate", &d->ema.goal_sample_rate);
    duration("adjustment_interval", &d->ema.adjustment_interval);
    number("weight", &d->ema.weight);
    number("age_out_value", &d->ema.age_out_value);
    number("burst_multiple", &d->ema.burst_multiple);
    uint32("burst_detection_delay", &d->ema.burst_detection_delay);
    uint32("max_keys", &d->ema.max_keys);
  } else {
    uint32("sample_rate", &d->dynamic.sample_rate);
    duration("clear_frequency", &d->dynamic.clear_frequency);
    uint32("max_keys", &d->dynamic.max_keys);
  }
}

void Parser::ParseCollectorFile(const config::Node& c, const config::Node* pick,
                                StrategyConfig* st) {
  if (!c.node.IsScalar()) {
    r_.Error(c, "must be the path of a Collector config file");
    return;
  }
  const std::string file = Resolve(c.node.Scalar(), base_dir_);
  config::Diagnostics other(file);
  std::optional<CollectorConfig> doc = CollectorConfig::Load(file, other);
  // Every sampling processor of the file, in file order.
  struct Found {
    ProcessorBlock block;
    CollectorStage::Kind kind;
  };
  std::vector<Found> found;
  if (doc) {
    for (auto& b : doc->FindProcessors("tail_sampling", "policies", other)) {
      found.push_back({b, CollectorStage::Kind::kTail});
    }
    for (auto& b : doc->FindProcessors("probabilistic_sampler", "sampling_percentage", other)) {
      found.push_back({b, CollectorStage::Kind::kProbabilistic});
    }
  }
  if (other.has_errors()) return MergeFrom(other, c);
  // Sort by position through indices: assigning YAML::Node objects (as a sort of the structs
  // would) overwrites the nodes they share instead of rebinding them.
  std::vector<size_t> order(found.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return found[a].block.line < found[b].block.line; });
  std::vector<const Found*> chosen;
  if (pick != nullptr) {
    if (!pick->node.IsSequence()) {
      r_.Error(*pick, "must be a list of processor ids such as tail_sampling/errors");
      return;
    }
    std::vector<std::string> ids;
    for (const Found& f : found) ids.push_back(f.block.id);
    for (size_t i = 0; i < pick->node.size(); ++i) {
      const config::Node item = pick->Item(i);
      std::string id = item.node.IsScalar() ? item.node.Scalar() : "";
      auto it = std::find_if(found.begin(), found.end(),
                             [&](const Found& f) { return f.block.id == id; });
      if (it == found.end()) {
        r_.Error(item, "no sampling processor '" + id + "' in " + file + sim::DidYouMean(id, ids));
        continue;
      }
      chosen.push_back(&*it);
    }
  } else {
    for (size_t i : order) chosen.push_back(&found[i]);
  }
  if (chosen.empty() && pick == nullptr) {
    r_.Error(c, file + " has no tail_sampling or probabilistic_sampler processor");
    return;
  }
  for (const Found* f : chosen) {
    CollectorStage stage;
    stage.id = f->block.id;
    if (f->kind == CollectorStage::Kind::kTail) {
      std::optional<TailSamplingConfig> parsed = ParseTailSamplingConfig(f->block.Value(), other);
      if (!parsed) continue;
      parsed->id = f->block.id;
      stage.config = std::move(*parsed);
    } else {
      auto parsed = ParseProbabilisticSamplerConfig(f->block.Value(), other);
      if (!parsed) continue;
      stage.config = *parsed;
    }
    st->stages.push_back(std::move(stage));
  }
  MergeFrom(other, c);
}

}  // namespace

std::vector<StrategyConfig> ParseStrategies(const config::Node& list, const std::string& base_dir,
                                            config::Diagnostics& diag) {
  try {
    return Parser(diag, base_dir).Run(list);
  } catch (const YAML::Exception& e) {  // defensive: yaml-cpp throws on misuse
    diag.Error(list.line, list.col, list.path, std::string("internal YAML error: ") + e.what(), "",
               sim::Status::Code::kInternal);
    return {};
  }
}

sim::Result<std::vector<StrategyConfig>> ParseStrategies(const YAML::Node& list,
                                                         std::string_view source,
                                                         const std::string& base_dir) {
  config::Diagnostics diag{std::string(source)};
  config::Node at = config::Node::At(list, "samplers", config::Node{});
  std::vector<StrategyConfig> out = ParseStrategies(at, base_dir, diag);
  if (diag.has_errors()) return diag.ToStatus();
  return out;
}

std::string PipelineLabel(const StrategyConfig& cfg) {
  std::string p;
  if (cfg.jaeger.mode != JaegerProviderConfig::Mode::kNone) {
    p = JaegerPipelineLabel(cfg.jaeger);
  } else if (cfg.has_head) {
    const HeadSamplerSpec& h = cfg.head.sampler;
    p = "SDK " + std::string(HeadSamplerKindName(h.kind));
    if (KindUsesRatio(h.kind)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "(%g)", h.ratio);
      p += buf;
    }
    if (!cfg.head.services.empty())
      p += " +" + std::to_string(cfg.head.services.size()) + " overrides";
  } else {
    p = "SDK always_on";
  }
  for (const CollectorStage& s : cfg.stages) {
    p += " -> ";
    if (const auto* prob = std::get_if<ProbabilisticSamplerConfig>(&s.config)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s(%g%%)", s.id.c_str(),
                    static_cast<double>(prob->sampling_percentage));
      p += buf;
    } else if (const auto* dyn = std::get_if<DynamicStageConfig>(&s.config)) {
      p += DynamicStageLabel(*dyn);
    } else {
      const auto& tail = std::get<TailSamplingConfig>(s.config);
      p += s.id + "(" + std::to_string(tail.policies.size()) + " policies)";
    }
  }
  return p;
}

}  // namespace tracesim::sampling
