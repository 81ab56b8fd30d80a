#include "sampling/jaeger/jaeger_strategies.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tracesim::sampling {

namespace {

using nlohmann::json;

std::string JsonTypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return "value";
  }
}

sim::Status PathError(std::string_view source, const std::string& path, const std::string& msg) {
  std::string s(source);
  s += ": ";
  if (!path.empty()) {
    s += path;
    s += ": ";
  }
  s += msg;
  return sim::Status::InvalidArgument(std::move(s));
}

sim::Status ExpectType(std::string_view source, const std::string& path, const json& j,
                       const char* want, bool ok) {
  if (ok) return sim::Status::Ok();
  return PathError(source, path, std::string("expected ") + want + ", got " + JsonTypeName(j));
}

// Integral doubles become JSON integers, as Go's encoder prints them ("1", not "1.0").
json Num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return json(static_cast<int64_t>(v));
  }
  return json(v);
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Reads an optional number field (null or absent -> unchanged).
sim::Status ReadNumber(std::string_view source, const std::string& path, const json& obj,
                       const char* key, double* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return sim::Status::Ok();
  TRACESIM_RETURN_IF_ERROR(ExpectType(source, Join(path, key), *it, "a number", it->is_number()));
  *out = it->get<double>();
  return sim::Status::Ok();
}

sim::Status ReadString(std::string_view source, const std::string& path, const json& obj,
                       const char* key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return sim::Status::Ok();
  TRACESIM_RETURN_IF_ERROR(ExpectType(source, Join(path, key), *it, "a string", it->is_string()));
  *out = it->get<std::string>();
  return sim::Status::Ok();
}

void WarnUnknownKeys(const json& obj, const std::string& path,
                     std::initializer_list<std::string_view> known,
                     std::vector<std::string>* warnings) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool found = false;
    for (std::string_view k : known) found = found || it.key() == k;
    if (!found) {
      warnings->push_back(Join(path, it.key()) + ": unknown key ignored (Jaeger ignores it too)");
    }
  }
}

sim::Status ParseOperation(std::string_view source, const std::string& path, const json& j,
                           JaegerFileOperationStrategy* out, std::vector<std::string>* warnings) {
  TRACESIM_RETURN_IF_ERROR(ExpectType(source, path, j, "an object", j.is_object()));
  WarnUnknownKeys(j, path, {"operation", "type", "param"}, warnings);
  TRACESIM_RETURN_IF_ERROR(ReadString(source, path, j, "operation", &out->operation));
  TRACESIM_RETURN_IF_ERROR(ReadString(source, path, j, "type", &out->type));
  TRACESIM_RETURN_IF_ERROR(ReadNumber(source, path, j, "param", &out->param));
  return sim::Status::Ok();
}

