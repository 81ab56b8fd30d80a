#include "sampling/jaeger/jaeger_strategies.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/env_expand.h"
#include "config/reader.h"
#include "config/yaml_load.h"
#include "sim/base/suggest.h"

namespace tracesim::sampling {

namespace {

using nlohmann::json;

// Integral doubles become JSON integers, as Go's encoder prints them ("1", not "1.0").
json Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return json(static_cast<int64_t>(v));
  }
  return json(v);
}

json OperationsToJson(const std::vector<JaegerFileOperationStrategy>& ops) {
  json arr = json::array();
  for (const auto& op : ops) {
    json o = json::object();
    o["operation"] = op.operation;
    o["type"] = op.type;
    o["param"] = Num(op.param);
    arr.push_back(std::move(o));
  }
  return arr;
}

json ServiceToJson(const JaegerFileServiceStrategy& s, bool with_service) {
  json o = json::object();
  if (with_service) o["service"] = s.service;
  if (!s.type.empty()) o["type"] = s.type;
  o["param"] = Num(s.param);
  if (!s.operation_strategies.empty()) {
    o["operation_strategies"] = OperationsToJson(s.operation_strategies);
  }
  return o;
}

sim::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Status::NotFound(path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return sim::Status::IoError(path + ": read failed");
  return ss.str();
}

// Go's int32(float64) for the values a strategies file can hold: truncation toward zero,
// saturated instead of Go's implementation-defined overflow.
int32_t TruncToInt32(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(v);
}

}  // namespace

bool operator==(const JaegerOperationStrategy& a, const JaegerOperationStrategy& b) {
  return a.operation == b.operation && a.sampling_rate == b.sampling_rate;
}
bool operator==(const JaegerPerOperationStrategies& a, const JaegerPerOperationStrategies& b) {
  return a.default_sampling_probability == b.default_sampling_probability &&
         a.default_lower_bound_traces_per_second == b.default_lower_bound_traces_per_second &&
         a.per_operation == b.per_operation &&
         a.default_upper_bound_traces_per_second == b.default_upper_bound_traces_per_second;
}
bool ServedStrategy::operator==(const ServedStrategy& o) const {
  return type == o.type && probabilistic_rate == o.probabilistic_rate &&
         max_traces_per_second == o.max_traces_per_second &&
         operation_sampling == o.operation_sampling;
}

ServedStrategy DefaultServedStrategy(double probability) {
  ServedStrategy s;
  s.type = JaegerStrategyType::kProbabilistic;
  s.probabilistic_rate = probability;
  return s;
}

std::string ServedStrategyToJson(const ServedStrategy& s, int indent) {
  json o = json::object();
  if (s.type != JaegerStrategyType::kProbabilistic) o["strategyType"] = static_cast<int>(s.type);
  if (s.probabilistic_rate) {
    json p = json::object();
    if (*s.probabilistic_rate != 0) p["samplingRate"] = Num(*s.probabilistic_rate);
    o["probabilisticSampling"] = std::move(p);
  }
  if (s.max_traces_per_second) {
    json r = json::object();
    if (*s.max_traces_per_second != 0) r["maxTracesPerSecond"] = *s.max_traces_per_second;
    o["rateLimitingSampling"] = std::move(r);
  }
  if (s.operation_sampling) {
    const JaegerPerOperationStrategies& ops = *s.operation_sampling;
    json p = json::object();
    if (ops.default_sampling_probability != 0) {
      p["defaultSamplingProbability"] = Num(ops.default_sampling_probability);
    }
    if (ops.default_lower_bound_traces_per_second != 0) {
      p["defaultLowerBoundTracesPerSecond"] = Num(ops.default_lower_bound_traces_per_second);
    }
    if (!ops.per_operation.empty()) {
      json arr = json::array();
      for (const auto& op : ops.per_operation) {
        json e = json::object();
        e["operation"] = op.operation;
        json ps = json::object();
        if (op.sampling_rate != 0) ps["samplingRate"] = Num(op.sampling_rate);
        e["probabilisticSampling"] = std::move(ps);
        arr.push_back(std::move(e));
      }
      p["perOperationStrategies"] = std::move(arr);
    }
    if (ops.default_upper_bound_traces_per_second != 0) {
      p["defaultUpperBoundTracesPerSecond"] = Num(ops.default_upper_bound_traces_per_second);
    }
    o["operationSampling"] = std::move(p);
  }
  return o.dump(indent);
}

