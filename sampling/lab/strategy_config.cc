#include "sampling/lab/strategy_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "sampling/collector/collector_config.h"
#include "sampling/head/otel_env.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sim/suggest.h"

namespace tracesim::sampling {
namespace {

const std::vector<std::string> kKeys = {
    "name",      "description",     "head",          "env",
    "collector", "processors",      "tail_sampling", "probabilistic_sampler",
    "jaeger",    "jaeger_adaptive", "dynamic"};
const std::vector<std::string> kJaegerKeys = {
    "strategies", "config", "default_sampling_probability", "polling_interval", "write_strategies"};
// Refinery's DynamicSampler / EMADynamicSampler keys in snake_case (SampleRate -> sample_rate).
const std::vector<std::string> kDynamicOnlyKeys = {"sample_rate", "clear_frequency"};
const std::vector<std::string> kEmaOnlyKeys = {"goal_sample_rate", "adjustment_interval",
                                               "weight",           "age_out_value",
                                               "burst_multiple",   "burst_detection_delay"};
const std::vector<std::string> kDynamicKeys = {
    "sampler",     "field_list",      "use_trace_length", "max_keys",
    "sample_rate", "clear_frequency", "goal_sample_rate", "adjustment_interval",
    "weight",      "age_out_value",   "burst_multiple",   "burst_detection_delay"};
const std::vector<std::string> kEnvKeys = {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
                                           "algorithm"};

class Parser {
 public:
  Parser(std::string_view source, std::string base_dir)
      : source_(source), base_dir_(std::move(base_dir)) {}

  sim::Result<std::vector<StrategyConfig>> Run(const YAML::Node& list) {
    std::vector<StrategyConfig> out;
    if (!list.IsSequence() || list.size() == 0) {
      Error(list, "samplers", "must be a non-empty list of strategies, each with a name");
      return Done(std::move(out));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node& n = list[i];
      std::string path = "samplers[" + std::to_string(i) + "]";
      StrategyConfig st;
      if (Parse(n, path, &st)) {
        if (!names.insert(st.name).second) {
          Error(n["name"], path + ".name", "duplicate strategy name '" + st.name + "'");
        } else {
          out.push_back(std::move(st));
        }
      }
    }
    if (out.size() > kMaxStrategies)
      Error(list, "samplers", "at most " + std::to_string(kMaxStrategies) + " strategies");
    return Done(std::move(out));
  }

 private:
  void Error(const YAML::Node& n, const std::string& path, std::string_view msg) {
    std::string where = YamlWhere(source_, n) + ": ";
    problems_.push_back(where + path + ": " + std::string(msg));
  }
  void Add(const sim::Status& st) { problems_.push_back(st.message()); }

  sim::Result<std::vector<StrategyConfig>> Done(std::vector<StrategyConfig> out) {
    if (problems_.empty()) return out;
    std::string msg;
    for (const std::string& p : problems_) msg += (msg.empty() ? "" : "\n") + p;
    return sim::Status::InvalidArgument(msg);
  }