sim::Status ParseService(std::string_view source, const std::string& path, const json& j,
                         bool is_default, JaegerFileServiceStrategy* out,
                         std::vector<std::string>* warnings) {
  TRACESIM_RETURN_IF_ERROR(ExpectType(source, path, j, "an object", j.is_object()));
  (void)is_default;  // default_strategy has the same shape; its "service" is ignored
  WarnUnknownKeys(j, path, {"service", "type", "param", "operation_strategies"}, warnings);
  TRACESIM_RETURN_IF_ERROR(ReadString(source, path, j, "service", &out->service));
  TRACESIM_RETURN_IF_ERROR(ReadString(source, path, j, "type", &out->type));
  TRACESIM_RETURN_IF_ERROR(ReadNumber(source, path, j, "param", &out->param));
  auto it = j.find("operation_strategies");
  if (it != j.end() && !it->is_null()) {
    const std::string ops_path = Join(path, "operation_strategies");
    TRACESIM_RETURN_IF_ERROR(ExpectType(source, ops_path, *it, "an array", it->is_array()));
    for (size_t i = 0; i < it->size(); ++i) {
      JaegerFileOperationStrategy op;
      TRACESIM_RETURN_IF_ERROR(ParseOperation(source, Index(ops_path, i), (*it)[i], &op, warnings));
      out->operation_strategies.push_back(std::move(op));
    }
  }
  return sim::Status::Ok();
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

sim::Result<ServedStrategy> ParseServedStrategyJson(std::string_view text,
                                                    std::string_view source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return PathError(source, "", "not valid JSON");
  TRACESIM_RETURN_IF_ERROR(ExpectType(source, "", j, "an object", j.is_object()));
  ServedStrategy s;
  if (auto it = j.find("strategyType"); it != j.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      int v = it->get<int>();
      if (v != 0 && v != 1)
        return PathError(source, "strategyType", "unknown value " + std::to_string(v));
      s.type = static_cast<JaegerStrategyType>(v);
    } else if (it->is_string()) {
      std::string v = it->get<std::string>();
      if (v == "PROBABILISTIC") {
        s.type = JaegerStrategyType::kProbabilistic;
      } else if (v == "RATE_LIMITING") {
        s.type = JaegerStrategyType::kRateLimiting;
      } else {
        return PathError(source, "strategyType", "unknown value \"" + v + "\"");
      }
    } else {
      return ExpectType(source, "strategyType", *it, "a number or an enum name", false);
    }
  }
  if (auto it = j.find("probabilisticSampling"); it != j.end() && !it->is_null()) {
    TRACESIM_RETURN_IF_ERROR(
        ExpectType(source, "probabilisticSampling", *it, "an object", it->is_object()));
    double rate = 0;
    TRACESIM_RETURN_IF_ERROR(
        ReadNumber(source, "probabilisticSampling", *it, "samplingRate", &rate));
    s.probabilistic_rate = rate;
  }
  if (auto it = j.find("rateLimitingSampling"); it != j.end() && !it->is_null()) {
    TRACESIM_RETURN_IF_ERROR(
        ExpectType(source, "rateLimitingSampling", *it, "an object", it->is_object()));
    double max = 0;
    TRACESIM_RETURN_IF_ERROR(
        ReadNumber(source, "rateLimitingSampling", *it, "maxTracesPerSecond", &max));
    s.max_traces_per_second = TruncToInt32(max);
  }
  if (auto it = j.find("operationSampling"); it != j.end() && !it->is_null()) {
    const std::string path = "operationSampling";
    TRACESIM_RETURN_IF_ERROR(ExpectType(source, path, *it, "an object", it->is_object()));
    JaegerPerOperationStrategies ops;
    TRACESIM_RETURN_IF_ERROR(ReadNumber(source, path, *it, "defaultSamplingProbability",
                                        &ops.default_sampling_probability));
    TRACESIM_RETURN_IF_ERROR(ReadNumber(source, path, *it, "defaultLowerBoundTracesPerSecond",
                                        &ops.default_lower_bound_traces_per_second));
    TRACESIM_RETURN_IF_ERROR(ReadNumber(source, path, *it, "defaultUpperBoundTracesPerSecond",
                                        &ops.default_upper_bound_traces_per_second));
    if (auto pit = it->find("perOperationStrategies"); pit != it->end() && !pit->is_null()) {
      const std::string ppath = path + ".perOperationStrategies";
      TRACESIM_RETURN_IF_ERROR(ExpectType(source, ppath, *pit, "an array", pit->is_array()));
      for (size_t i = 0; i < pit->size(); ++i) {
        const json& e = (*pit)[i];
        const std::string epath = Index(ppath, i);
        TRACESIM_RETURN_IF_ERROR(ExpectType(source, epath, e, "an object", e.is_object()));
        JaegerOperationStrategy op;
        TRACESIM_RETURN_IF_ERROR(ReadString(source, epath, e, "operation", &op.operation));
        if (auto ps = e.find("probabilisticSampling"); ps != e.end() && !ps->is_null()) {
          const std::string pspath = epath + ".probabilisticSampling";
          TRACESIM_RETURN_IF_ERROR(ExpectType(source, pspath, *ps, "an object", ps->is_object()));
          TRACESIM_RETURN_IF_ERROR(
              ReadNumber(source, pspath, *ps, "samplingRate", &op.sampling_rate));
        }
        ops.per_operation.push_back(std::move(op));
      }
    }
    s.operation_sampling = std::move(ops);
  }
  return s;
}