namespace {

// ---- the strategies file: JSON read through yaml-cpp (JSON is YAML flow syntax) so every value
// has a position and a key path (config::Node); the JSON types are recovered from the YAML
// nodes: a quoted scalar is a string, plain true/false a boolean, plain null a null, any other
// plain scalar a number (the text was validated as JSON first).

std::string JsonTypeName(const YAML::Node& n) {
  if (n.IsMap()) return "object";
  if (n.IsSequence()) return "array";
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.Tag() == "!") return "string";
  const std::string& s = n.Scalar();
  if (s == "true" || s == "false") return "boolean";
  return "number";
}

// Reads the objects of a strategies file into Diagnostics. Unknown keys are warnings (Jaeger
// ignores them); a value of the wrong JSON type is an error and ends that object's reading.
class StrategiesReader {
 public:
  explicit StrategiesReader(config::Diagnostics& diag) : r_(diag) {}

  void Error(const config::Node& at, const std::string& message) { r_.Error(at, message); }

  bool Expect(const config::Node& v, const char* want, bool ok) {
    if (!ok) r_.Error(v, std::string("expected ") + want + ", got " + JsonTypeName(v.node));
    return ok;
  }

  // The value of `key` in object `obj` (the last one, as Go's decoder keeps), nullopt when
  // absent or null.
  std::optional<config::Node> Field(const config::Node& obj, const char* key) {
    std::optional<config::Node> out;
    for (auto it = obj.node.begin(); it != obj.node.end(); ++it) {
      const YAML::Node k = it->first;  // copies: iterator values are temporaries
      const YAML::Node v = it->second;
      if (!k.IsScalar() || k.Scalar() != key) continue;
      out = config::Node::At(v, config::JoinPath(obj.path, key), obj);
    }
    if (out && out->node.IsNull()) return std::nullopt;
    return out;
  }

  void WarnUnknownKeys(const config::Node& obj, const config::Keys& known) {
    for (auto it = obj.node.begin(); it != obj.node.end(); ++it) {
      const YAML::Node k = it->first;
      const std::string key = k.IsScalar() ? k.Scalar() : "";
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      config::Node at = config::Node::At(k, config::JoinPath(obj.path, key), obj);
      r_.Warning(at, "unknown key ignored (Jaeger ignores it too)" + sim::DidYouMean(key, known));
    }
  }

  bool Number(const config::Node& obj, const char* key, double* out) {
    std::optional<config::Node> v = Field(obj, key);
    if (!v) return true;
    if (!Expect(*v, "a number", JsonTypeName(v->node) == "number")) return false;
    *out = std::strtod(v->node.Scalar().c_str(), nullptr);
    return true;
  }

  bool String(const config::Node& obj, const char* key, std::string* out) {
    std::optional<config::Node> v = Field(obj, key);
    if (!v) return true;
    if (!Expect(*v, "a string", JsonTypeName(v->node) == "string")) return false;
    *out = v->node.Scalar();
    return true;
  }

  bool Operation(const config::Node& j, JaegerFileOperationStrategy* out) {
    if (!Expect(j, "an object", j.node.IsMap())) return false;
    WarnUnknownKeys(j, {"operation", "type", "param"});
    return String(j, "operation", &out->operation) && String(j, "type", &out->type) &&
           Number(j, "param", &out->param);
  }

  // default_strategy has the same shape as a service entry; its "service" is ignored.
  bool Service(const config::Node& j, JaegerFileServiceStrategy* out) {
    if (!Expect(j, "an object", j.node.IsMap())) return false;
    WarnUnknownKeys(j, {"service", "type", "param", "operation_strategies"});
    if (!String(j, "service", &out->service) || !String(j, "type", &out->type) ||
        !Number(j, "param", &out->param)) {
      return false;
    }
    std::optional<config::Node> ops = Field(j, "operation_strategies");
    if (!ops) return true;
    if (!Expect(*ops, "an array", ops->node.IsSequence())) return false;
    for (size_t i = 0; i < ops->node.size(); ++i) {
      JaegerFileOperationStrategy op;
      if (!Operation(ops->Item(i), &op)) return false;
      out->operation_strategies.push_back(std::move(op));
    }
    return true;
  }

 private:
  config::Reader r_;
};

// strategyType: 0 or 1, or the enum's name as protojson writes it.
bool ReadStrategyType(StrategiesReader& reader, const config::Node& v, JaegerStrategyType* out) {
  const std::string type = JsonTypeName(v.node);
  const std::string& text = v.node.Scalar();
  if (type == "string") {
    if (text == "PROBABILISTIC" || text == "RATE_LIMITING") {
      *out = text == "PROBABILISTIC" ? JaegerStrategyType::kProbabilistic
                                     : JaegerStrategyType::kRateLimiting;
      return true;
    }
    reader.Error(v, "unknown value \"" + text + "\"");
    return false;
  }
  const bool integer = type == "number" && text.find_first_of(".eE") == std::string::npos;
  if (!integer) return reader.Expect(v, "a number or an enum name", false);
  int64_t n = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || (n != 0 && n != 1)) {
    reader.Error(v, "unknown value " + text);
    return false;
  }
  *out = static_cast<JaegerStrategyType>(n);
  return true;
}

