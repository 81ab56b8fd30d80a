#include "sampling/collector/tail_sampling/config/tail_config.h"

#include <regex>
#include <set>

#include "sampling/collector/collector_config.h"

namespace tracesim::sampling {
namespace {

struct TypeName {
  TailPolicyType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {TailPolicyType::kAlwaysSample, "always_sample"},
    {TailPolicyType::kLatency, "latency"},
    {TailPolicyType::kNumericAttribute, "numeric_attribute"},
    {TailPolicyType::kProbabilistic, "probabilistic"},
    {TailPolicyType::kStatusCode, "status_code"},
    {TailPolicyType::kStringAttribute, "string_attribute"},
    {TailPolicyType::kRateLimiting, "rate_limiting"},
    {TailPolicyType::kBytesLimiting, "bytes_limiting"},
    {TailPolicyType::kSpanCount, "span_count"},
    {TailPolicyType::kTraceState, "trace_state"},
    {TailPolicyType::kBooleanAttribute, "boolean_attribute"},
    {TailPolicyType::kOttlCondition, "ottl_condition"},
    {TailPolicyType::kTraceFlags, "trace_flags"},
    {TailPolicyType::kAnd, "and"},
    {TailPolicyType::kDrop, "drop"},
    {TailPolicyType::kNot, "not"},
    {TailPolicyType::kComposite, "composite"},
};

// Where a policy object sits; decides which blocks and types it may have (spec §1.2).
enum class Position { kTop, kAndSub, kNotSub, kCompositeSub };

bool IsLeaf(TailPolicyType t) {
  return t != TailPolicyType::kAnd && t != TailPolicyType::kDrop && t != TailPolicyType::kNot &&
         t != TailPolicyType::kComposite;
}

bool TypeAllowed(Position pos, TailPolicyType t) {
  switch (pos) {
    case Position::kTop:
      return true;
    case Position::kAndSub:
    case Position::kNotSub:
      return IsLeaf(t);
    case Position::kCompositeSub:
      return IsLeaf(t) || t == TailPolicyType::kAnd;
  }
  return false;
}

std::string Join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

class Parser {
 public:
  explicit Parser(std::string_view source) : src_(source) {}

  sim::Status ParsePolicy(const YAML::Node& n, std::string_view path, Position pos,
                          TailPolicyConfig* p) {
    if (!n.IsMap()) return YamlError(src_, n, path, "a policy must be a map");
    p->line = n.Mark().line + 1;
    switch (pos) {
      case Position::kTop:
        TRACESIM_RETURN_IF_ERROR(CheckKeys(
            src_, n, path,
            {"name", "type", "latency", "numeric_attribute", "probabilistic", "status_code",
             "string_attribute", "rate_limiting", "bytes_limiting", "span_count", "trace_state",
             "boolean_attribute", "ottl_condition", "and", "drop", "not", "composite"}));
        break;
      case Position::kCompositeSub:
        TRACESIM_RETURN_IF_ERROR(
            CheckKeys(src_, n, path,
                      {"name", "type", "latency", "numeric_attribute", "probabilistic",
                       "status_code", "string_attribute", "rate_limiting", "bytes_limiting",
                       "span_count", "trace_state", "boolean_attribute", "ottl_condition", "and"}));
        break;
      case Position::kAndSub:
      case Position::kNotSub:
        TRACESIM_RETURN_IF_ERROR(
            CheckKeys(src_, n, path,
                      {"name", "type", "latency", "numeric_attribute", "probabilistic",
                       "status_code", "string_attribute", "rate_limiting", "bytes_limiting",
                       "span_count", "trace_state", "boolean_attribute", "ottl_condition"}));
        break;
    }
    TRACESIM_RETURN_IF_ERROR(DecodeString(src_, n["name"], Join(path, "name"), &p->name));
    std::string type;
    TRACESIM_RETURN_IF_ERROR(DecodeString(src_, n["type"], Join(path, "type"), &type));
    bool known = false;
    for (const TypeName& tn : kTypeNames) {
      if (tn.name == type) {
        p->type = tn.type;
        known = true;
      }
    }
    if (!known) {
      return YamlError(
          src_, n["type"] ? n["type"] : n, Join(path, "type"),
          "unknown sampling policy type \"" + type + "\" (policy \"" + p->name + "\")");
    }
    if (!TypeAllowed(pos, p->type)) {
      return YamlError(src_, n["type"], Join(path, "type"),
                       "policy type \"" + type + "\" is not allowed at this nesting level");
    }
    // mapstructure decodes every block present, whichever the type; only the matching one is used.
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.Scalar();
      if (key == "name" || key == "type") continue;
      TRACESIM_RETURN_IF_ERROR(ParseBlock(key, it->second, Join(path, key), p));
    }
    // A type whose block is absent is validated as if the block were empty.
    const std::string block(TailPolicyTypeName(p->type));
    const YAML::Node present = n[block];
    if (IsLeaf(p->type) && p->type != TailPolicyType::kAlwaysSample &&
        p->type != TailPolicyType::kTraceFlags && (!present || present.IsNull())) {
      sim::Status st = ParseBlock(block, YAML::Node(YAML::NodeType::Map), Join(path, block), p);
      if (!st.ok()) {
        std::string msg = st.message();
        const std::string prefix = src_ + ": ";
        if (msg.compare(0, prefix.size(), prefix) == 0) msg = msg.substr(prefix.size());
        return YamlError(src_, n, "", msg);
      }
    }
    return sim::Status::Ok();
  }