sim::Result<JaegerStrategiesFile> ParseStrategiesJson(std::string_view text,
                                                      std::string_view source) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return PathError(source, "", "failed to unmarshal strategies: not JSON");
  JaegerStrategiesFile f;
  if (j.is_null()) {
    f.present = false;
    return f;
  }
  if (!j.is_object()) {
    return PathError(source, "",
                     "failed to unmarshal strategies: expected an object, got " + JsonTypeName(j));
  }
  WarnUnknownKeys(j, "", {"default_strategy", "service_strategies"}, &f.warnings);
  if (auto it = j.find("default_strategy"); it != j.end() && !it->is_null()) {
    JaegerFileServiceStrategy d;
    TRACESIM_RETURN_IF_ERROR(ParseService(source, "default_strategy", *it, true, &d, &f.warnings));
    f.default_strategy = std::move(d);
  }
  if (auto it = j.find("service_strategies"); it != j.end() && !it->is_null()) {
    TRACESIM_RETURN_IF_ERROR(
        ExpectType(source, "service_strategies", *it, "an array", it->is_array()));
    for (size_t i = 0; i < it->size(); ++i) {
      JaegerFileServiceStrategy s;
      TRACESIM_RETURN_IF_ERROR(
          ParseService(source, Index("service_strategies", i), (*it)[i], false, &s, &f.warnings));
      f.service_strategies.push_back(std::move(s));
    }
  }
  return f;
}

sim::Result<JaegerStrategiesFile> LoadStrategiesFile(const std::string& path) {
  TRACESIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ParseStrategiesJson(text, path);
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
    warnings_.push_back(where + ": failed to parse sampling strategy type \"" + type +
                        "\"; serving probabilistic " +
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
      warnings_.push_back(op_where +
                          ": operation strategies only support probabilistic sampling; '" +
                          op.operation + "' skipped (falls back to probability " +
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
    : options_(options), default_(DefaultServedStrategy(options.default_sampling_probability)) {
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
          warnings_.push_back(where +
                              ": default per-operation strategies are not included for "
                              "ratelimiting service '" +
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

sim::Result<sim::Duration> ParseJaegerDuration(std::string_view text) {
  auto err = [&]() {
    return sim::Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                        "\" (Go syntax: 1m30s, 500ms, 2h)");
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return sim::Duration();
  if (s.empty()) return err();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return err();
    std::string num(s.substr(0, i));
    if (num == "." || std::count(num.begin(), num.end(), '.') > 1) return err();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1e3;
    } else if (unit == "ms") {
      mult = 1e6;
    } else if (unit == "s") {
      mult = 1e9;
    } else if (unit == "m") {
      mult = 60e9;
    } else if (unit == "h") {
      mult = 3600e9;
    } else {
      return err();
    }
    total += std::strtold(num.c_str(), nullptr) * mult;
  }
  if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return err();
  int64_t ns = static_cast<int64_t>(std::llroundl(total));
  return sim::Duration::Nanos(neg ? -ns : ns);
}

namespace {

struct YamlCtx {
  std::string_view source;
  std::string Where(const YAML::Node& n, const std::string& path) const {
    std::string s(source);
    if (n.IsDefined() && n.Mark().line >= 0) s += ":" + std::to_string(n.Mark().line + 1);
    s += ": " + path;
    return s;
  }
  sim::Status Error(const YAML::Node& n, const std::string& path, const std::string& msg) const {
    return sim::Status::InvalidArgument(Where(n, path) + ": " + msg);
  }
  // Copies a mapping key that must be a plain string (yaml-cpp throws on as<std::string>() of a
  // sequence or mapping key).
  sim::Status Key(const YAML::Node& k, const std::string& path, std::string* out) const {
    if (!k.IsScalar()) return Error(k, path, "a key must be a string");
    *out = k.Scalar();
    return sim::Status::Ok();
  }
};

sim::Status YamlDouble(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                       double* out) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsScalar()) return c.Error(n, path, "expected a number");
  const std::string& s = n.Scalar();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) {
    return c.Error(n, path, "expected a number, got \"" + s + "\"");
  }
  *out = v;
  return sim::Status::Ok();
}

sim::Status YamlInt(const YamlCtx& c, const YAML::Node& n, const std::string& path, int* out) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsScalar()) return c.Error(n, path, "expected an integer");
  const std::string& s = n.Scalar();
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size() || v < std::numeric_limits<int>::min() ||
      v > std::numeric_limits<int>::max()) {
    return c.Error(n, path, "expected an integer, got \"" + s + "\"");
  }
  *out = static_cast<int>(v);
  return sim::Status::Ok();
}

