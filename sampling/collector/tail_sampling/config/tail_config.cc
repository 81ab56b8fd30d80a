#include "sampling/collector/tail_sampling/config/tail_config.h"

#include <optional>
#include <set>

#include "sampling/collector/collector_config.h"
#include "sampling/collector/tail_sampling/config/go_regexp.h"

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
    case Position::kAndSub:  // AndSubPolicyCfg: a leaf or a `not` (v0.161.0)
      return IsLeaf(t) || t == TailPolicyType::kNot;
    case Position::kNotSub:
      return IsLeaf(t);
    case Position::kCompositeSub:
      return IsLeaf(t) || t == TailPolicyType::kAnd;
  }
  return false;
}

const config::Keys kTopPolicyKeys = {"name",
                                     "type",
                                     "latency",
                                     "numeric_attribute",
                                     "probabilistic",
                                     "status_code",
                                     "string_attribute",
                                     "rate_limiting",
                                     "bytes_limiting",
                                     "span_count",
                                     "trace_state",
                                     "boolean_attribute",
                                     "ottl_condition",
                                     "and",
                                     "drop",
                                     "not",
                                     "composite"};
const config::Keys kCompositeSubKeys = {
    "name",           "type",        "latency",          "numeric_attribute",
    "probabilistic",  "status_code", "string_attribute", "rate_limiting",
    "bytes_limiting", "span_count",  "trace_state",      "boolean_attribute",
    "ottl_condition", "and"};
const config::Keys kLeafSubKeys = {
    "name",           "type",        "latency",          "numeric_attribute",
    "probabilistic",  "status_code", "string_attribute", "rate_limiting",
    "bytes_limiting", "span_count",  "trace_state",      "boolean_attribute",
    "ottl_condition"};

const config::Keys kAndSubKeys = {
    "name",           "type",        "latency",          "numeric_attribute",
    "probabilistic",  "status_code", "string_attribute", "rate_limiting",
    "bytes_limiting", "span_count",  "trace_state",      "boolean_attribute",
    "ottl_condition", "not"};

const config::Keys& PolicyKeys(Position pos) {
  switch (pos) {
    case Position::kTop:
      return kTopPolicyKeys;
    case Position::kCompositeSub:
      return kCompositeSubKeys;
    case Position::kAndSub:
      return kAndSubKeys;
    case Position::kNotSub:
      break;
  }
  return kLeafSubKeys;
}

// Decodes policies into TailPolicyConfig, reporting every problem (decoding goes on after one,
// so a file is fixed in one round). Checks that need a decoded value run only when it decoded.
class Parser {
 public:
  explicit Parser(CollectorDecoder& dec) : dec_(dec) {}

  void ParsePolicy(const config::Node& n, Position pos, TailPolicyConfig* p) {
    if (!n.node.IsMap()) {
      dec_.Error(n, "a policy must be a map");
      return;
    }
    p->line = n.line;
    p->col = n.col;
    config::Map m = dec_.Fields(n, PolicyKeys(pos));
    if (const config::Node* v = m.Get("name")) dec_.String(*v, &p->name);
    std::string type;
    const config::Node* type_node = m.Get("type");
    if (type_node != nullptr && !dec_.String(*type_node, &type)) return;
    bool known = false;
    for (const TypeName& tn : kTypeNames) {
      if (tn.name == type) {
        p->type = tn.type;
        known = true;
      }
    }
    const config::Node type_at =
        type_node ? *type_node
                  : config::Node::At(n.node["type"], config::JoinPath(n.path, "type"), n);
    if (!known) {
      dec_.Error(type_at,
                 "unknown sampling policy type \"" + type + "\" (policy \"" + p->name + "\")");
      return;
    }
    if (!TypeAllowed(pos, p->type)) {
      dec_.Error(type_at, "policy type \"" + type + "\" is not allowed at this nesting level");
      return;
    }
    // mapstructure decodes every block present, whichever the type; only the matching one is used.
    for (const config::Map::Entry& e : m.entries()) {
      if (e.key == "name" || e.key == "type") continue;
      ParseBlock(e.key, e.value, p);
    }
    // A type whose block is absent is validated as if the block were empty.
    const std::string block(TailPolicyTypeName(p->type));
    if (IsLeaf(p->type) && p->type != TailPolicyType::kAlwaysSample &&
        p->type != TailPolicyType::kTraceFlags && !CollectorDecoder::Present(m.Get(block))) {
      config::Node empty = n;
      empty.node = YAML::Node(YAML::NodeType::Map);
      empty.path = config::JoinPath(n.path, block);
      ParseBlock(block, empty, p);
    }
  }