 private:
  sim::Status Map(const YAML::Node& n, std::string_view path, bool* present) {
    *present = false;
    if (!n || n.IsNull()) return sim::Status::Ok();
    if (!n.IsMap()) return YamlError(src_, n, path, "expected a map");
    *present = true;
    return sim::Status::Ok();
  }

  sim::Status ParseBlock(const std::string& key, const YAML::Node& b, const std::string& path,
                         TailPolicyConfig* p) {
    bool present;
    TRACESIM_RETURN_IF_ERROR(Map(b, path, &present));
    if (!present) return sim::Status::Ok();
    auto field = [&](const char* k) { return b[k]; };
    auto fp = [&](const char* k) { return Join(path, k); };
    if (key == "latency") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"threshold_ms", "upper_threshold_ms"}));
      TRACESIM_RETURN_IF_ERROR(
          DecodeInt(src_, field("threshold_ms"), fp("threshold_ms"), &p->latency.threshold_ms));
      return DecodeInt(src_, field("upper_threshold_ms"), fp("upper_threshold_ms"),
                       &p->latency.upper_threshold_ms);
    }
    if (key == "numeric_attribute") {
      auto& c = p->numeric_attribute;
      TRACESIM_RETURN_IF_ERROR(
          CheckKeys(src_, b, path, {"key", "min_value", "max_value", "invert_match"}));
      TRACESIM_RETURN_IF_ERROR(DecodeString(src_, field("key"), fp("key"), &c.key));
      TRACESIM_RETURN_IF_ERROR(DecodeInt(src_, field("min_value"), fp("min_value"), &c.min_value));
      TRACESIM_RETURN_IF_ERROR(DecodeInt(src_, field("max_value"), fp("max_value"), &c.max_value));
      TRACESIM_RETURN_IF_ERROR(
          DecodeBool(src_, field("invert_match"), fp("invert_match"), &c.invert_match));
      if (p->type == TailPolicyType::kNumericAttribute) {
        if (c.min_value == 0 && c.max_value == 0) {
          return YamlError(src_, b, path,
                           "min_value and max_value are both unset (0); at least one bound is "
                           "required");
        }
        if (c.max_value != 0 && c.min_value > c.max_value) {
          return YamlError(src_, b["min_value"], fp("min_value"),
                           "min_value (" + std::to_string(c.min_value) +
                               ") must be less than or equal to max_value (" +
                               std::to_string(c.max_value) + ")");
        }
      }
      return sim::Status::Ok();
    }
    if (key == "probabilistic") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"hash_salt", "sampling_percentage"}));
      TRACESIM_RETURN_IF_ERROR(
          DecodeString(src_, field("hash_salt"), fp("hash_salt"), &p->probabilistic.hash_salt));
      return DecodeFloat(src_, field("sampling_percentage"), fp("sampling_percentage"),
                         &p->probabilistic.sampling_percentage);
    }
    if (key == "status_code") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"status_codes"}));
      TRACESIM_RETURN_IF_ERROR(DecodeStringList(src_, field("status_codes"), fp("status_codes"),
                                                &p->status_code.status_codes));
      if (p->type == TailPolicyType::kStatusCode) {
        if (p->status_code.status_codes.empty()) {
          return YamlError(src_, b, fp("status_codes"), "expected at least one status code");
        }
        for (size_t i = 0; i < p->status_code.status_codes.size(); ++i) {
          const std::string& s = p->status_code.status_codes[i];
          if (s != "OK" && s != "ERROR" && s != "UNSET") {
            return YamlError(src_, b["status_codes"],
                             fp("status_codes") + "[" + std::to_string(i) + "]",
                             "unknown status code \"" + s + "\" (expected OK, ERROR or UNSET)");
          }
        }
      }
      return sim::Status::Ok();
    }
    if (key == "string_attribute") {
      auto& c = p->string_attribute;
      TRACESIM_RETURN_IF_ERROR(
          CheckKeys(src_, b, path,
                    {"key", "values", "enabled_regex_matching", "cache_max_size", "invert_match"}));
      TRACESIM_RETURN_IF_ERROR(DecodeString(src_, field("key"), fp("key"), &c.key));
      TRACESIM_RETURN_IF_ERROR(DecodeStringList(src_, field("values"), fp("values"), &c.values));
      TRACESIM_RETURN_IF_ERROR(DecodeBool(src_, field("enabled_regex_matching"),
                                          fp("enabled_regex_matching"), &c.enabled_regex_matching));
      TRACESIM_RETURN_IF_ERROR(
          DecodeInt(src_, field("cache_max_size"), fp("cache_max_size"), &c.cache_max_size));
      TRACESIM_RETURN_IF_ERROR(
          DecodeBool(src_, field("invert_match"), fp("invert_match"), &c.invert_match));
      if (p->type == TailPolicyType::kStringAttribute && c.enabled_regex_matching) {
        for (size_t i = 0; i < c.values.size(); ++i) {
          try {
            std::regex re(c.values[i], std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            return YamlError(src_, b["values"], fp("values") + "[" + std::to_string(i) + "]",
                             "invalid regular expression \"" + c.values[i] + "\"");
          }
        }
      }
      return sim::Status::Ok();
    }
    if (key == "rate_limiting") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"spans_per_second"}));
      return DecodeInt(src_, field("spans_per_second"), fp("spans_per_second"),
                       &p->rate_limiting.spans_per_second);
    }
    if (key == "bytes_limiting") {
      auto& c = p->bytes_limiting;
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"bytes_per_second", "burst_capacity"}));
      TRACESIM_RETURN_IF_ERROR(
          DecodeInt(src_, field("bytes_per_second"), fp("bytes_per_second"), &c.bytes_per_second));
      TRACESIM_RETURN_IF_ERROR(
          DecodeInt(src_, field("burst_capacity"), fp("burst_capacity"), &c.burst_capacity));
      if (p->type == TailPolicyType::kBytesLimiting) {
        if (c.bytes_per_second <= 0) {
          return YamlError(
              src_, b, fp("bytes_per_second"),
              "must be greater than 0 (got " + std::to_string(c.bytes_per_second) + ")");
        }
        if (c.burst_capacity < 0) {
          return YamlError(src_, b["burst_capacity"], fp("burst_capacity"), "must not be negative");
        }
        if (c.burst_capacity == 0) c.burst_capacity = 2 * c.bytes_per_second;
      }
      return sim::Status::Ok();
    }
    if (key == "span_count") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"min_spans", "max_spans"}));
      TRACESIM_RETURN_IF_ERROR(
          DecodeInt32(src_, field("min_spans"), fp("min_spans"), &p->span_count.min_spans));
      return DecodeInt32(src_, field("max_spans"), fp("max_spans"), &p->span_count.max_spans);
    }
    if (key == "trace_state") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"key", "values"}));
      TRACESIM_RETURN_IF_ERROR(DecodeString(src_, field("key"), fp("key"), &p->trace_state.key));
      std::vector<std::string> values;
      TRACESIM_RETURN_IF_ERROR(DecodeStringList(src_, field("values"), fp("values"), &values));
      p->trace_state.values.clear();
      for (std::string& v : values) {
        // The evaluator discards values that cannot fit a tracestate list member.
        if (p->trace_state.key.size() + v.size() < 256) {
          p->trace_state.values.push_back(std::move(v));
        }
      }
      return sim::Status::Ok();
    }
    if (key == "boolean_attribute") {
      auto& c = p->boolean_attribute;
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"key", "value", "invert_match"}));
      TRACESIM_RETURN_IF_ERROR(DecodeString(src_, field("key"), fp("key"), &c.key));
      TRACESIM_RETURN_IF_ERROR(DecodeBool(src_, field("value"), fp("value"), &c.value));
      return DecodeBool(src_, field("invert_match"), fp("invert_match"), &c.invert_match);
    }
    if (key == "ottl_condition") {
      auto& c = p->ottl_condition;
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"error_mode", "span", "spanevent"}));
      TRACESIM_RETURN_IF_ERROR(
          DecodeString(src_, field("error_mode"), fp("error_mode"), &c.error_mode));
      if (c.error_mode != "propagate" && c.error_mode != "ignore" && c.error_mode != "silent") {
        return YamlError(
            src_, b["error_mode"], fp("error_mode"),
            "unknown error mode \"" + c.error_mode + "\" (expected propagate, ignore or silent)");
      }
      TRACESIM_RETURN_IF_ERROR(DecodeStringList(src_, field("span"), fp("span"), &c.span));
      TRACESIM_RETURN_IF_ERROR(
          DecodeStringList(src_, field("spanevent"), fp("spanevent"), &c.spanevent));
      if (p->type == TailPolicyType::kOttlCondition && c.span.empty() && c.spanevent.empty()) {
        return YamlError(src_, b, path, "at least one span or spanevent condition is required");
      }
      return sim::Status::Ok();
    }
    if (key == "and" || key == "drop") {
      std::string list_key = key + "_sub_policy";
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {list_key}));
      if (p->type != (key == "and" ? TailPolicyType::kAnd : TailPolicyType::kDrop)) {
        return sim::Status::Ok();  // decoded for strictness only
      }
      return ParseList(b[list_key], Join(path, list_key), Position::kAndSub, p);
    }
    if (key == "not") {
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path, {"not_sub_policy"}));
      if (p->type != TailPolicyType::kNot) return sim::Status::Ok();
      YAML::Node sub = b["not_sub_policy"];
      if (!sub || sub.IsNull()) {
        return YamlError(src_, b, Join(path, "not_sub_policy"), "a sub-policy is required");
      }
      p->sub_policies.emplace_back();
      return ParsePolicy(sub, Join(path, "not_sub_policy"), Position::kNotSub,
                         &p->sub_policies.back());
    }
    if (key == "composite") {
      auto& c = p->composite;
      TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, b, path,
                                         {"max_total_spans_per_second", "policy_order",
                                          "composite_sub_policy", "rate_allocation"}));
      TRACESIM_RETURN_IF_ERROR(DecodeInt(src_, field("max_total_spans_per_second"),
                                         fp("max_total_spans_per_second"),
                                         &c.max_total_spans_per_second));
      TRACESIM_RETURN_IF_ERROR(
          DecodeStringList(src_, field("policy_order"), fp("policy_order"), &c.policy_order));
      YAML::Node ra = b["rate_allocation"];
      if (ra && !ra.IsNull()) {
        if (!ra.IsSequence()) return YamlError(src_, ra, fp("rate_allocation"), "expected a list");
        for (size_t i = 0; i < ra.size(); ++i) {
          std::string ip = fp("rate_allocation") + "[" + std::to_string(i) + "]";
          if (!ra[i].IsMap()) return YamlError(src_, ra[i], ip, "expected a map");
          TRACESIM_RETURN_IF_ERROR(CheckKeys(src_, ra[i], ip, {"policy", "percent"}));
          std::string policy;
          int64_t percent = 0;
          TRACESIM_RETURN_IF_ERROR(DecodeString(src_, ra[i]["policy"], ip + ".policy", &policy));
          TRACESIM_RETURN_IF_ERROR(DecodeInt(src_, ra[i]["percent"], ip + ".percent", &percent));
          c.rate_allocation.emplace_back(policy, percent);
        }
      }
      if (p->type != TailPolicyType::kComposite) return sim::Status::Ok();
      return ParseList(b["composite_sub_policy"], fp("composite_sub_policy"),
                       Position::kCompositeSub, p);
    }
    return YamlError(src_, b, path, "unknown block");  // unreachable: CheckKeys ran
  }

  sim::Status ParseList(const YAML::Node& list, const std::string& path, Position pos,
                        TailPolicyConfig* p) {
    if (!list || list.IsNull()) return sim::Status::Ok();
    if (!list.IsSequence()) return YamlError(src_, list, path, "expected a list of policies");
    for (size_t i = 0; i < list.size(); ++i) {
      p->sub_policies.emplace_back();
      TRACESIM_RETURN_IF_ERROR(
          ParsePolicy(list[i], path + "[" + std::to_string(i) + "]", pos, &p->sub_policies.back()));
    }
    return sim::Status::Ok();
  }

  std::string src_;
};