sim::Status YamlString(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                       std::string* out) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsScalar()) return c.Error(n, path, "expected a string");
  *out = n.Scalar();
  return sim::Status::Ok();
}

sim::Status YamlDuration(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                         sim::Duration* out) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsScalar()) return c.Error(n, path, "expected a duration");
  const std::string& s = n.Scalar();
  // A bare integer is nanoseconds, as mapstructure decodes it into time.Duration.
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && end == s.c_str() + s.size()) {
    *out = sim::Duration::Nanos(v);
    return sim::Status::Ok();
  }
  auto d = ParseJaegerDuration(s);
  if (!d.ok()) return c.Error(n, path, d.status().message());
  *out = *d;
  return sim::Status::Ok();
}

sim::Status ParseFileBlock(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                           JaegerFileOptions* out) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsMap()) return c.Error(n, path, "expected a mapping");
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key;
    TRACESIM_RETURN_IF_ERROR(c.Key(it->first, path, &key));
    const std::string kp = path + "." + key;
    const YAML::Node v = it->second;  // a copy: it-> is a temporary proxy
    if (key == "path") {
      TRACESIM_RETURN_IF_ERROR(YamlString(c, v, kp, &out->path));
    } else if (key == "default_sampling_probability") {
      TRACESIM_RETURN_IF_ERROR(YamlDouble(c, v, kp, &out->default_sampling_probability));
    } else if (key == "reload_interval") {
      TRACESIM_RETURN_IF_ERROR(YamlDuration(c, v, kp, &out->reload_interval));
    } else {
      return c.Error(it->first, kp,
                     "unknown key (valid: path, default_sampling_probability, reload_interval)");
    }
  }
  sim::Status st = out->Validate();
  if (!st.ok()) return sim::Status::InvalidArgument(c.Where(n, path) + "." + st.message());
  return sim::Status::Ok();
}