  void ParseList(const config::Node* list, Position pos, TailPolicyConfig* p) {
    if (!CollectorDecoder::Present(list)) return;
    if (!list->node.IsSequence()) {
      dec_.Error(*list, "expected a list of policies");
      return;
    }
    for (size_t i = 0; i < list->node.size(); ++i) {
      p->sub_policies.emplace_back();
      ParsePolicy(list->Item(i), pos, &p->sub_policies.back());
    }
  }

 private:
  // `key`'s node or, when absent, the block itself (for messages about a missing value).
  static config::Node Where(const config::Map& m, const config::Node& b, const char* key) {
    const config::Node* v = m.Get(key);
    if (v != nullptr) return *v;
    config::Node at = b;
    at.path = config::JoinPath(b.path, key);
    return at;
  }
  template <typename T>
  bool Decode(const config::Map& m, const char* key,
              bool (CollectorDecoder::*decode)(const config::Node&, T*), T* out) {
    const config::Node* v = m.Get(key);
    return v == nullptr || (dec_.*decode)(*v, out);
  }

  void ParseBlock(const std::string& key, const config::Node& b, TailPolicyConfig* p);
  void ParseLatency(const config::Map& m, TailPolicyConfig* p);
  void ParseNumericAttribute(const config::Map& m, const config::Node& b, TailPolicyConfig* p);
  void ParseStatusCode(const config::Map& m, const config::Node& b, TailPolicyConfig* p);
  void ParseStringAttribute(const config::Map& m, TailPolicyConfig* p);
  void ParseBytesLimiting(const config::Map& m, const config::Node& b, TailPolicyConfig* p);
  void ParseTraceState(const config::Map& m, TailPolicyConfig* p);
  void ParseOttl(const config::Map& m, const config::Node& b, TailPolicyConfig* p);
  void ParseComposite(const config::Map& m, TailPolicyConfig* p);

  CollectorDecoder& dec_;
};