void CompositeWarnings(const TailPolicyConfig& p, const std::string& source,
                       std::vector<std::string>* warnings) {
  for (const auto& [name, percent] : p.composite.rate_allocation) {
    bool found = false;
    for (const TailPolicyConfig& s : p.sub_policies) found = found || s.name == name;
    if (!found) {
      warnings->push_back(source + ":" + std::to_string(p.line) + ": composite policy \"" + p.name +
                          "\": rate_allocation names unknown sub-policy \"" + name + "\"");
    }
  }
  for (const TailPolicyConfig& s : p.sub_policies) {
    bool listed = false;
    for (const auto& ra : p.composite.rate_allocation) listed = listed || ra.first == s.name;
    if (!listed) {
      warnings->push_back(source + ":" + std::to_string(s.line) + ": composite policy \"" + p.name +
                          "\": sub-policy \"" + s.name +
                          "\" is not in rate_allocation, so the Collector gives it a budget of 0 "
                          "spans/s and it never samples (issue #49828)");
    }
  }
}

}  // namespace

std::string_view TailPolicyTypeName(TailPolicyType t) {
  for (const TypeName& tn : kTypeNames)
    if (tn.type == t) return tn.name;
  return "?";
}

bool IsStatefulPolicyType(TailPolicyType t) {
  return t == TailPolicyType::kRateLimiting || t == TailPolicyType::kBytesLimiting ||
         t == TailPolicyType::kComposite;
}