// operationSampling: the defaults and perOperationStrategies.
bool ReadOperationSampling(StrategiesReader& reader, const config::Node& o,
                           JaegerPerOperationStrategies* ops) {
  if (!reader.Expect(o, "an object", o.node.IsMap()) ||
      !reader.Number(o, "defaultSamplingProbability", &ops->default_sampling_probability) ||
      !reader.Number(o, "defaultLowerBoundTracesPerSecond",
                     &ops->default_lower_bound_traces_per_second) ||
      !reader.Number(o, "defaultUpperBoundTracesPerSecond",
                     &ops->default_upper_bound_traces_per_second)) {
    return false;
  }
  std::optional<config::Node> list = reader.Field(o, "perOperationStrategies");
  if (!list) return true;
  if (!reader.Expect(*list, "an array", list->node.IsSequence())) return false;
  for (size_t i = 0; i < list->node.size(); ++i) {
    const config::Node e = list->Item(i);
    JaegerOperationStrategy op;
    if (!reader.Expect(e, "an object", e.node.IsMap()) ||
        !reader.String(e, "operation", &op.operation)) {
      return false;
    }
    if (std::optional<config::Node> ps = reader.Field(e, "probabilisticSampling")) {
      if (!reader.Expect(*ps, "an object", ps->node.IsMap()) ||
          !reader.Number(*ps, "samplingRate", &op.sampling_rate)) {
        return false;
      }
    }
    ops->per_operation.push_back(std::move(op));
  }
  return true;
}

// A SamplingStrategyResponse object; stops at the first problem. Unknown keys are ignored, as
// Jaeger's clients ignore them.
std::optional<ServedStrategy> ReadServedStrategy(StrategiesReader& reader,
                                                 const config::Node& root) {
  ServedStrategy s;
  if (std::optional<config::Node> t = reader.Field(root, "strategyType")) {
    if (!ReadStrategyType(reader, *t, &s.type)) return std::nullopt;
  }
  if (std::optional<config::Node> p = reader.Field(root, "probabilisticSampling")) {
    double rate = 0;
    if (!reader.Expect(*p, "an object", p->node.IsMap()) ||
        !reader.Number(*p, "samplingRate", &rate)) {
      return std::nullopt;
    }
    s.probabilistic_rate = rate;
  }
  if (std::optional<config::Node> r = reader.Field(root, "rateLimitingSampling")) {
    double max = 0;
    if (!reader.Expect(*r, "an object", r->node.IsMap()) ||
        !reader.Number(*r, "maxTracesPerSecond", &max)) {
      return std::nullopt;
    }
    s.max_traces_per_second = TruncToInt32(max);
  }
  if (std::optional<config::Node> o = reader.Field(root, "operationSampling")) {
    JaegerPerOperationStrategies ops;
    if (!ReadOperationSampling(reader, *o, &ops)) return std::nullopt;
    s.operation_sampling = std::move(ops);
  }
  return s;
}

// Validates `text` as JSON (as Jaeger's json.Unmarshal does first); reports a syntax error with
// its line and column.
bool CheckJsonSyntax(std::string_view text, config::Diagnostics& diag) {
  try {
    (void)json::parse(text);
    return true;
  } catch (const json::parse_error& e) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      col = text[i] == '\n' ? 1 : col + 1;
      line += text[i] == '\n';
    }
    diag.Error(static_cast<int>(line), static_cast<int>(col), "",
               "failed to unmarshal strategies: not JSON");
    return false;
  } catch (const json::exception& e) {  // e.g. out_of_range for a number such as 1e400
    diag.Error(1, 1, "", std::string("failed to unmarshal strategies: ") + e.what());
    return false;
  }
}

// The JSON text as a YAML document (JSON is YAML flow syntax), so every value has a position;
// nullopt after reporting a syntax error.
std::optional<YAML::Node> LoadJson(std::string_view text, config::Diagnostics& diag) {
  if (!CheckJsonSyntax(text, diag)) return std::nullopt;
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {  // JSON that yaml-cpp does not read (not expected)
    diag.Error(e.mark.line + 1, e.mark.column + 1, "", "failed to read the JSON: " + e.msg);
    return std::nullopt;
  }
  if (!config::CheckYamlLimits(doc, diag)) return std::nullopt;
  return doc;
}

}  // namespace