void Parser::ParseBlock(const std::string& key, const config::Node& b, TailPolicyConfig* p) {
  if (!b.node.IsDefined() || b.node.IsNull()) return;
  if (!b.node.IsMap()) {
    dec_.Error(b, "expected a map");
    return;
  }
  auto fields = [&](const config::Keys& allowed) { return dec_.Fields(b, allowed); };
  if (key == "latency") {
    ParseLatency(fields({"threshold_ms", "upper_threshold_ms"}), p);
  } else if (key == "numeric_attribute") {
    ParseNumericAttribute(fields({"key", "min_value", "max_value", "invert_match"}), b, p);
  } else if (key == "probabilistic") {
    config::Map m = fields({"hash_salt", "sampling_percentage"});
    Decode(m, "hash_salt", &CollectorDecoder::String, &p->probabilistic.hash_salt);
    Decode(m, "sampling_percentage", &CollectorDecoder::Float,
           &p->probabilistic.sampling_percentage);
  } else if (key == "status_code") {
    ParseStatusCode(fields({"status_codes"}), b, p);
  } else if (key == "string_attribute") {
    ParseStringAttribute(
        fields({"key", "values", "enabled_regex_matching", "cache_max_size", "invert_match"}), p);
  } else if (key == "rate_limiting") {
    config::Map m = fields({"spans_per_second", "burst_capacity"});
    Decode(m, "spans_per_second", &CollectorDecoder::Int, &p->rate_limiting.spans_per_second);
    Decode(m, "burst_capacity", &CollectorDecoder::Int, &p->rate_limiting.burst_capacity);
  } else if (key == "bytes_limiting") {
    ParseBytesLimiting(fields({"bytes_per_second", "burst_capacity"}), b, p);
  } else if (key == "span_count") {
    config::Map m = fields({"min_spans", "max_spans"});
    Decode(m, "min_spans", &CollectorDecoder::Int32, &p->span_count.min_spans);
    Decode(m, "max_spans", &CollectorDecoder::Int32, &p->span_count.max_spans);
  } else if (key == "trace_state") {
    ParseTraceState(fields({"key", "values"}), p);
  } else if (key == "boolean_attribute") {
    config::Map m = fields({"key", "value", "invert_match"});
    auto& c = p->boolean_attribute;
    Decode(m, "key", &CollectorDecoder::String, &c.key);
    Decode(m, "value", &CollectorDecoder::Bool, &c.value);
    Decode(m, "invert_match", &CollectorDecoder::Bool, &c.invert_match);
  } else if (key == "ottl_condition") {
    ParseOttl(fields({"error_mode", "span", "spanevent"}), b, p);
  } else if (key == "and" || key == "drop") {
    std::string list_key = key + "_sub_policy";
    config::Map m = fields({list_key});
    if (p->type == (key == "and" ? TailPolicyType::kAnd : TailPolicyType::kDrop)) {
      ParseList(m.Get(list_key), Position::kAndSub, p);
    }  // else decoded for strictness only
  } else if (key == "not") {
    config::Map m = fields({"not_sub_policy"});
    if (p->type != TailPolicyType::kNot) return;
    const config::Node* sub = m.Get("not_sub_policy");
    if (!CollectorDecoder::Present(sub)) {
      dec_.Error(Where(m, b, "not_sub_policy"), "a sub-policy is required");
      return;
    }
    p->sub_policies.emplace_back();
    ParsePolicy(*sub, Position::kNotSub, &p->sub_policies.back());
  } else if (key == "composite") {
    ParseComposite(fields({"max_total_spans_per_second", "policy_order", "composite_sub_policy",
                           "rate_allocation"}),
                   p);
  }
}

void Parser::ParseLatency(const config::Map& m, TailPolicyConfig* p) {
  Decode(m, "threshold_ms", &CollectorDecoder::Int, &p->latency.threshold_ms);
  Decode(m, "upper_threshold_ms", &CollectorDecoder::Int, &p->latency.upper_threshold_ms);
}

void Parser::ParseNumericAttribute(const config::Map& m, const config::Node& b,
                                   TailPolicyConfig* p) {
  auto& c = p->numeric_attribute;
  bool ok = Decode(m, "key", &CollectorDecoder::String, &c.key);
  ok &= Decode(m, "min_value", &CollectorDecoder::Int, &c.min_value);
  ok &= Decode(m, "max_value", &CollectorDecoder::Int, &c.max_value);
  ok &= Decode(m, "invert_match", &CollectorDecoder::Bool, &c.invert_match);
  if (!ok || p->type != TailPolicyType::kNumericAttribute) return;
  // v0.161.0 checks no order of the bounds (min_value > max_value starts and matches nothing).
  // Both unset is still an error here: upstream logs it and builds no evaluator, which the
  // first decision would dereference.
  if (c.min_value == 0 && c.max_value == 0) {
    dec_.Error(b, "min_value and max_value are both unset (0); at least one bound is required");
  }
}

void Parser::ParseStatusCode(const config::Map& m, const config::Node& b, TailPolicyConfig* p) {
  auto& codes = p->status_code.status_codes;
  if (!Decode(m, "status_codes", &CollectorDecoder::StringList, &codes)) return;
  if (p->type != TailPolicyType::kStatusCode) return;
  config::Node at = Where(m, b, "status_codes");
  if (codes.empty()) {
    dec_.Error(at, "expected at least one status code");
    return;
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    const std::string& s = codes[i];
    if (s != "OK" && s != "ERROR" && s != "UNSET") {
      config::Node item = at.node.IsSequence() ? at.Item(i) : at;
      item.path = config::IndexPath(at.path, i);
      dec_.Error(item, "unknown status code \"" + s + "\" (expected OK, ERROR or UNSET)");
    }
  }
}