namespace {
bool ContainsStateful(const TailPolicyConfig& p) {
  if (IsStatefulPolicyType(p.type)) return true;
  for (const TailPolicyConfig& s : p.sub_policies)
    if (ContainsStateful(s)) return true;
  return false;
}
}  // namespace

sim::Status TailSamplingConfig::Validate() const {
  auto err = [&](int line, const std::string& msg) {
    return sim::Status::InvalidArgument(source + (line > 0 ? ":" + std::to_string(line) : "") +
                                        ": " + id + ": " + msg);
  };
  if (policies.empty()) return err(0, "policies: no policies configured (at least one required)");
  if (decision_wait_nanos < 0) return err(0, "decision_wait: must not be negative");
  if (decision_wait_after_root_received_nanos < 0) {
    return err(0, "decision_wait_after_root_received: must not be negative");
  }
  if (num_traces == 0) return err(0, "num_traces: must be greater than 0");
  if (sampled_cache_size < 0)
    return err(0, "decision_cache.sampled_cache_size: must not be negative");
  if (non_sampled_cache_size < 0) {
    return err(0, "decision_cache.non_sampled_cache_size: must not be negative");
  }
  if (sampling_strategy != "trace-complete" && sampling_strategy != "span-ingest") {
    return err(0, "sampling_strategy: unknown value \"" + sampling_strategy +
                      "\" (expected trace-complete or span-ingest)");
  }
  if (num_shards < 1) return err(0, "num_shards: must be at least 1");
  std::set<std::string> names;
  for (size_t i = 0; i < policies.size(); ++i) {
    const TailPolicyConfig& p = policies[i];
    std::string where = "policies[" + std::to_string(i) + "]";
    if (p.name.empty()) return err(p.line, where + ".name: policy name cannot be empty");
    if (!names.insert(p.name).second) {
      return err(p.line, where + ".name: duplicate policy name \"" + p.name + "\"");
    }
    if (sampling_strategy == "span-ingest" && ContainsStateful(p)) {
      return err(p.line, where + ": policy \"" + p.name +
                             "\" is stateful and cannot be used with sampling_strategy "
                             "span-ingest");
    }
    if (p.type == TailPolicyType::kNot && p.sub_policies.size() != 1) {
      return err(p.line, where + ".not.not_sub_policy: exactly one sub-policy is required");
    }
  }
  return sim::Status::Ok();
}