std::optional<JaegerStrategiesFile> ParseStrategiesJson(std::string_view text,
                                                        config::Diagnostics& diag) {
  std::optional<YAML::Node> loaded = LoadJson(text, diag);
  if (!loaded) return std::nullopt;
  const YAML::Node& doc = *loaded;
  JaegerStrategiesFile f;
  f.source = diag.file();
  if (!doc.IsDefined() || doc.IsNull()) {
    f.present = false;
    return f;
  }
  const config::Node root = config::Node::Root(doc);
  if (!doc.IsMap()) {
    diag.Error(0, 0, "",
               "failed to unmarshal strategies: expected an object, got " + JsonTypeName(doc));
    return std::nullopt;
  }
  const size_t errors_before = diag.error_count();
  StrategiesReader reader(diag);
  reader.WarnUnknownKeys(root, {"default_strategy", "service_strategies"});
  if (std::optional<config::Node> d = reader.Field(root, "default_strategy")) {
    JaegerFileServiceStrategy s;
    if (reader.Service(*d, &s)) f.default_strategy = std::move(s);
  }
  if (std::optional<config::Node> list = reader.Field(root, "service_strategies");
      list && reader.Expect(*list, "an array", list->node.IsSequence())) {
    for (size_t i = 0; i < list->node.size(); ++i) {
      JaegerFileServiceStrategy s;
      if (reader.Service(list->Item(i), &s)) f.service_strategies.push_back(std::move(s));
    }
  }
  if (diag.error_count() != errors_before) return std::nullopt;
  return f;
}

std::optional<ServedStrategy> ParseServedStrategyJson(std::string_view text,
                                                      config::Diagnostics& diag) {
  std::optional<YAML::Node> doc = LoadJson(text, diag);
  if (!doc) return std::nullopt;
  if (!doc->IsMap()) {
    diag.Error(1, 1, "", "expected an object, got " + JsonTypeName(*doc));
    return std::nullopt;
  }
  StrategiesReader reader(diag);
  return ReadServedStrategy(reader, config::Node::Root(*doc));
}

sim::Result<ServedStrategy> ParseServedStrategyJson(std::string_view text,
                                                    std::string_view source) {
  config::Diagnostics diag{std::string(source)};
  std::optional<ServedStrategy> s = ParseServedStrategyJson(text, diag);
  if (!s) return diag.ToStatus();
  return std::move(*s);
}

std::optional<JaegerStrategiesFile> LoadStrategiesFile(const std::string& path,
                                                       config::Diagnostics& diag) {
  sim::Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    diag.Error(0, 0, "", text.status().message(), "", text.status().code());
    return std::nullopt;
  }
  return ParseStrategiesJson(*text, diag);
}

namespace {
sim::Result<JaegerStrategiesFile> FileWithWarnings(std::optional<JaegerStrategiesFile> f,
                                                   const config::Diagnostics& diag) {
  if (!f) return diag.ToStatus();
  f->warnings = diag.Warnings();
  return std::move(*f);
}
}  // namespace

sim::Result<JaegerStrategiesFile> ParseStrategiesJson(std::string_view text,
                                                      std::string_view source) {
  config::Diagnostics diag{std::string(source)};
  return FileWithWarnings(ParseStrategiesJson(text, diag), diag);
}

sim::Result<JaegerStrategiesFile> LoadStrategiesFile(const std::string& path) {
  config::Diagnostics diag(path);
  return FileWithWarnings(LoadStrategiesFile(path, diag), diag);
}

std::string StrategiesFileToJson(const JaegerStrategiesFile& f, int indent) {
  if (!f.present) return "null";
  json o = json::object();
  if (f.default_strategy) o["default_strategy"] = ServiceToJson(*f.default_strategy, false);
  json arr = json::array();
  for (const auto& s : f.service_strategies) arr.push_back(ServiceToJson(s, true));
  if (!f.service_strategies.empty()) o["service_strategies"] = std::move(arr);
  return o.dump(indent);
}

// ---------------------------------------------------------------------------------------------

sim::Status JaegerFileOptions::Validate() const {
  if (!(default_sampling_probability >= 0 && default_sampling_probability <= 1)) {
    return sim::Status::InvalidArgument("default_sampling_probability: must be in [0, 1], got " +
                                        std::to_string(default_sampling_probability));
  }
  if (reload_interval < sim::Duration()) {
    return sim::Status::InvalidArgument("reload_interval: must not be negative");
  }
  return sim::Status::Ok();
}