void Parser::ParseStringAttribute(const config::Map& m, TailPolicyConfig* p) {
  auto& c = p->string_attribute;
  Decode(m, "key", &CollectorDecoder::String, &c.key);
  bool values_ok = Decode(m, "values", &CollectorDecoder::StringList, &c.values);
  Decode(m, "enabled_regex_matching", &CollectorDecoder::Bool, &c.enabled_regex_matching);
  Decode(m, "cache_max_size", &CollectorDecoder::Int, &c.cache_max_size);
  Decode(m, "invert_match", &CollectorDecoder::Bool, &c.invert_match);
  if (!values_ok || p->type != TailPolicyType::kStringAttribute || !c.enabled_regex_matching) {
    return;
  }
  const config::Node* values = m.Get("values");
  for (size_t i = 0; i < c.values.size(); ++i) {
    auto re = GoRegexp::Compile(c.values[i]);  // Go's regexp.Compile, RE2 syntax
    if (!re.ok()) {
      config::Node item = values->node.IsSequence() ? values->Item(i) : *values;
      item.path = config::IndexPath(values->path, i);
      dec_.Error(item, "invalid regular expression \"" + c.values[i] +
                           "\" (Go RE2 syntax): " + re.status().message());
    }
  }
}

void Parser::ParseBytesLimiting(const config::Map& m, const config::Node& b, TailPolicyConfig* p) {
  auto& c = p->bytes_limiting;
  bool ok = Decode(m, "bytes_per_second", &CollectorDecoder::Int, &c.bytes_per_second);
  ok &= Decode(m, "burst_capacity", &CollectorDecoder::Int, &c.burst_capacity);
  if (!ok || p->type != TailPolicyType::kBytesLimiting) return;
  if (c.bytes_per_second <= 0) {
    dec_.Error(Where(m, b, "bytes_per_second"),
               "must be greater than 0 (got " + std::to_string(c.bytes_per_second) + ")");
  }
  if (c.burst_capacity < 0) dec_.Error(Where(m, b, "burst_capacity"), "must not be negative");
  if (c.burst_capacity == 0) c.burst_capacity = 2 * c.bytes_per_second;
}

void Parser::ParseTraceState(const config::Map& m, TailPolicyConfig* p) {
  Decode(m, "key", &CollectorDecoder::String, &p->trace_state.key);
  std::vector<std::string> values;
  Decode(m, "values", &CollectorDecoder::StringList, &values);
  p->trace_state.values.clear();
  for (std::string& v : values) {
    // The evaluator discards values that cannot fit a tracestate list member.
    if (p->trace_state.key.size() + v.size() < 256) p->trace_state.values.push_back(std::move(v));
  }
}

void Parser::ParseOttl(const config::Map& m, const config::Node& b, TailPolicyConfig* p) {
  auto& c = p->ottl_condition;
  if (Decode(m, "error_mode", &CollectorDecoder::String, &c.error_mode) &&
      c.error_mode != "propagate" && c.error_mode != "ignore" && c.error_mode != "silent") {
    dec_.Error(Where(m, b, "error_mode"), "unknown error mode \"" + c.error_mode +
                                              "\" (expected propagate, ignore or silent)");
  }
  bool ok = Decode(m, "span", &CollectorDecoder::StringList, &c.span);
  ok &= Decode(m, "spanevent", &CollectorDecoder::StringList, &c.spanevent);
  if (ok && p->type == TailPolicyType::kOttlCondition && c.span.empty() && c.spanevent.empty()) {
    dec_.Error(b, "at least one span or spanevent condition is required");
  }
}