sim::Status ParseAdaptiveBlock(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                               JaegerAdaptiveOptions* out,
                               const std::vector<std::string>& skip_keys = {}) {
  if (n.IsNull()) return sim::Status::Ok();
  if (!n.IsMap()) return c.Error(n, path, "expected a mapping");
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key;
    TRACESIM_RETURN_IF_ERROR(c.Key(it->first, path, &key));
    if (std::find(skip_keys.begin(), skip_keys.end(), key) != skip_keys.end()) continue;
    const std::string kp = path + "." + key;
    const YAML::Node v = it->second;  // a copy: it-> is a temporary proxy
    sim::Status st;
    if (key == "sampling_store") {
      st = YamlString(c, v, kp, &out->sampling_store);
    } else if (key == "target_samples_per_second") {
      st = YamlDouble(c, v, kp, &out->target_samples_per_second);
    } else if (key == "delta_tolerance") {
      st = YamlDouble(c, v, kp, &out->delta_tolerance);
    } else if (key == "calculation_interval") {
      st = YamlDuration(c, v, kp, &out->calculation_interval);
    } else if (key == "aggregation_buckets") {
      st = YamlInt(c, v, kp, &out->aggregation_buckets);
    } else if (key == "calculation_buckets") {
      st = YamlInt(c, v, kp, &out->calculation_buckets);
    } else if (key == "calculation_delay") {
      st = YamlDuration(c, v, kp, &out->calculation_delay);
    } else if (key == "initial_sampling_probability") {
      st = YamlDouble(c, v, kp, &out->initial_sampling_probability);
    } else if (key == "min_sampling_probability") {
      st = YamlDouble(c, v, kp, &out->min_sampling_probability);
    } else if (key == "min_samples_per_second") {
      st = YamlDouble(c, v, kp, &out->min_samples_per_second);
    } else if (key == "leader_lease_refresh_interval") {
      st = YamlDuration(c, v, kp, &out->leader_lease_refresh_interval);
    } else if (key == "follower_lease_refresh_interval") {
      st = YamlDuration(c, v, kp, &out->follower_lease_refresh_interval);
    } else {
      return c.Error(it->first, kp, "unknown key in the adaptive sampling options");
    }
    TRACESIM_RETURN_IF_ERROR(st);
  }
  sim::Status st = out->Validate();
  if (!st.ok()) return sim::Status::InvalidArgument(c.Where(n, path) + "." + st.message());
  return sim::Status::Ok();
}

sim::Status ParseEndpoint(const YamlCtx& c, const YAML::Node& n, const std::string& path,
                          std::string* out) {
  if (!n.IsDefined() || n.IsNull()) return sim::Status::Ok();
  if (!n.IsMap()) return c.Error(n, path, "expected a mapping");
  if (n["endpoint"].IsDefined()) {
    return YamlString(c, n["endpoint"], path + ".endpoint", out);
  }
  return sim::Status::Ok();
}

}  // namespace