void JaegerFileStrategyProvider::Warn(const std::string& where, const std::string& message) {
  config::Diagnostic d;
  d.file = source_;
  d.path = where;
  d.severity = config::Severity::kWarning;
  d.message = message;
  d.code = sim::Status::Code::kOk;
  warnings_.push_back(std::move(d));
}

ServedStrategy JaegerFileStrategyProvider::ParseOne(const std::string& type, double param,
                                                    const std::string& where) {
  ServedStrategy s;
  if (type == "probabilistic") {
    s.type = JaegerStrategyType::kProbabilistic;
    s.probabilistic_rate = param;
  } else if (type == "ratelimiting") {
    s.type = JaegerStrategyType::kRateLimiting;
    s.max_traces_per_second = TruncToInt32(param);
  } else {
    Warn(where, "failed to parse sampling strategy type \"" + type + "\"; serving probabilistic " +
                    std::to_string(options_.default_sampling_probability));
    s = DefaultServedStrategy(options_.default_sampling_probability);
  }
  return s;
}

ServedStrategy JaegerFileStrategyProvider::ParseService(const JaegerFileServiceStrategy& in,
                                                        const std::string& where) {
  ServedStrategy resp = ParseOne(in.type, in.param, where);
  if (in.operation_strategies.empty()) return resp;
  JaegerPerOperationStrategies ops;
  ops.default_sampling_probability = options_.default_sampling_probability;
  if (resp.type == JaegerStrategyType::kProbabilistic) {
    ops.default_sampling_probability = resp.probabilistic_rate.value_or(0);
  }
  for (size_t i = 0; i < in.operation_strategies.size(); ++i) {
    const JaegerFileOperationStrategy& op = in.operation_strategies[i];
    const std::string op_where = where + ".operation_strategies[" + std::to_string(i) + "]";
    ServedStrategy s = ParseOne(op.type, op.param, op_where);
    if (s.type == JaegerStrategyType::kRateLimiting) {
      Warn(op_where, "operation strategies only support probabilistic sampling; '" + op.operation +
                         "' skipped (falls back to probability " +
                         std::to_string(ops.default_sampling_probability) + ")");
      continue;
    }
    ops.per_operation.push_back({op.operation, s.probabilistic_rate.value_or(0)});
  }
  resp.operation_sampling = std::move(ops);
  return resp;
}

JaegerFileStrategyProvider::JaegerFileStrategyProvider(const JaegerStrategiesFile& file,
                                                       const JaegerFileOptions& options)
    : options_(options),
      source_(file.source),
      default_(DefaultServedStrategy(options.default_sampling_probability)) {
  warnings_ = file.warnings;
  if (!file.present) return;
  if (file.default_strategy) default_ = ParseService(*file.default_strategy, "default_strategy");
  for (size_t i = 0; i < file.service_strategies.size(); ++i) {
    const JaegerFileServiceStrategy& in = file.service_strategies[i];
    const std::string where = "service_strategies[" + std::to_string(i) + "]";
    ServedStrategy s = ParseService(in, where);
    if (default_.operation_sampling) {
      if (!s.operation_sampling) {
        if (!options_.include_default_op_strategies && !s.probabilistic_rate) {
          // Deprecated behaviour: a ratelimiting service does not inherit the defaults.
          Warn(where,
               "default per-operation strategies are not included for ratelimiting service '" +
                   in.service + "' (includeDefaultOpStrategies is off)");
        } else {
          JaegerPerOperationStrategies copy = *default_.operation_sampling;
          if (s.probabilistic_rate) copy.default_sampling_probability = *s.probabilistic_rate;
          s.operation_sampling = std::move(copy);
        }
      } else {
        // Service entries win; default operations not named by the service are appended.
        auto& mine = s.operation_sampling->per_operation;
        const size_t own = mine.size();
        for (const auto& d : default_.operation_sampling->per_operation) {
          bool found = false;
          for (size_t k = 0; k < own && !found; ++k) found = mine[k].operation == d.operation;
          if (!found) mine.push_back(d);
        }
      }
    }
    services_[in.service] = std::move(s);  // a later duplicate replaces an earlier one
  }
}

sim::Result<JaegerFileStrategyProvider> JaegerFileStrategyProvider::Create(
    const JaegerFileOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  JaegerStrategiesFile file;
  file.present = false;
  if (!options.path.empty()) {
    TRACESIM_ASSIGN_OR_RETURN(file, LoadStrategiesFile(options.path));
  }
  return JaegerFileStrategyProvider(file, options);
}

const ServedStrategy& JaegerFileStrategyProvider::StrategyFor(std::string_view service) const {
  auto it = services_.find(service);
  return it == services_.end() ? default_ : it->second;
}

// ---------------------------------------------------------------------------------------------

