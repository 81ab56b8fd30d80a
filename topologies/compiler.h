// The topology compiler's parts (internal to topologies/; see loader.cc for the overview).
//
// CompileState is everything the passes share: the model being built, the diagnostics, the
// declarations and indexes. Each pass is its own class over that state (declarations.cc,
// services.cc for services and dependencies, programs.cc for steps and resilience, checks.cc for
// whole-model checks); Pass gives them the shared helpers and the state under one set of names.
// Not thread-safe; one CompileState per load.
#ifndef TRACESIM_TOPOLOGIES_COMPILER_H_
#define TRACESIM_TOPOLOGIES_COMPILER_H_

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/distribution.h"
#include "config/reader.h"
#include "sim/base/suggest.h"
#include "sim/model/model.h"
#include "topologies/semconv.h"

namespace tracesim::topologies::compiler {

using sim::Attr;
using sim::AttrValue;
using sim::Distribution;
using sim::kNone;
using sim::Model;
using sim::Status;
using sim::StrId;

using config::Keys;
using config::Need;
using Val = config::Node;    // a node with its key path and position
using Fields = config::Map;  // the entries of one mapping
using config::JoinList;
using config::ParseInt;
using config::ParseNumber;
using config::Quote;
using config::Show;

inline Val At(const YAML::Node& node, std::string path, const Val& fallback) {
  return Val::At(node, std::move(path), fallback);
}
inline std::string Index(const std::string& path, size_t i) { return config::IndexPath(path, i); }
inline std::string DidYouMean(std::string_view word, const Keys& candidates) {
  return sim::DidYouMean(word, candidates);
}

// ---------------------------------------------------------------------------------------------
// Key sets (doc/topology.md documents each).

inline const Keys kTopKeys = {"name",       "description", "environment", "network_latency",
                              "generators", "services",    "dependencies"};
inline const Keys kGeneratorKeys = {"kind", "per", "prefix",  "cardinality", "skew",
                                    "min",  "max", "choices", "probability"};
inline const Keys kServiceKeys = {"name",           "version",         "language",
                                  "instances",      "concurrency",     "queue",
                                  "load_balancing", "resource",        "baggage_to_attributes",
                                  "port",           "address",         "protocol",
                                  "grpc_service",   "network_latency", "operations",
                                  "rate_limit"};
inline const Keys kOperationKeys = {"name",
                                    "kind",
                                    "protocol",
                                    "http",
                                    "grpc",
                                    "consumes",
                                    "steps",
                                    "work",
                                    "calls",
                                    "attributes",
                                    "events",
                                    "baggage",
                                    "error_rate",
                                    "status",
                                    "error_status",
                                    "error_type",
                                    "error_message",
                                    "propagate_errors",
                                    "error_propagation"};
inline const Keys kDependencyKeys = {"name",       "type",      "system",          "address",
                                     "port",       "namespace", "network_latency", "capacity",
                                     "operations", "topics"};
inline const Keys kCapacityKeys = {"instances", "concurrency", "queue", "load_balancing"};
inline const Keys kDepOperationKeys = {"name",   "latency",      "operation",  "collection",
                                       "query",  "http",         "attributes", "error_rate",
                                       "status", "error_status", "error_type", "error_message"};
inline const Keys kTopicKeys = {"name", "publish_latency", "delivery_latency"};
inline const Keys kStepKeys = {"work",        "call",  "parallel", "publish",         "span",
                               "probability", "count", "timeout",  "circuit_breaker", "on_error",
                               "fallback",    "retry"};
inline const Keys kStepKinds = {"work", "call", "parallel", "publish", "span"};
inline const Keys kCallKeys = {"call",  "probability",     "count",    "timeout",
                               "retry", "circuit_breaker", "on_error", "fallback"};
// Keys that only make sense on call steps.
inline const Keys kCallOnlyKeys = {"count",           "timeout",  "retry",
                                   "circuit_breaker", "on_error", "fallback"};
inline const Keys kRetryKeys = {"attempts", "backoff", "multiplier", "max_backoff", "jitter", "on"};
inline const Keys kRetryOn = {"error", "unavailable", "timeout"};
inline const Keys kBreakerKeys = {"failure_threshold", "window", "minimum_calls", "open_for",
                                  "half_open_calls"};
inline const Keys kOnError = {"propagate", "fallback", "ignore"};
inline const Keys kRateLimitKeys = {"rps", "burst"};
inline const Keys kPropagationKeys = {"error", "unavailable", "timeout"};
inline const Keys kSpanKeys = {"name", "steps", "attributes"};
inline const Keys kEventKeys = {"name", "probability", "at", "attributes"};
inline const Keys kHttpKeys = {"method", "route"};
inline const Keys kGrpcKeys = {"service", "method"};
inline const Keys kGeneratorRefKeys = {"generator"};
inline const Keys kHttpMethods = {"GET",  "POST",    "PUT",     "DELETE", "PATCH",
                                  "HEAD", "OPTIONS", "CONNECT", "TRACE"};

constexpr uint32_t kUnlimitedQueue = std::numeric_limits<uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// Small text helpers.

// "product-catalog" -> "ProductCatalog".
inline std::string PascalCase(std::string_view name) {
  std::string out;
  bool up = true;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

// Splits "POST /checkout" into method and route; false when the name is not of that shape.
inline bool SplitHttpName(std::string_view name, std::string* method, std::string* route) {
  size_t sp = name.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string m(name.substr(0, sp));
  std::string_view r = name.substr(sp + 1);
  if (std::find(kHttpMethods.begin(), kHttpMethods.end(), m) == kHttpMethods.end()) return false;
  if (r.empty() || r[0] != '/' || r.find(' ') != std::string_view::npos) return false;
  *method = m;
  *route = std::string(r);
  return true;
}

// Route segments that are parameters: ":id", "{id}", "<id>".
inline bool IsParam(std::string_view seg) {
  return !seg.empty() && (seg[0] == ':' || seg[0] == '{' || seg[0] == '<');
}

inline std::vector<std::string_view> Segments(std::string_view route) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= route.size()) {
    size_t slash = route.find('/', start);
    if (slash == std::string_view::npos) slash = route.size();
    out.push_back(route.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Declarations (pass 1) and what the later passes read from them.

struct OpDecl {
  Fields f;
  uint32_t op;
};
struct ServiceDecl {
  Fields f;
  uint32_t service;
  bool dependency;
  std::vector<OpDecl> ops;
  std::vector<std::pair<Fields, uint32_t>> topics;
};
struct CallSite {
  uint32_t from, to;
  Val where;
};
// What an operation's compiled attributes need from its service.
struct ServiceCtx {
  std::string name, address, grpc_service, system, ns, type;
  int port = 0;
  sim::Protocol protocol = sim::Protocol::kHttp;
  const LanguageInfo* lang = nullptr;
  StrId version = sim::kEmptyStr;
};

// The state every pass shares.
struct CompileState {
  explicit CompileState(const std::string& source) : diag(source), r(diag) { m.source = source; }
  CompileState(const CompileState&) = delete;
  CompileState& operator=(const CompileState&) = delete;

  config::Diagnostics diag;
  config::Reader r;  // reads into diag
  Model m;
  std::string environment = "production";
  Distribution default_net = Distribution::Constant(200e3);  // 200us
  std::vector<ServiceDecl> decls;
  std::vector<CallSite> calls;
  std::map<std::string, int> service_lines;
  std::unordered_map<std::string, uint32_t> service_index;  // name -> index in m.services
  std::unordered_map<std::string, uint32_t> generator_index;
  std::unordered_map<std::string, uint32_t> topic_index;
  Keys generator_names;
  Keys topic_names;
  Keys op_refs;
  std::vector<uint32_t> consumes;    // per operation: consumed topic or kNone
  std::vector<StrId> broker_system;  // per service: its `system` (messaging.system of topics)
};

// The base of every pass: the shared state under the compiler's member names, and the scalar,
// distribution and attribute readers all passes use.
class Pass {
 protected:
  explicit Pass(CompileState& st)
      : st_(st),
        diag_(st.diag),
        r_(st.r),
        m_(st.m),
        environment_(st.environment),
        default_net_(st.default_net),
        decls_(st.decls),
        calls_(st.calls),
        service_lines_(st.service_lines),
        service_index_(st.service_index),
        generator_index_(st.generator_index),
        topic_index_(st.topic_index),
        generator_names_(st.generator_names),
        topic_names_(st.topic_names),
        op_refs_(st.op_refs),
        consumes_(st.consumes),
        broker_system_(st.broker_system) {}

  StrId S(std::string_view s) { return m_.strings.Intern(s); }

  // Model::FindOperationRef through the services' index: "svc.op" or "svc/op", the service being
  // the longest prefix that names one; kNone when absent. O(length of ref + the service's
  // operations), so resolving every call of a large topology stays linear in its size.
  uint32_t FindOperationRef(std::string_view ref) const {
    for (size_t i = ref.size(); i-- > 0;) {
      if (ref[i] != '.' && ref[i] != '/') continue;
      auto it = service_index_.find(std::string(ref.substr(0, i)));
      if (it == service_index_.end()) continue;
      const std::string_view op = ref.substr(i + 1);
      for (uint32_t o : m_.services[it->second].operations)
        if (m_.strings.Get(m_.operations[o].name) == op) return o;
    }
    return kNone;
  }
  AttrValue Vs(std::string_view s) { return AttrValue::String(S(s)); }

  // Sets key=value, replacing an existing entry (user attributes override derived ones).
  void SetAttr(std::vector<Attr>& attrs, std::string_view key, AttrValue v) {
    StrId k = S(key);
    for (Attr& a : attrs) {
      if (a.key == k) {
        a.value = v;
        return;
      }
    }
    attrs.push_back({k, v});
  }

  // ---- scalars, durations and distributions: config/reader.h, config/distribution.h ------------

  const Val* Require(const Fields& f, std::string_view key) { return r_.Require(f, key); }
  std::optional<std::string> Str(const Val& v) { return r_.Str(v); }
  std::optional<std::string> Name(const Fields& f) { return r_.Name(f); }
  std::optional<int64_t> Int(const Val& v, int64_t lo, int64_t hi) { return r_.Int(v, lo, hi); }
  std::optional<double> Number(const Val& v) { return r_.Number(v); }
  std::optional<double> Probability(const Val& v) { return r_.Probability(v); }
  std::optional<bool> Bool(const Val& v) { return r_.Bool(v); }
  std::optional<size_t> Choice(const Val& v, const Keys& names) { return r_.Enum(v, names); }
  std::optional<double> DurationNs(const Val& v, Need need) {
    auto d = r_.Duration(v, need);
    if (!d) return std::nullopt;
    return static_cast<double>(d->nanos());
  }
  std::optional<Distribution> Dist(const Val& v, Need need) {
    return config::ReadDistribution(r_, v, need);
  }
  std::optional<Distribution> Count(const Val& v) { return config::ReadCount(r_, v); }

  // A literal attribute value: quoted -> string; plain true/false, integers, decimals typed.
  std::optional<AttrValue> Literal(const Val& v) {
    if (!v.node.IsScalar()) {
      r_.Error(v, "expected a string, number or boolean, got " + Show(v.node));
      return std::nullopt;
    }
    const std::string& s = v.node.Scalar();
    if (v.node.Tag() != "!") {
      if (s == "true" || s == "false") return AttrValue::Bool(s == "true");
      if (auto i = ParseInt(s)) return AttrValue::Int(*i);
      if (auto d = ParseNumber(s)) return AttrValue::Double(*d);
    }
    return Vs(s);
  }

  std::vector<Attr> ParseLiteralMap(const Val& v) {
    std::vector<Attr> out;
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      if (auto lit = Literal(e.value)) SetAttr(out, e.key, *lit);
    }
    return out;
  }

  CompileState& st_;
  config::Diagnostics& diag_;
  config::Reader& r_;
  Model& m_;
  std::string& environment_;
  Distribution& default_net_;
  std::vector<ServiceDecl>& decls_;
  std::vector<CallSite>& calls_;
  std::map<std::string, int>& service_lines_;
  std::unordered_map<std::string, uint32_t>& service_index_;
  std::unordered_map<std::string, uint32_t>& generator_index_;
  std::unordered_map<std::string, uint32_t>& topic_index_;
  Keys& generator_names_;
  Keys& topic_names_;
  Keys& op_refs_;
  std::vector<uint32_t>& consumes_;
  std::vector<StrId>& broker_system_;
};

// ---------------------------------------------------------------------------------------------
// The passes' entry points.

// declarations.cc: `generators:`, then every service/dependency with its operations and topics.
void ParseGenerators(CompileState& st, const Val& v);
void Declare(CompileState& st, const Val& list, bool dependency);
// services.cc: one declared service or dependency, its operations and topics.
void BuildService(CompileState& st, const ServiceDecl& d);
void BuildDependency(CompileState& st, const ServiceDecl& d);
// programs.cc: an operation's steps (work, calls with resilience, parallel, publish, spans).
void ParseProgram(CompileState& st, const Fields& f, uint32_t op);
// checks.cc: calls to consumer/internal operations, synchronous call cycles.
void CheckCalls(CompileState& st);
void CheckCycles(CompileState& st);

}  // namespace tracesim::topologies::compiler

#endif  // TRACESIM_TOPOLOGIES_COMPILER_H_