void Parser::ParseComposite(const config::Map& m, TailPolicyConfig* p) {
  auto& c = p->composite;
  Decode(m, "max_total_spans_per_second", &CollectorDecoder::Int, &c.max_total_spans_per_second);
  Decode(m, "policy_order", &CollectorDecoder::StringList, &c.policy_order);
  if (const config::Node* ra = m.Get("rate_allocation"); CollectorDecoder::Present(ra)) {
    if (!ra->node.IsSequence()) {
      dec_.Error(*ra, "expected a list");
    } else {
      for (size_t i = 0; i < ra->node.size(); ++i) {
        config::Node item = ra->Item(i);
        if (!item.node.IsMap()) {
          dec_.Error(item, "expected a map");
          continue;
        }
        config::Map im = dec_.Fields(item, {"policy", "percent"});
        std::string policy;
        int64_t percent = 0;
        Decode(im, "policy", &CollectorDecoder::String, &policy);
        Decode(im, "percent", &CollectorDecoder::Int, &percent);
        c.rate_allocation.emplace_back(policy, percent);
      }
    }
  }
  if (p->type == TailPolicyType::kComposite) {
    ParseList(m.Get("composite_sub_policy"), Position::kCompositeSub, p);
  }
}

// The composite allocation quirks upstream accepts silently, as warnings at the policy.
void CompositeWarnings(const TailPolicyConfig& p, const std::string& path,
                       config::Diagnostics& diag) {
  for (const auto& [name, percent] : p.composite.rate_allocation) {
    bool found = false;
    for (const TailPolicyConfig& s : p.sub_policies) found = found || s.name == name;
    if (!found) {
      diag.Warning(p.line, p.col, path,
                   "composite policy \"" + p.name +
                       "\": rate_allocation names unknown "
                       "sub-policy \"" +
                       name + "\"");
    }
  }
  for (size_t i = 0; i < p.sub_policies.size(); ++i) {
    const TailPolicyConfig& s = p.sub_policies[i];
    bool listed = false;
    for (const auto& ra : p.composite.rate_allocation) listed = listed || ra.first == s.name;
    if (!listed) {
      diag.Warning(s.line, s.col,
                   config::IndexPath(config::JoinPath(path, "composite.composite_sub_policy"), i),
                   "composite policy \"" + p.name + "\": sub-policy \"" + s.name +
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

namespace {

const config::Keys kTopKeys = {"policies",
                               "decision_wait",
                               "num_traces",
                               "expected_new_traces_per_sec",
                               "decision_cache",
                               "sample_on_first_match",
                               "drop_pending_traces_on_shutdown",
                               "block_on_overflow",
                               "maximum_trace_size_bytes",
                               "decision_wait_after_root_received",
                               "sampling_strategy",
                               "num_shards"};

// The component's validation. `block` positions top-level problems (at the key's value when
// written, else at the block); policies carry their own position.
void Check(const TailSamplingConfig& c, const config::Node& block, const config::Map* top,
           config::Diagnostics& diag) {
  auto at = [&](const char* key) {
    const config::Node* v = top != nullptr ? top->Get(key) : nullptr;
    config::Node where = v != nullptr ? *v : block;
    if (v == nullptr) where.path = config::JoinPath(block.path, key);
    return where;
  };
  auto err = [&](const config::Node& where, const std::string& msg) {
    diag.Error(where.line, where.col, where.path, msg);
  };
  if (c.policies.empty()) err(at("policies"), "no policies configured (at least one required)");
  if (c.decision_wait_nanos < 0) err(at("decision_wait"), "must not be negative");
  if (c.decision_wait_after_root_received_nanos < 0) {
    err(at("decision_wait_after_root_received"), "must not be negative");
  }
  if (c.num_traces == 0) err(at("num_traces"), "must be greater than 0");
  if (c.sampled_cache_size < 0 || c.non_sampled_cache_size < 0) {
    config::Node dc = at("decision_cache");
    for (auto [key, value] : {std::pair{"sampled_cache_size", c.sampled_cache_size},
                              std::pair{"non_sampled_cache_size", c.non_sampled_cache_size}}) {
      if (value >= 0) continue;
      config::Node where = dc;
      if (dc.node.IsMap() && dc.node[key]) where = config::Node::At(dc.node[key], "", dc);
      where.path = config::JoinPath(dc.path, key);
      err(where, "must not be negative");
    }
  }
  if (c.sampling_strategy != "trace-complete" && c.sampling_strategy != "span-ingest") {
    err(at("sampling_strategy"),
        "unknown value \"" + c.sampling_strategy + "\" (expected trace-complete or span-ingest)");
  }
  if (c.num_shards < 1) err(at("num_shards"), "must be at least 1");
  std::set<std::string> names;
  const std::string policies = config::JoinPath(block.path, "policies");
  for (size_t i = 0; i < c.policies.size(); ++i) {
    const TailPolicyConfig& p = c.policies[i];
    config::Node where;
    where.line = p.line;
    where.col = p.col;
    where.path = config::IndexPath(policies, i);
    auto perr = [&](const std::string& sub, const std::string& msg) {
      diag.Error(where.line, where.col, sub.empty() ? where.path : where.path + "." + sub, msg);
    };
    if (p.name.empty()) {
      perr("name", "policy name cannot be empty");
    } else if (!names.insert(p.name).second) {
      perr("name", "duplicate policy name \"" + p.name + "\"");
    }
    if (c.sampling_strategy == "span-ingest" && ContainsStateful(p)) {
      perr("", "policy \"" + p.name +
                   "\" is stateful and cannot be used with sampling_strategy span-ingest");
    }
    if (p.type == TailPolicyType::kNot && p.sub_policies.size() != 1) {
      perr("not.not_sub_policy", "exactly one sub-policy is required");
    }
  }
}

// Decodes the top-level keys of a tail_sampling block (not `policies`).
void DecodeTop(const config::Map& m, CollectorDecoder& dec, TailSamplingConfig* c) {
  auto get = [&](const char* key) { return m.Get(key); };
  if (auto* v = get("decision_wait")) dec.Duration(*v, &c->decision_wait_nanos);
  if (auto* v = get("num_traces")) dec.Uint(*v, &c->num_traces);
  if (auto* v = get("expected_new_traces_per_sec")) dec.Uint(*v, &c->expected_new_traces_per_sec);
  if (auto* v = get("decision_cache"); CollectorDecoder::Present(v)) {
    config::Map dc = dec.Fields(*v, {"sampled_cache_size", "non_sampled_cache_size"});
    if (auto* s = dc.Get("sampled_cache_size")) dec.Int(*s, &c->sampled_cache_size);
    if (auto* s = dc.Get("non_sampled_cache_size")) dec.Int(*s, &c->non_sampled_cache_size);
  }
  if (auto* v = get("sample_on_first_match")) dec.Bool(*v, &c->sample_on_first_match);
  if (auto* v = get("drop_pending_traces_on_shutdown")) {
    dec.Bool(*v, &c->drop_pending_traces_on_shutdown);
  }
  if (auto* v = get("block_on_overflow")) dec.Bool(*v, &c->block_on_overflow);
  if (auto* v = get("maximum_trace_size_bytes")) dec.Uint(*v, &c->maximum_trace_size_bytes);
  if (auto* v = get("decision_wait_after_root_received")) {
    dec.Duration(*v, &c->decision_wait_after_root_received_nanos);
  }
  if (auto* v = get("sampling_strategy")) dec.String(*v, &c->sampling_strategy);
  if (auto* v = get("num_shards")) dec.Int(*v, &c->num_shards);
}

}  // namespace

sim::Status TailSamplingConfig::Validate() const {
  config::Diagnostics diag(source);
  config::Node block;
  block.line = 0;
  block.col = 0;
  block.path = id;
  Check(*this, block, nullptr, diag);
  return diag.ToStatus();
}

std::optional<TailSamplingConfig> ParseTailSamplingConfig(const config::Node& block,
                                                          config::Diagnostics& diag) {
  TailSamplingConfig c;
  c.source = diag.file();
  if (!block.node.IsDefined() || block.node.IsNull()) {
    diag.Error(block.line, block.col, block.path, "tail_sampling block is empty");
    return std::nullopt;
  }
  if (!block.node.IsMap()) {
    diag.Error(block.line, block.col, block.path, "tail_sampling block must be a map");
    return std::nullopt;
  }
  const size_t errors_before = diag.error_count();
  CollectorDecoder dec(diag);
  config::Map top = dec.Fields(block, kTopKeys);
  DecodeTop(top, dec, &c);
  if (const config::Node* pol = top.Get("policies"); CollectorDecoder::Present(pol)) {
    if (!pol->node.IsSequence()) {
      dec.Error(*pol, "expected a list");
    } else {
      Parser parser(dec);
      for (size_t i = 0; i < pol->node.size(); ++i) {
        TailPolicyConfig p;
        parser.ParsePolicy(pol->Item(i), Position::kTop, &p);
        c.policies.push_back(std::move(p));
      }
    }
  }
  // As upstream: the component's Validate() runs only on a config that decoded.
  if (diag.error_count() != errors_before) return std::nullopt;
  for (size_t i = 0; i < c.policies.size(); ++i) {
    if (c.policies[i].type == TailPolicyType::kComposite) {
      CompositeWarnings(c.policies[i],
                        config::IndexPath(config::JoinPath(block.path, "policies"), i), diag);
    }
  }
  Check(c, block, &top, diag);
  if (diag.error_count() != errors_before) return std::nullopt;
  return c;
}

sim::Result<TailSamplingConfig> ParseTailSamplingConfig(const YAML::Node& block,
                                                        std::string_view source) {
  config::Diagnostics diag{std::string(source)};
  std::optional<TailSamplingConfig> c = ParseTailSamplingConfig(config::Node::Root(block), diag);
  if (!c) return diag.ToStatus();
  c->warnings = diag.Warnings();
  return std::move(*c);
}

std::optional<TailSamplingConfig> FindTailSamplingConfig(const CollectorConfig& doc,
                                                         std::string_view id,
                                                         config::Diagnostics& diag) {
  std::vector<ProcessorBlock> blocks = doc.FindProcessors("tail_sampling", "policies", diag);
  if (diag.has_errors()) return std::nullopt;
  if (blocks.empty()) {
    diag.Error(0, 0, "", "no tail_sampling processor found", "", sim::Status::Code::kNotFound);
    return std::nullopt;
  }
  const ProcessorBlock* chosen = nullptr;
  if (id.empty()) {
    if (blocks.size() > 1) {
      std::string ids;
      for (const auto& b : blocks) ids += (ids.empty() ? "" : ", ") + b.id;
      diag.Error(0, 0, "", "several tail_sampling processors (" + ids + "); name the one to use");
      return std::nullopt;
    }
    chosen = &blocks[0];
  } else {
    for (const auto& b : blocks)
      if (b.id == id) chosen = &b;
    if (chosen == nullptr) {
      diag.Error(0, 0, "", "no processor \"" + std::string(id) + "\"", "",
                 sim::Status::Code::kNotFound);
      return std::nullopt;
    }
  }
  std::optional<TailSamplingConfig> c = ParseTailSamplingConfig(chosen->Value(), diag);
  if (c) c->id = chosen->id;
  return c;
}

namespace {
sim::Result<TailSamplingConfig> Edge(std::optional<CollectorConfig> doc, std::string_view id,
                                     config::Diagnostics& diag) {
  std::optional<TailSamplingConfig> c;
  if (doc) c = FindTailSamplingConfig(*doc, id, diag);
  if (!c) return diag.ToStatus();
  c->warnings = diag.Warnings();
  return std::move(*c);
}
}  // namespace

sim::Result<TailSamplingConfig> LoadTailSamplingConfigFile(const std::string& path,
                                                           std::string_view id) {
  config::Diagnostics diag(path);
  return Edge(CollectorConfig::Load(path, diag), id, diag);
}

sim::Result<TailSamplingConfig> LoadTailSamplingConfigString(std::string_view yaml,
                                                             std::string_view id,
                                                             std::string source) {
  config::Diagnostics diag(std::move(source));
  return Edge(CollectorConfig::Parse(yaml, diag), id, diag);
}

}  // namespace tracesim::sampling