sim::Status JaegerAdaptiveOptions::Validate() const {
  auto bad = [](const char* key, const std::string& msg) {
    return sim::Status::InvalidArgument(std::string(key) + ": " + msg);
  };
  if (!(target_samples_per_second > 0)) {
    return bad("target_samples_per_second", "must be > 0");
  }
  if (!(delta_tolerance >= 0)) return bad("delta_tolerance", "must be >= 0");
  if (calculation_interval <= sim::Duration()) return bad("calculation_interval", "must be > 0");
  if (aggregation_buckets < 1) return bad("aggregation_buckets", "must be >= 1");
  if (calculation_buckets < 1) return bad("calculation_buckets", "must be >= 1");
  if (calculation_delay < sim::Duration()) return bad("calculation_delay", "must be >= 0");
  if (!(initial_sampling_probability > 0 && initial_sampling_probability <= 1)) {
    return bad("initial_sampling_probability", "must be in (0, 1]");
  }
  if (!(min_sampling_probability >= 0 && min_sampling_probability <= 1)) {
    return bad("min_sampling_probability", "must be in [0, 1]");
  }
  if (!(min_samples_per_second >= 0)) return bad("min_samples_per_second", "must be >= 0");
  if (leader_lease_refresh_interval < sim::Duration() ||
      follower_lease_refresh_interval < sim::Duration()) {
    return bad("leader_lease_refresh_interval", "lease intervals must be >= 0");
  }
  return sim::Status::Ok();
}

// ---------------------------------------------------------------------------------------------