  bool Parse(const YAML::Node& n, const std::string& path, StrategyConfig* st) {
    if (!n.IsMap()) {
      Error(n, path, "must be a mapping with at least a name");
      return false;
    }
    size_t before = problems_.size();
    for (const auto& kv : n) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        Error(kv.first, path + "." + key, "unknown key" + sim::DidYouMean(key, kKeys));
      }
    }
    if (!n["name"] || !n["name"].IsScalar() || n["name"].Scalar().empty()) {
      Error(n, path, "missing required key 'name'");
    } else {
      st->name = n["name"].Scalar();
    }
    if (n["description"] && n["description"].IsScalar())
      st->description = n["description"].Scalar();
    if (n["head"] && n["env"])
      Error(n["env"], path + ".env", "give either 'head' or 'env', not both");
    if (const YAML::Node h = n["head"]) {
      auto cfg = ParseHeadSamplerConfig(h, source_, path + ".head");
      if (cfg.ok()) {
        st->has_head = true;
        st->head = std::move(cfg).value();
      } else {
        Add(cfg.status());
      }
    } else if (const YAML::Node e = n["env"]) {
      ParseEnv(e, path + ".env", st);
    }
    if (const YAML::Node c = n["collector"]) {
      ParseCollectorFile(c, n["processors"], path, st);
    } else if (n["processors"]) {
      Error(n["processors"], path + ".processors",
            "'processors' picks from a 'collector' file; there is none");
    }
    if (const YAML::Node p = n["probabilistic_sampler"]) {
      auto parsed = ParseProbabilisticSamplerConfig(p, source_, path + ".probabilistic_sampler");
      if (parsed.ok()) {
        CollectorStage stage;
        stage.id = "probabilistic_sampler";
        stage.config = parsed->config;
        st->stages.push_back(std::move(stage));
      } else {
        Add(parsed.status());
      }
    }
    const bool jaeger = n["jaeger"] || n["jaeger_adaptive"];
    if (n["jaeger"] && n["jaeger_adaptive"]) {
      Error(n["jaeger_adaptive"], path + ".jaeger_adaptive",
            "give either 'jaeger' or 'jaeger_adaptive', not both");
    } else if (jaeger && (n["head"] || n["env"])) {
      const char* key = n["jaeger"] ? "jaeger" : "jaeger_adaptive";
      Error(n[key], path + "." + key,
            "runs parentbased_jaeger_remote in every service; it cannot be combined with "
            "'head' or 'env'");
    } else if (const YAML::Node j = n["jaeger"]) {
      ParseJaeger(j, path + ".jaeger", st);
    } else if (const YAML::Node a = n["jaeger_adaptive"]) {
      ParseJaegerAdaptive(a, path + ".jaeger_adaptive", st);
    }
    if (const YAML::Node t = n["tail_sampling"]) {
      auto parsed = ParseTailSamplingConfig(t, source_);
      if (parsed.ok()) {
        CollectorStage stage;
        stage.id = "tail_sampling";
        stage.config = std::move(parsed).value();
        st->stages.push_back(std::move(stage));
      } else {
        Add(parsed.status().WithContext(path + ".tail_sampling"));
      }
    }
    if (const YAML::Node d = n["dynamic"]) ParseDynamic(d, path + ".dynamic", st);
    return problems_.size() == before;
  }

  std::string Resolve(const std::string& file, const std::string& dir) const {
    std::filesystem::path p(file);
    if (p.is_relative() && !dir.empty()) p = std::filesystem::path(dir) / p;
    return p.string();
  }