sim::Result<TailSamplingConfig> ParseTailSamplingConfig(const YAML::Node& block,
                                                        std::string_view source) {
  TailSamplingConfig c;
  c.source = std::string(source);
  if (!block || block.IsNull()) {
    return sim::Status::InvalidArgument(c.source + ": tail_sampling block is empty");
  }
  if (!block.IsMap()) return YamlError(source, block, "", "tail_sampling block must be a map");
  TRACESIM_RETURN_IF_ERROR(
      CheckKeys(source, block, "",
                {"policies", "decision_wait", "num_traces", "expected_new_traces_per_sec",
                 "decision_cache", "sample_on_first_match", "drop_pending_traces_on_shutdown",
                 "block_on_overflow", "maximum_trace_size_bytes",
                 "decision_wait_after_root_received", "sampling_strategy", "num_shards"}));
  TRACESIM_RETURN_IF_ERROR(
      DecodeDuration(source, block["decision_wait"], "decision_wait", &c.decision_wait_nanos));
  TRACESIM_RETURN_IF_ERROR(DecodeUint(source, block["num_traces"], "num_traces", &c.num_traces));
  TRACESIM_RETURN_IF_ERROR(DecodeUint(source, block["expected_new_traces_per_sec"],
                                      "expected_new_traces_per_sec",
                                      &c.expected_new_traces_per_sec));
  YAML::Node dc = block["decision_cache"];
  if (dc && !dc.IsNull()) {
    if (!dc.IsMap()) return YamlError(source, dc, "decision_cache", "expected a map");
    TRACESIM_RETURN_IF_ERROR(
        CheckKeys(source, dc, "decision_cache", {"sampled_cache_size", "non_sampled_cache_size"}));
    TRACESIM_RETURN_IF_ERROR(DecodeInt(source, dc["sampled_cache_size"],
                                       "decision_cache.sampled_cache_size", &c.sampled_cache_size));
    TRACESIM_RETURN_IF_ERROR(DecodeInt(source, dc["non_sampled_cache_size"],
                                       "decision_cache.non_sampled_cache_size",
                                       &c.non_sampled_cache_size));
  }
  TRACESIM_RETURN_IF_ERROR(DecodeBool(source, block["sample_on_first_match"],
                                      "sample_on_first_match", &c.sample_on_first_match));
  TRACESIM_RETURN_IF_ERROR(DecodeBool(source, block["drop_pending_traces_on_shutdown"],
                                      "drop_pending_traces_on_shutdown",
                                      &c.drop_pending_traces_on_shutdown));
  TRACESIM_RETURN_IF_ERROR(
      DecodeBool(source, block["block_on_overflow"], "block_on_overflow", &c.block_on_overflow));
  TRACESIM_RETURN_IF_ERROR(DecodeUint(source, block["maximum_trace_size_bytes"],
                                      "maximum_trace_size_bytes", &c.maximum_trace_size_bytes));
  TRACESIM_RETURN_IF_ERROR(DecodeDuration(source, block["decision_wait_after_root_received"],
                                          "decision_wait_after_root_received",
                                          &c.decision_wait_after_root_received_nanos));
  TRACESIM_RETURN_IF_ERROR(
      DecodeString(source, block["sampling_strategy"], "sampling_strategy", &c.sampling_strategy));
  TRACESIM_RETURN_IF_ERROR(DecodeInt(source, block["num_shards"], "num_shards", &c.num_shards));

  YAML::Node pol = block["policies"];
  if (pol && !pol.IsNull()) {
    if (!pol.IsSequence()) return YamlError(source, pol, "policies", "expected a list");
    Parser parser(source);
    for (size_t i = 0; i < pol.size(); ++i) {
      TailPolicyConfig p;
      TRACESIM_RETURN_IF_ERROR(
          parser.ParsePolicy(pol[i], "policies[" + std::to_string(i) + "]", Position::kTop, &p));
      c.policies.push_back(std::move(p));
    }
  }
  for (const TailPolicyConfig& p : c.policies) {
    if (p.type == TailPolicyType::kComposite) CompositeWarnings(p, c.source, &c.warnings);
  }
  TRACESIM_RETURN_IF_ERROR(c.Validate());
  return c;
}