sim::Result<JaegerRemoteSamplingConfig> ParseJaegerV2SamplingYaml(std::string_view text,
                                                                  std::string_view source) {
  YamlCtx c{source};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return sim::Status::InvalidArgument(std::string(source) + ":" +
                                        std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) {
    return sim::Status::InvalidArgument(std::string(source) + ": expected a YAML mapping");
  }
  const YAML::Node ext = root["extensions"];
  if (!ext.IsDefined() || !ext.IsMap()) {
    return sim::Status::InvalidArgument(std::string(source) +
                                        ": extensions: missing (no remote_sampling extension)");
  }
  YAML::Node rs;
  std::string rs_key;
  for (auto it = ext.begin(); it != ext.end(); ++it) {
    std::string k;
    TRACESIM_RETURN_IF_ERROR(c.Key(it->first, "extensions", &k));
    if (k == "remote_sampling" || k.rfind("remote_sampling/", 0) == 0) {
      rs = it->second;
      rs_key = "extensions." + k;
      break;
    }
  }
  if (rs_key.empty()) {
    return sim::Status::InvalidArgument(std::string(source) +
                                        ": extensions.remote_sampling: missing");
  }
  JaegerRemoteSamplingConfig cfg;
  if (!rs.IsMap()) return c.Error(rs, rs_key, "expected a mapping with file or adaptive");
  const YAML::Node file = rs["file"];
  const YAML::Node adaptive = rs["adaptive"];
  if (file.IsDefined() && adaptive.IsDefined()) {
    return c.Error(rs, rs_key, "file and adaptive are mutually exclusive; set only one");
  }
  if (!file.IsDefined() && !adaptive.IsDefined()) {
    return c.Error(rs, rs_key, "one of file or adaptive is required");
  }
  for (auto it = rs.begin(); it != rs.end(); ++it) {
    std::string k;
    TRACESIM_RETURN_IF_ERROR(c.Key(it->first, rs_key, &k));
    if (k != "file" && k != "adaptive" && k != "http" && k != "grpc") {
      return c.Error(it->first, rs_key + "." + k,
                     "unknown key (valid: file, adaptive, http, grpc)");
    }
  }
  if (file.IsDefined()) {
    cfg.mode = JaegerRemoteSamplingConfig::Mode::kFile;
    TRACESIM_RETURN_IF_ERROR(ParseFileBlock(c, file, rs_key + ".file", &cfg.file));
  } else {
    cfg.mode = JaegerRemoteSamplingConfig::Mode::kAdaptive;
    TRACESIM_RETURN_IF_ERROR(ParseAdaptiveBlock(c, adaptive, rs_key + ".adaptive", &cfg.adaptive));
  }
  TRACESIM_RETURN_IF_ERROR(ParseEndpoint(c, rs["http"], rs_key + ".http", &cfg.http_endpoint));
  TRACESIM_RETURN_IF_ERROR(ParseEndpoint(c, rs["grpc"], rs_key + ".grpc", &cfg.grpc_endpoint));

  // Is the adaptive_sampling processor in a traces pipeline?
  const YAML::Node service = root["service"];
  if (service.IsDefined() && !service.IsNull() && !service.IsMap()) {
    return c.Error(service, "service", "expected a mapping");
  }
  const YAML::Node pipelines = service.IsMap() ? service["pipelines"] : YAML::Node();
  if (pipelines.IsDefined() && pipelines.IsMap()) {
    for (auto it = pipelines.begin(); it != pipelines.end(); ++it) {
      std::string name;
      TRACESIM_RETURN_IF_ERROR(c.Key(it->first, "service.pipelines", &name));
      if (name != "traces" && name.rfind("traces/", 0) != 0) continue;
      const YAML::Node pipeline = it->second;  // a copy: it-> is a temporary proxy
      if (!pipeline.IsMap()) continue;
      const YAML::Node procs = pipeline["processors"];
      if (!procs.IsDefined() || !procs.IsSequence()) continue;
      for (const auto& p : procs) {
        const std::string pn = p.IsScalar() ? p.Scalar() : "";
        if (pn == "adaptive_sampling" || pn.rfind("adaptive_sampling/", 0) == 0) {
          cfg.adaptive_processor_in_pipeline = true;
        }
      }
    }
  }
  if (cfg.mode == JaegerRemoteSamplingConfig::Mode::kAdaptive &&
      !cfg.adaptive_processor_in_pipeline) {
    cfg.warnings.push_back(std::string(source) + ": " + rs_key +
                           ".adaptive: no traces pipeline has the adaptive_sampling processor; "
                           "no throughput will be recorded");
  }
  if (cfg.mode == JaegerRemoteSamplingConfig::Mode::kFile && cfg.file.path.empty()) {
    cfg.warnings.push_back(std::string(source) + ": " + rs_key +
                           ".file.path: empty; every service gets probabilistic " +
                           std::to_string(cfg.file.default_sampling_probability));
  }
  return cfg;
}

sim::Result<JaegerRemoteSamplingConfig> LoadJaegerV2SamplingYaml(const std::string& path) {
  TRACESIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  return ParseJaegerV2SamplingYaml(text, path);
}

sim::Status ParseJaegerAdaptiveOptionsYaml(const YAML::Node& node, std::string_view source,
                                           const std::string& path,
                                           const std::vector<std::string>& skip_keys,
                                           JaegerAdaptiveOptions* out) {
  return ParseAdaptiveBlock(YamlCtx{source}, node, path, out, skip_keys);
}

}  // namespace tracesim::sampling