  // Reports every key of `n` not in `allowed`; true when there is none.
  bool KnownKeys(const YAML::Node& n, const std::string& path,
                 const std::vector<std::string>& allowed) {
    bool ok = true;
    for (const auto& kv : n) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      Error(kv.first, path + "." + key, "unknown key" + sim::DidYouMean(key, allowed));
      ok = false;
    }
    return ok;
  }

  bool Check(const sim::Status& st) {
    if (!st.ok()) Add(st);
    return st.ok();
  }

  // polling_interval and write_strategies, shared by jaeger and jaeger_adaptive.
  void ParseJaegerCommon(const YAML::Node& n, const std::string& path, JaegerProviderConfig* j) {
    if (const YAML::Node p = n["polling_interval"]) {
      int64_t ns = j->polling_interval.nanos();
      if (Check(DecodeDuration(source_, p, path + ".polling_interval", &ns))) {
        if (ns <= 0) Error(p, path + ".polling_interval", "must be > 0");
        j->polling_interval = sim::Duration::Nanos(ns);
      }
    }
    if (const YAML::Node w = n["write_strategies"]) {
      std::string file;
      if (Check(DecodeString(source_, w, path + ".write_strategies", &file))) {
        if (file.empty()) Error(w, path + ".write_strategies", "must be a file path");
        j->write_strategies = Resolve(file, base_dir_);
      }
    }
  }

  // jaeger: {strategies: FILE | config: FILE, default_sampling_probability, polling_interval,
  // write_strategies}.
  void ParseJaeger(const YAML::Node& n, const std::string& path, StrategyConfig* st) {
    if (!n.IsMap()) {
      Error(n, path,
            "must be a mapping with 'strategies' (a Jaeger strategies file) or 'config' (a "
            "Jaeger v2 collector config with extensions.remote_sampling)");
      return;
    }
    if (!KnownKeys(n, path, kJaegerKeys)) return;
    const YAML::Node file = n["strategies"];
    const YAML::Node config = n["config"];
    if (file && config) {
      Error(config, path + ".config", "give either 'strategies' or 'config', not both");
      return;
    }
    if (!file && !config) {
      Error(n, path,
            "needs 'strategies' (a Jaeger strategies file) or 'config' (a Jaeger v2 "
            "collector config)");
      return;
    }
    JaegerProviderConfig& j = st->jaeger;
    ParseJaegerCommon(n, path, &j);
    if (file) {
      std::string rel;
      if (!Check(DecodeString(source_, file, path + ".strategies", &rel))) return;
      j.mode = JaegerProviderConfig::Mode::kFile;
      j.source = Resolve(rel, base_dir_);
      j.file.path = j.source;
      auto parsed = LoadStrategiesFile(j.source);
      if (!parsed.ok()) {
        Add(parsed.status().WithContext(YamlWhere(source_, file) + ": " + path + ".strategies"));
        return;
      }
      j.strategies = std::move(parsed).value();
      if (const YAML::Node d = n["default_sampling_probability"]) {
        Check(DecodeFloat(source_, d, path + ".default_sampling_probability",
                          &j.file.default_sampling_probability));
      }
    } else {
      if (const YAML::Node d = n["default_sampling_probability"]) {
        Error(d, path + ".default_sampling_probability",
              "with 'config', set it in the file's remote_sampling.file block");
        return;
      }
      std::string rel;
      if (!Check(DecodeString(source_, config, path + ".config", &rel))) return;
      j.source = Resolve(rel, base_dir_);
      auto parsed = LoadJaegerV2SamplingYaml(j.source);
      if (!parsed.ok()) {
        Add(parsed.status().WithContext(YamlWhere(source_, config) + ": " + path + ".config"));
        return;
      }
      if (parsed->mode == JaegerRemoteSamplingConfig::Mode::kAdaptive) {
        j.mode = JaegerProviderConfig::Mode::kAdaptive;
        j.adaptive = parsed->adaptive;
      } else {
        j.mode = JaegerProviderConfig::Mode::kFile;
        j.file = parsed->file;
        if (!j.file.path.empty()) {
          // remote_sampling.file.path: relative to the collector config's folder.
          j.file.path =
              Resolve(j.file.path, std::filesystem::path(j.source).parent_path().string());
          auto strategies = LoadStrategiesFile(j.file.path);
          if (!strategies.ok()) {
            Add(strategies.status().WithContext(YamlWhere(source_, config) + ": " + path +
                                                ".config: remote_sampling.file.path"));
            return;
          }
          j.strategies = std::move(strategies).value();
        }
      }
    }
    sim::Status v = j.Validate();
    if (!v.ok()) Error(n, path, v.message());
  }

  // jaeger_adaptive: Jaeger's adaptive options (remote_sampling.adaptive keys) plus
  // polling_interval and write_strategies.
  void ParseJaegerAdaptive(const YAML::Node& n, const std::string& path, StrategyConfig* st) {
    if (!n.IsMap() && !n.IsNull()) {
      Error(n, path, "must be a mapping of adaptive sampling options (may be empty: {})");
      return;
    }
    JaegerProviderConfig& j = st->jaeger;
    j.mode = JaegerProviderConfig::Mode::kAdaptive;
    if (n.IsNull()) return;
    if (!Check(ParseJaegerAdaptiveOptionsYaml(
            n, source_, path, {"polling_interval", "write_strategies"}, &j.adaptive))) {
      return;
    }
    ParseJaegerCommon(n, path, &j);
  }

  // dynamic: {sampler: dynamic | ema_dynamic, field_list, use_trace_length, ...}: the last stage.
  void ParseDynamic(const YAML::Node& n, const std::string& path, StrategyConfig* st) {
    if (!n.IsMap()) {
      Error(n, path, "must be a mapping with 'sampler' (dynamic or ema_dynamic) and 'field_list'");
      return;
    }
    if (!KnownKeys(n, path, kDynamicKeys)) return;
    CollectorStage stage;
    DynamicStageConfig& d = stage.config.emplace<DynamicStageConfig>();
    const YAML::Node sampler = n["sampler"];
    std::string kind;
    if (!sampler) {
      Error(n, path, "missing required key 'sampler' (dynamic or ema_dynamic)");
      return;
    }
    if (!Check(DecodeString(source_, sampler, path + ".sampler", &kind))) return;
    if (kind == "dynamic") {
      d.kind = DynamicStageConfig::Kind::kDynamic;
    } else if (kind == "ema_dynamic") {
      d.kind = DynamicStageConfig::Kind::kEmaDynamic;
    } else {
      Error(sampler, path + ".sampler",
            "must be dynamic or ema_dynamic, got '" + kind + "'" +
                sim::DidYouMean(kind, {"dynamic", "ema_dynamic"}));
      return;
    }
    stage.id = kind;
    const bool ema = d.kind == DynamicStageConfig::Kind::kEmaDynamic;
    const std::vector<std::string>& wrong = ema ? kDynamicOnlyKeys : kEmaOnlyKeys;
    bool ok = true;
    for (const std::string& key : wrong) {
      if (!n[key]) continue;
      Error(n[key], path + "." + key,
            "is an option of sampler " + std::string(ema ? "dynamic" : "ema_dynamic") + ", not " +
                kind);
      ok = false;
    }
    if (!ok) return;
    auto uint32 = [&](const char* key, uint32_t* out) {
      const YAML::Node v = n[key];
      if (!v) return;
      uint64_t x = *out;
      if (!Check(DecodeUint(source_, v, path + "." + key, &x))) return;
      if (x > 0xFFFFFFFFu) return Error(v, path + "." + key, "must be < 2^32");
      *out = static_cast<uint32_t>(x);
    };
    auto duration = [&](const char* key, sim::Duration* out) {
      const YAML::Node v = n[key];
      if (!v) return;
      int64_t ns = out->nanos();
      if (Check(DecodeDuration(source_, v, path + "." + key, &ns))) *out = sim::Duration::Nanos(ns);
    };
    auto number = [&](const char* key, double* out) {
      if (const YAML::Node v = n[key]) Check(DecodeFloat(source_, v, path + "." + key, out));
    };
    if (const YAML::Node f = n["field_list"]) {
      if (!f.IsSequence() && !f.IsScalar()) {
        Error(f, path + ".field_list", "must be a list of field names");
      } else {
        Check(DecodeStringList(source_, f, path + ".field_list", &d.field_list));
      }
    }
    if (const YAML::Node u = n["use_trace_length"])
      Check(DecodeBool(source_, u, path + ".use_trace_length", &d.use_trace_length));
    if (ema) {
      uint32("goal_sample_rate", &d.ema.goal_sample_rate);
      duration("adjustment_interval", &d.ema.adjustment_interval);
      number("weight", &d.ema.weight);
      number("age_out_value", &d.ema.age_out_value);
      number("burst_multiple", &d.ema.burst_multiple);
      uint32("burst_detection_delay", &d.ema.burst_detection_delay);
      uint32("max_keys", &d.ema.max_keys);
    } else {
      uint32("sample_rate", &d.dynamic.sample_rate);
      duration("clear_frequency", &d.dynamic.clear_frequency);
      uint32("max_keys", &d.dynamic.max_keys);
    }
    sim::Status v = d.Validate();
    if (!v.ok()) {
      // The messages start with the key: point at it.
      const std::string& m = v.message();
      const size_t colon = m.find(": ");
      const std::string key = colon == std::string::npos ? "" : m.substr(0, colon);
      if (!key.empty() && n[key]) {
        Error(n[key], path + "." + key, m.substr(colon + 2));
      } else {
        Error(n, path, m);
      }
      return;
    }
    for (const CollectorStage& s : st->stages) {
      if (s.kind() != CollectorStage::Kind::kTail) continue;
      Error(n, path,
            "cannot follow a tail_sampling stage ('" + s.id +
                "'): the dynamic sampler decides when the trace completes, before the tail "
                "stage releases its spans");
      return;
    }
    st->stages.push_back(std::move(stage));
  }

  void ParseEnv(const YAML::Node& e, const std::string& path, StrategyConfig* st) {
    if (!e.IsMap()) {
      Error(e, path, "must be a mapping of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG");
      return;
    }
    std::optional<std::string> sampler, arg;
    RatioAlgorithm algorithm = RatioAlgorithm::kGo;
    for (const auto& kv : e) {
      std::string key = kv.first.Scalar();
      if (std::find(kEnvKeys.begin(), kEnvKeys.end(), key) == kEnvKeys.end()) {
        Error(kv.first, path + "." + key, "unknown key" + sim::DidYouMean(key, kEnvKeys));
        continue;
      }
      if (!kv.second.IsScalar()) {
        Error(kv.second, path + "." + key, "must be a string");
        continue;
      }
      const std::string v = kv.second.Scalar();
      if (key == "OTEL_TRACES_SAMPLER") sampler = v;
      if (key == "OTEL_TRACES_SAMPLER_ARG") arg = v;
      if (key == "algorithm") {
        if (v == "go")
          algorithm = RatioAlgorithm::kGo;
        else if (v == "java")
          algorithm = RatioAlgorithm::kJava;
        else if (v == "python")
          algorithm = RatioAlgorithm::kPython;
        else
          Error(kv.second, path + ".algorithm", "must be go, java or python, got '" + v + "'");
      }
    }
    auto cfg = ParseOtelTracesSamplerEnv(sampler, arg, algorithm);
    if (!cfg.ok()) {
      Add(cfg.status().WithContext(YamlWhere(source_, e) + ": " + path));
      return;
    }
    st->has_head = true;
    st->head = std::move(cfg).value();
  }

  void ParseCollectorFile(const YAML::Node& c, const YAML::Node& pick, const std::string& path,
                          StrategyConfig* st) {
    if (!c.IsScalar()) {
      Error(c, path + ".collector", "must be the path of a Collector config file");
      return;
    }
    std::filesystem::path file(c.Scalar());
    if (file.is_relative() && !base_dir_.empty()) file = std::filesystem::path(base_dir_) / file;
    auto config = CollectorConfig::LoadFile(file.string());
    if (!config.ok()) {
      Add(config.status().WithContext(YamlWhere(source_, c) + ": " + path + ".collector"));
      return;
    }
    // Every sampling processor of the file, in file order.
    struct Found {
      ProcessorBlock block;
      CollectorStage::Kind kind;
    };
    std::vector<Found> found;
    auto tails = config->FindProcessors("tail_sampling", "policies");
    auto probs = config->FindProcessors("probabilistic_sampler", "sampling_percentage");
    if (!tails.ok()) return Add(tails.status());
    if (!probs.ok()) return Add(probs.status());
    for (auto& b : *tails) found.push_back({b, CollectorStage::Kind::kTail});
    for (auto& b : *probs) found.push_back({b, CollectorStage::Kind::kProbabilistic});
    // Sort by position through indices: assigning YAML::Node objects (as a sort of the structs
    // would) overwrites the nodes they share instead of rebinding them.
    std::vector<size_t> order(found.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return found[a].block.line < found[b].block.line; });
    std::vector<Found> chosen;
    if (pick) {
      if (!pick.IsSequence()) {
        Error(pick, path + ".processors",
              "must be a list of processor ids such as tail_sampling/errors");
        return;
      }
      for (size_t i = 0; i < pick.size(); ++i) {
        std::string id = pick[i].Scalar();
        auto it = std::find_if(found.begin(), found.end(),
                               [&](const Found& f) { return f.block.id == id; });
        if (it == found.end()) {
          std::vector<std::string> ids;
          for (const Found& f : found) ids.push_back(f.block.id);
          Error(
              pick[i], path + ".processors[" + std::to_string(i) + "]",
              "no sampling processor '" + id + "' in " + file.string() + sim::DidYouMean(id, ids));
          continue;
        }
        chosen.push_back(*it);
      }
    } else {
      for (size_t i : order) chosen.push_back(found[i]);
    }
    if (chosen.empty() && !pick) {
      Error(c, path + ".collector",
            file.string() + " has no tail_sampling or probabilistic_sampler processor");
      return;
    }
    for (const Found& f : chosen) {
      CollectorStage stage;
      stage.id = f.block.id;
      if (f.kind == CollectorStage::Kind::kTail) {
        auto parsed = ParseTailSamplingConfig(f.block.node, file.string());
        if (!parsed.ok()) {
          Add(parsed.status());
          continue;
        }
        stage.config = std::move(parsed).value();
      } else {
        auto parsed = ParseProbabilisticSamplerConfig(f.block.node, file.string(),
                                                      "processors." + f.block.id);
        if (!parsed.ok()) {
          Add(parsed.status());
          continue;
        }
        stage.config = parsed->config;
      }
      st->stages.push_back(std::move(stage));
    }
  }

  std::string source_;
  std::string base_dir_;
  std::vector<std::string> problems_;
};

}  // namespace

sim::Result<std::vector<StrategyConfig>> ParseStrategies(const YAML::Node& list,
                                                         std::string_view source,
                                                         const std::string& base_dir) {
  try {
    return Parser(source, base_dir).Run(list);
  } catch (const YAML::Exception& e) {
    return sim::Status::InvalidArgument(std::string(source) + ": samplers: " + e.what());
  }
}

}  // namespace tracesim::sampling
