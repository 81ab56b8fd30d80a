#include "sampling/strategy_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "sampling/collector_config.h"
#include "sampling/otel_env.h"
#include "sim/suggest.h"

namespace tracesim::sampling {
namespace {

const std::vector<std::string> kKeys = {
    "name",      "description", "head",          "env",
    "collector", "processors",  "tail_sampling", "probabilistic_sampler"};
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
        stage.kind = CollectorStage::Kind::kProbabilistic;
        stage.id = "probabilistic_sampler";
        stage.probabilistic = parsed->config;
        st->stages.push_back(std::move(stage));
      } else {
        Add(parsed.status());
      }
    }
    if (const YAML::Node t = n["tail_sampling"]) {
      auto parsed = ParseTailSamplingConfig(t, source_);
      if (parsed.ok()) {
        CollectorStage stage;
        stage.kind = CollectorStage::Kind::kTail;
        stage.id = "tail_sampling";
        stage.tail = std::move(parsed).value();
        st->stages.push_back(std::move(stage));
      } else {
        Add(parsed.status().WithContext(path + ".tail_sampling"));
      }
    }
    return problems_.size() == before;
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
      stage.kind = f.kind;
      stage.id = f.block.id;
      if (f.kind == CollectorStage::Kind::kTail) {
        auto parsed = ParseTailSamplingConfig(f.block.node, file.string());
        if (!parsed.ok()) {
          Add(parsed.status());
          continue;
        }
        stage.tail = std::move(parsed).value();
      } else {
        auto parsed = ParseProbabilisticSamplerConfig(f.block.node, file.string(),
                                                      "processors." + f.block.id);
        if (!parsed.ok()) {
          Add(parsed.status());
          continue;
        }
        stage.probabilistic = parsed->config;
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