namespace {
sim::Result<TailSamplingConfig> FromDocument(const CollectorConfig& doc, std::string_view id) {
  TRACESIM_ASSIGN_OR_RETURN(std::vector<ProcessorBlock> blocks,
                            doc.FindProcessors("tail_sampling", "policies"));
  if (blocks.empty()) {
    return sim::Status::NotFound(doc.source() + ": no tail_sampling processor found");
  }
  const ProcessorBlock* chosen = nullptr;
  if (id.empty()) {
    if (blocks.size() > 1) {
      std::string ids;
      for (const auto& b : blocks) ids += (ids.empty() ? "" : ", ") + b.id;
      return sim::Status::InvalidArgument(doc.source() + ": several tail_sampling processors (" +
                                          ids + "); name the one to use");
    }
    chosen = &blocks[0];
  } else {
    for (const auto& b : blocks)
      if (b.id == id) chosen = &b;
    if (chosen == nullptr) {
      return sim::Status::NotFound(doc.source() + ": no processor \"" + std::string(id) + "\"");
    }
  }
  sim::Result<TailSamplingConfig> r = ParseTailSamplingConfig(chosen->node, doc.source());
  if (!r.ok()) return r.status();
  r->id = chosen->id;
  return r;
}
}  // namespace

sim::Result<TailSamplingConfig> LoadTailSamplingConfigFile(const std::string& path,
                                                           std::string_view id) {
  TRACESIM_ASSIGN_OR_RETURN(CollectorConfig doc, CollectorConfig::LoadFile(path));
  return FromDocument(doc, id);
}

sim::Result<TailSamplingConfig> LoadTailSamplingConfigString(std::string_view yaml,
                                                             std::string_view id,
                                                             std::string source) {
  TRACESIM_ASSIGN_OR_RETURN(CollectorConfig doc,
                            CollectorConfig::LoadString(yaml, std::move(source)));
  return FromDocument(doc, id);
}

}  // namespace tracesim::sampling