namespace {

// Jaeger v2 is a Collector: its config decodes strictly (unknown keys are errors).
const config::Keys kFileKeys = {"path", "default_sampling_probability", "reload_interval"};
const config::Keys kAdaptiveKeys = {
    "sampling_store",         "target_samples_per_second",     "delta_tolerance",
    "calculation_interval",   "aggregation_buckets",           "calculation_buckets",
    "calculation_delay",      "initial_sampling_probability",  "min_sampling_probability",
    "min_samples_per_second", "leader_lease_refresh_interval", "follower_lease_refresh_interval"};
const config::Keys kRemoteSamplingKeys = {"file", "adaptive", "http", "grpc"};

// Typed reads that leave *out unchanged for a null value; false after reporting a problem.
bool ReadDouble(config::Reader& r, const config::Node& v, double* out) {
  if (v.node.IsNull()) return true;
  std::optional<double> d = r.Number(v);
  if (d) *out = *d;
  return d.has_value();
}

bool ReadInt(config::Reader& r, const config::Node& v, int* out) {
  if (v.node.IsNull()) return true;
  std::optional<int64_t> i =
      r.Int(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (i) *out = static_cast<int>(*i);
  return i.has_value();
}

bool ReadString(config::Reader& r, const config::Node& v, std::string* out) {
  if (v.node.IsNull()) return true;
  std::optional<std::string> s = r.Str(v);
  if (s) *out = *s;
  return s.has_value();
}

// A Go duration (sim::ParseDuration), or a bare integer: nanoseconds, as mapstructure decodes
// it into time.Duration.
bool ReadDuration(config::Reader& r, const config::Node& v, sim::Duration* out) {
  if (v.node.IsNull()) return true;
  if (v.node.IsScalar()) {
    if (std::optional<int64_t> ns = config::ParseInt(v.node.Scalar())) {
      *out = sim::Duration::Nanos(*ns);
      return true;
    }
  }
  std::optional<sim::Duration> d = r.Duration(v, config::Need::kAny);
  if (d) *out = *d;
  return d.has_value();
}

// Reports a failing Validate() ("key: message") at the key it names, else at the block.
void ReportValidate(config::Reader& r, const config::Map& m, const config::Node& block,
                    const sim::Status& st) {
  if (st.ok()) return;
  const std::string& msg = st.message();
  const size_t colon = msg.find(": ");
  const std::string key = colon == std::string::npos ? "" : msg.substr(0, colon);
  if (const config::Map::Entry* e = m.Find(key)) {
    r.Error(e->value, msg.substr(colon + 2));
  } else {
    r.Error(block, msg);
  }
}

void ParseFileBlock(config::Reader& r, const config::Node& n, JaegerFileOptions* out) {
  if (n.node.IsNull()) return;
  const size_t errors_before = r.diag().error_count();
  config::Map m = r.ReadMap(n, &kFileKeys);
  for (const config::Map::Entry& e : m.entries()) {
    if (e.key == "path") {
      ReadString(r, e.value, &out->path);
    } else if (e.key == "default_sampling_probability") {
      ReadDouble(r, e.value, &out->default_sampling_probability);
    } else if (e.key == "reload_interval") {
      ReadDuration(r, e.value, &out->reload_interval);
    }
  }
  if (m.ok() && r.diag().error_count() == errors_before) {
    ReportValidate(r, m, n, out->Validate());
  }
}

void ParseAdaptiveBlock(config::Reader& r, const config::Node& n, JaegerAdaptiveOptions* out,
                        const std::vector<std::string>& skip_keys = {}) {
  if (n.node.IsNull()) return;
  const size_t errors_before = r.diag().error_count();
  config::Keys allowed = kAdaptiveKeys;
  allowed.insert(allowed.end(), skip_keys.begin(), skip_keys.end());
  config::Map m = r.ReadMap(n, &allowed);
  for (const config::Map::Entry& e : m.entries()) {
    const config::Node& v = e.value;
    const std::string& key = e.key;
    if (key == "sampling_store") {
      ReadString(r, v, &out->sampling_store);
    } else if (key == "target_samples_per_second") {
      ReadDouble(r, v, &out->target_samples_per_second);
    } else if (key == "delta_tolerance") {
      ReadDouble(r, v, &out->delta_tolerance);
    } else if (key == "calculation_interval") {
      ReadDuration(r, v, &out->calculation_interval);
    } else if (key == "aggregation_buckets") {
      ReadInt(r, v, &out->aggregation_buckets);
    } else if (key == "calculation_buckets") {
      ReadInt(r, v, &out->calculation_buckets);
    } else if (key == "calculation_delay") {
      ReadDuration(r, v, &out->calculation_delay);
    } else if (key == "initial_sampling_probability") {
      ReadDouble(r, v, &out->initial_sampling_probability);
    } else if (key == "min_sampling_probability") {
      ReadDouble(r, v, &out->min_sampling_probability);
    } else if (key == "min_samples_per_second") {
      ReadDouble(r, v, &out->min_samples_per_second);
    } else if (key == "leader_lease_refresh_interval") {
      ReadDuration(r, v, &out->leader_lease_refresh_interval);
    } else if (key == "follower_lease_refresh_interval") {
      ReadDuration(r, v, &out->follower_lease_refresh_interval);
    }  // else a skip key, left to the caller
  }
  if (m.ok() && r.diag().error_count() == errors_before) {
    ReportValidate(r, m, n, out->Validate());
  }
}

void ParseEndpoint(config::Reader& r, const config::Node* n, std::string* out) {
  if (n == nullptr || n->node.IsNull()) return;
  config::Map m = r.ReadMap(*n, nullptr);  // the server settings are not modelled
  if (const config::Node* e = m.Get("endpoint")) ReadString(r, *e, out);
}

// Whether a traces pipeline of `root`'s service section lists the adaptive_sampling processor.
bool AdaptiveProcessorInPipeline(config::Reader& r, const config::Node& root) {
  const config::Node service = config::Node::At(root.node["service"], "service", root);
  if (!service.node.IsDefined() || service.node.IsNull()) return false;
  config::Map sm = r.ReadMap(service, nullptr);
  const config::Node* pipelines = sm.Get("pipelines");
  if (pipelines == nullptr || !pipelines->node.IsMap()) return false;
  bool found = false;
  const config::Map pm = r.ReadMap(*pipelines, nullptr);
  for (const config::Map::Entry& e : pm.entries()) {
    if (e.key != "traces" && e.key.rfind("traces/", 0) != 0) continue;
    if (!e.value.node.IsMap()) continue;
    const YAML::Node procs = e.value.node["processors"];
    if (!procs.IsDefined() || !procs.IsSequence()) continue;
    for (const auto& p : procs) {
      const std::string pn = p.IsScalar() ? p.Scalar() : "";
      found = found || pn == "adaptive_sampling" || pn.rfind("adaptive_sampling/", 0) == 0;
    }
  }
  return found;
}

// The `extensions.remote_sampling[/name]` entry, reported when missing.
const config::Map::Entry* FindRemoteSampling(config::Reader& r, const config::Map& ext) {
  for (const config::Map::Entry& e : ext.entries()) {
    if (e.key == "remote_sampling" || e.key.rfind("remote_sampling/", 0) == 0) return &e;
  }
  return nullptr;
}

}  // namespace

std::optional<JaegerRemoteSamplingConfig> ParseJaegerV2SamplingYaml(std::string_view text,
                                                                    config::Diagnostics& diag,
                                                                    const config::EnvLookup& env) {
  std::optional<YAML::Node> loaded = config::LoadYaml(text, diag);
  if (!loaded) return std::nullopt;
  YAML::Node doc = *loaded;
  if (!doc.IsMap()) {
    diag.Error(0, 0, "", "expected a YAML mapping");
    return std::nullopt;
  }
  if (!config::ExpandEnv(doc, diag, env)) return std::nullopt;
  const size_t errors_before = diag.error_count();
  config::Reader r(diag);
  const config::Node root = config::Node::Root(doc);
  const config::Node ext = config::Node::At(doc["extensions"], "extensions", root);
  if (!ext.node.IsDefined() || !ext.node.IsMap()) {
    diag.Error(0, 0, "extensions", "missing (no remote_sampling extension)");
    return std::nullopt;
  }
  const config::Map ext_map = r.ReadMap(ext, nullptr);
  const config::Map::Entry* rs_entry = FindRemoteSampling(r, ext_map);
  if (rs_entry == nullptr) {
    if (diag.error_count() == errors_before) {
      diag.Error(0, 0, "extensions.remote_sampling", "missing");
    }
    return std::nullopt;
  }
  const config::Node& rs = rs_entry->value;
  JaegerRemoteSamplingConfig cfg;
  if (!rs.node.IsMap()) {
    r.Error(rs, "expected a mapping with file or adaptive");
    return std::nullopt;
  }
  const config::Map rm = r.ReadMap(rs, &kRemoteSamplingKeys);
  const config::Node* file = rm.Get("file");
  const config::Node* adaptive = rm.Get("adaptive");
  if (file != nullptr && adaptive != nullptr) {
    r.Error(rs, "file and adaptive are mutually exclusive; set only one");
  } else if (file == nullptr && adaptive == nullptr) {
    r.Error(rs, "one of file or adaptive is required");
  } else if (file != nullptr) {
    cfg.mode = JaegerRemoteSamplingConfig::Mode::kFile;
    ParseFileBlock(r, *file, &cfg.file);
  } else {
    cfg.mode = JaegerRemoteSamplingConfig::Mode::kAdaptive;
    ParseAdaptiveBlock(r, *adaptive, &cfg.adaptive);
  }
  ParseEndpoint(r, rm.Get("http"), &cfg.http_endpoint);
  ParseEndpoint(r, rm.Get("grpc"), &cfg.grpc_endpoint);
  cfg.adaptive_processor_in_pipeline = AdaptiveProcessorInPipeline(r, root);
  if (diag.error_count() != errors_before) return std::nullopt;
  if (cfg.mode == JaegerRemoteSamplingConfig::Mode::kAdaptive &&
      !cfg.adaptive_processor_in_pipeline) {
    r.Warning(*adaptive,
              "no traces pipeline has the adaptive_sampling processor; no throughput will be "
              "recorded");
  }
  if (cfg.mode == JaegerRemoteSamplingConfig::Mode::kFile && cfg.file.path.empty()) {
    config::Node at = *file;
    at.path = config::JoinPath(file->path, "path");
    r.Warning(at, "empty; every service gets probabilistic " +
                      std::to_string(cfg.file.default_sampling_probability));
  }
  return cfg;
}

namespace {
sim::Result<JaegerRemoteSamplingConfig> WithWarnings(std::optional<JaegerRemoteSamplingConfig> c,
                                                     const config::Diagnostics& diag) {
  if (!c) return diag.ToStatus();
  c->warnings = diag.Warnings();
  return std::move(*c);
}
}  // namespace

sim::Result<JaegerRemoteSamplingConfig> ParseJaegerV2SamplingYaml(std::string_view text,
                                                                  std::string_view source) {
  config::Diagnostics diag{std::string(source)};
  return WithWarnings(ParseJaegerV2SamplingYaml(text, diag), diag);
}

std::optional<JaegerRemoteSamplingConfig> LoadJaegerV2SamplingYaml(const std::string& path,
                                                                   config::Diagnostics& diag) {
  sim::Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    diag.Error(0, 0, "", text.status().message(), "", text.status().code());
    return std::nullopt;
  }
  return ParseJaegerV2SamplingYaml(*text, diag);
}

sim::Result<JaegerRemoteSamplingConfig> LoadJaegerV2SamplingYaml(const std::string& path) {
  config::Diagnostics diag(path);
  return WithWarnings(LoadJaegerV2SamplingYaml(path, diag), diag);
}

bool ParseJaegerAdaptiveOptionsYaml(const config::Node& node,
                                    const std::vector<std::string>& skip_keys,
                                    config::Diagnostics& diag, JaegerAdaptiveOptions* out) {
  const size_t errors_before = diag.error_count();
  config::Reader r(diag);
  ParseAdaptiveBlock(r, node, out, skip_keys);
  return diag.error_count() == errors_before;
}

}  // namespace tracesim::sampling
