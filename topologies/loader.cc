// The topology compiler: YAML -> validated, finalized sim::Model. See doc/topology.md.
//
// Three passes over the document: (1) generators, then every service, dependency, operation and
// topic is declared so references can point forward; (2) each is built, resolving references and
// precomputing semantic-convention attributes; (3) whole-model checks (call cycles, calls to
// consumer operations, topic consumers). Problems are collected, never thrown, and reported
// together, sorted by position.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "config/distribution.h"
#include "config/reader.h"
#include "sim/suggest.h"
#include "topologies/semconv.h"
#include "topologies/topology.h"

namespace tracesim::sim {
extern const EmbeddedFile kBuiltinTopologies[];
}  // namespace tracesim::sim

namespace tracesim::topologies {
namespace {

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

Val At(const YAML::Node& node, std::string path, const Val& fallback) {
  return Val::At(node, std::move(path), fallback);
}
std::string Index(const std::string& path, size_t i) { return config::IndexPath(path, i); }
std::string DidYouMean(std::string_view word, const Keys& candidates) {
  return sim::DidYouMean(word, candidates);
}

// ---------------------------------------------------------------------------------------------
// Key sets (doc/topology.md documents each).

const Keys kTopKeys = {"name",       "description", "environment", "network_latency",
                       "generators", "services",    "dependencies"};
const Keys kGeneratorKeys = {"kind", "per", "prefix",  "cardinality", "skew",
                             "min",  "max", "choices", "probability"};
const Keys kServiceKeys = {"name",           "version",         "language",
                           "instances",      "concurrency",     "queue",
                           "load_balancing", "resource",        "baggage_to_attributes",
                           "port",           "address",         "protocol",
                           "grpc_service",   "network_latency", "operations",
                           "rate_limit"};
const Keys kOperationKeys = {"name",
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
const Keys kDependencyKeys = {"name",       "type",      "system",          "address",
                              "port",       "namespace", "network_latency", "capacity",
                              "operations", "topics"};
const Keys kCapacityKeys = {"instances", "concurrency", "queue", "load_balancing"};
const Keys kDepOperationKeys = {"name",   "latency",      "operation",  "collection",
                                "query",  "http",         "attributes", "error_rate",
                                "status", "error_status", "error_type", "error_message"};
const Keys kTopicKeys = {"name", "publish_latency", "delivery_latency"};
const Keys kStepKeys = {"work",        "call",  "parallel", "publish",         "span",
                        "probability", "count", "timeout",  "circuit_breaker", "on_error",
                        "fallback",    "retry"};
const Keys kStepKinds = {"work", "call", "parallel", "publish", "span"};
const Keys kCallKeys = {"call",  "probability",     "count",    "timeout",
                        "retry", "circuit_breaker", "on_error", "fallback"};
// Keys that only make sense on call steps.
const Keys kCallOnlyKeys = {"count", "timeout", "retry", "circuit_breaker", "on_error", "fallback"};
const Keys kRetryKeys = {"attempts", "backoff", "multiplier", "max_backoff", "jitter", "on"};
const Keys kRetryOn = {"error", "unavailable", "timeout"};
const Keys kBreakerKeys = {"failure_threshold", "window", "minimum_calls", "open_for",
                           "half_open_calls"};
const Keys kOnError = {"propagate", "fallback", "ignore"};
const Keys kRateLimitKeys = {"rps", "burst"};
const Keys kPropagationKeys = {"error", "unavailable", "timeout"};
const Keys kSpanKeys = {"name", "steps", "attributes"};
const Keys kEventKeys = {"name", "probability", "at", "attributes"};
const Keys kHttpKeys = {"method", "route"};
const Keys kGrpcKeys = {"service", "method"};
const Keys kGeneratorRefKeys = {"generator"};
const Keys kHttpMethods = {"GET",  "POST",    "PUT",     "DELETE", "PATCH",
                           "HEAD", "OPTIONS", "CONNECT", "TRACE"};

constexpr uint32_t kUnlimitedQueue = std::numeric_limits<uint32_t>::max();

// ---------------------------------------------------------------------------------------------
// Small text helpers.

// "product-catalog" -> "ProductCatalog".
std::string PascalCase(std::string_view name) {
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
bool SplitHttpName(std::string_view name, std::string* method, std::string* route) {
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
bool IsParam(std::string_view seg) {
  return !seg.empty() && (seg[0] == ':' || seg[0] == '{' || seg[0] == '<');
}

std::vector<std::string_view> Segments(std::string_view route) {
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
// The compiler.

class Compiler {
 public:
  explicit Compiler(const std::string& source) : diag_(source), r_(diag_) { m_.source = source; }

  sim::Result<Model> Run(std::string_view yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
      diag_.Error(e.mark.line + 1, e.mark.column + 1, "", "YAML syntax error: " + e.msg);
      return Status::InvalidArgument(diag_.ErrorText());
    } catch (const std::exception& e) {
      diag_.Error(1, 1, "", std::string("cannot read YAML: ") + e.what());
      return Status::InvalidArgument(diag_.ErrorText());
    }
    try {
      Compile(root);
    } catch (const std::exception& e) {  // yaml-cpp may throw on odd documents; never escape
      return Status::Internal(m_.source + ": topology compiler failed: " + e.what());
    }
    if (diag_.has_errors()) return Status::InvalidArgument(diag_.ErrorText());
    m_.Finalize();
    return std::move(m_);
  }

 private:
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

  StrId S(std::string_view s) { return m_.strings.Intern(s); }
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

  // ---- pass 1: generators and declarations ----------------------------------------------------

  void ParseGenerators(const Val& v) {
    Fields all(diag_, v, nullptr);
    static const Keys kKinds = {"id", "int", "choice", "bool"};
    static const Keys kPer = {"span", "trace"};
    static const std::map<std::string, Keys> kApplies = {
        {"id", {"kind", "per", "prefix", "cardinality", "skew"}},
        {"int", {"kind", "per", "min", "max"}},
        {"choice", {"kind", "per", "choices"}},
        {"bool", {"kind", "per", "probability"}}};
    for (const auto& e : all.entries()) {
      sim::AttrGenerator g;
      g.name = S(e.key);
      generator_index_[e.key] = static_cast<uint32_t>(m_.generators.size());
      generator_names_.push_back(e.key);
      Fields f(diag_, e.value, &kGeneratorKeys);
      const Val* kind_v = Require(f, "kind");
      std::optional<size_t> kind;
      if (kind_v) kind = Choice(*kind_v, kKinds);
      if (const Val* per = f.Get("per")) {
        if (auto p = Choice(*per, kPer))
          g.scope = *p == 1 ? sim::AttrGenerator::Scope::kTrace : sim::AttrGenerator::Scope::kSpan;
      }
      if (kind) {
        const Keys& ok = kApplies.at(kKinds[*kind]);
        for (const auto& fe : f.entries()) {
          if (std::find(ok.begin(), ok.end(), fe.key) == ok.end())
            r_.Error(fe.key_val, "key " + Quote(fe.key) + " does not apply to kind " +
                                     Quote(kKinds[*kind]) + " (it takes: " + JoinList(ok) + ")");
        }
      }
      switch (kind.value_or(99)) {
        case 0: {  // id
          g.kind = sim::AttrGenerator::Kind::kIdPool;
          if (const Val* p = f.Get("prefix"))
            if (auto s = Str(*p)) g.prefix = S(*s);
          if (const Val* c = Require(f, "cardinality"))
            if (auto n = Int(*c, 1, std::numeric_limits<int64_t>::max()))
              g.cardinality = static_cast<uint64_t>(*n);
          if (const Val* s = f.Get("skew")) {
            auto x = Number(*s);
            if (x && *x < 0) r_.Error(*s, "skew must be >= 0 (0 = uniform), got " + *Str(*s));
            if (x && *x >= 0) g.skew = *x;
          }
          break;
        }
        case 1: {  // int
          g.kind = sim::AttrGenerator::Kind::kIntRange;
          const Val* lo = Require(f, "min");
          const Val* hi = Require(f, "max");
          constexpr int64_t kLim = std::numeric_limits<int64_t>::max() / 4;
          std::optional<int64_t> a, b;
          if (lo) a = Int(*lo, -kLim, kLim);
          if (hi) b = Int(*hi, -kLim, kLim);
          if (a && b && *b < *a)
            r_.Error(*hi,
                     "max (" + std::to_string(*b) + ") is below min (" + std::to_string(*a) + ")");
          if (a) g.min = *a;
          if (b) g.max = std::max(*b, g.min);
          break;
        }
        case 2: {  // choice
          g.kind = sim::AttrGenerator::Kind::kWeighted;
          const Val* c = Require(f, "choices");
          if (c == nullptr) break;
          Fields cf(diag_, *c, nullptr);
          double total = 0;
          std::vector<double> weights;
          for (const auto& ce : cf.entries()) {
            auto value = Literal(ce.key_val);
            auto w = Number(ce.value);
            if (w && !(*w > 0)) {
              r_.Error(ce.value, "a weight must be > 0, got " + ce.value.node.Scalar());
              w.reset();
            }
            if (!value || !w) continue;
            g.choices.push_back(*value);
            weights.push_back(*w);
            total += *w;
          }
          if (cf.ok() && cf.entries().empty())
            r_.Error(*c, "a choice generator needs at least one value: weight");
          double acc = 0;
          for (double w : weights) {
            acc += w;
            g.cumulative.push_back(acc / total);
          }
          if (!g.cumulative.empty()) g.cumulative.back() = 1.0;
          break;
        }
        case 3:  // bool
          g.kind = sim::AttrGenerator::Kind::kBool;
          if (const Val* p = f.Get("probability"))
            if (auto x = Probability(*p)) g.probability = *x;
          break;
        default:
          break;
      }
      m_.generators.push_back(std::move(g));
    }
  }

  void Declare(const Val& list, bool dependency) {
    if (!list.node.IsSequence()) {
      r_.Error(list, "expected a list of " + std::string(dependency ? "dependencies" : "services") +
                         ", got " + Show(list.node));
      return;
    }
    for (size_t i = 0; i < list.node.size(); ++i) {
      Val item = At(list.node[i], Index(list.path, i), list);
      Fields f(diag_, item, dependency ? &kDependencyKeys : &kServiceKeys);
      if (!f.ok()) continue;
      auto name = Name(f);
      if (!name) continue;
      if (auto it = service_lines_.find(*name); it != service_lines_.end()) {
        r_.Error(*f.Get("name"), "duplicate service name " + Quote(*name) +
                                     " (first defined at line " + std::to_string(it->second) + ")");
        continue;
      }
      service_lines_[*name] = f.Get("name")->line;
      ServiceDecl d{f, static_cast<uint32_t>(m_.services.size()), dependency, {}, {}};
      sim::Service s;
      s.name = S(*name);
      m_.services.push_back(std::move(s));
      if (const Val* ops = f.Get("operations")) {
        if (!ops->node.IsSequence()) {
          r_.Error(*ops, "expected a list of operations, got " + Show(ops->node));
        } else {
          std::map<std::string, int> seen;
          for (size_t j = 0; j < ops->node.size(); ++j) {
            Val ov = At(ops->node[j], Index(ops->path, j), *ops);
            Fields of(diag_, ov, dependency ? &kDepOperationKeys : &kOperationKeys);
            if (!of.ok()) continue;
            auto op_name = Name(of);
            if (!op_name) continue;
            if (auto it = seen.find(*op_name); it != seen.end()) {
              r_.Error(*of.Get("name"), "duplicate operation " + Quote(*op_name) + " in " +
                                            Quote(*name) + " (first defined at line " +
                                            std::to_string(it->second) + ")");
              continue;
            }
            seen[*op_name] = of.Get("name")->line;
            sim::Operation op;
            op.name = S(*op_name);
            op.service = d.service;
            d.ops.push_back({of, static_cast<uint32_t>(m_.operations.size())});
            m_.services[d.service].operations.push_back(
                static_cast<uint32_t>(m_.operations.size()));
            m_.operations.push_back(std::move(op));
            op_refs_.push_back(*name + "." + *op_name);
          }
        }
      }
      if (const Val* topics = f.Get("topics"); topics && dependency) {
        if (!topics->node.IsSequence()) {
          r_.Error(*topics, "expected a list of topics, got " + Show(topics->node));
        } else {
          for (size_t j = 0; j < topics->node.size(); ++j) {
            Val tv = At(topics->node[j], Index(topics->path, j), *topics);
            Fields tf(diag_, tv, &kTopicKeys);
            if (!tf.ok()) continue;
            auto tname = Name(tf);
            if (!tname) continue;
            if (topic_index_.count(*tname)) {
              r_.Error(*tf.Get("name"), "duplicate topic " + Quote(*tname));
              continue;
            }
            topic_index_[*tname] = static_cast<uint32_t>(m_.topics.size());
            topic_names_.push_back(*tname);
            sim::Topic t;
            t.name = S(*tname);
            t.broker = d.service;
            d.topics.emplace_back(tf, static_cast<uint32_t>(m_.topics.size()));
            m_.topics.push_back(std::move(t));
          }
        }
      }
      decls_.push_back(std::move(d));
    }
  }

  // ---- pass 2: services -------------------------------------------------------------------------

  // instances/concurrency/queue/load_balancing, shared by services and dependency capacity.
  void ParseCapacity(const Fields& f, sim::Service& s) {
    if (const Val* v = f.Get("instances"))
      if (auto n = Int(*v, 1, 100000)) s.instances = static_cast<uint32_t>(*n);
    if (const Val* v = f.Get("concurrency"))
      if (auto n = Int(*v, 0, 1000000)) s.concurrency = static_cast<uint32_t>(*n);
    s.queue_capacity = kUnlimitedQueue;
    if (const Val* v = f.Get("queue")) {
      if (v->node.IsScalar() && v->node.Scalar() == "unlimited") {
        s.queue_capacity = kUnlimitedQueue;
      } else if (auto n = Int(*v, 0, 100000000)) {
        s.queue_capacity = static_cast<uint32_t>(*n);
      }
    }
    if (const Val* v = f.Get("load_balancing")) {
      static const Keys kLb = {"round_robin", "random", "least_outstanding"};
      if (auto lb = Choice(*v, kLb)) s.load_balancing = static_cast<sim::LoadBalancing>(*lb);
    }
  }

  std::vector<Attr> ParseLiteralMap(const Val& v) {
    std::vector<Attr> out;
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      if (auto lit = Literal(e.value)) SetAttr(out, e.key, *lit);
    }
    return out;
  }

  std::optional<uint32_t> GeneratorRef(const Val& v) {
    Fields f(diag_, v, &kGeneratorRefKeys);
    const Val* g = Require(f, "generator");
    if (g == nullptr) return std::nullopt;
    auto name = Str(*g);
    if (!name) return std::nullopt;
    auto it = generator_index_.find(*name);
    if (it == generator_index_.end()) {
      r_.Error(*g, "unknown generator " + Quote(*name) + DidYouMean(*name, generator_names_));
      return std::nullopt;
    }
    return it->second;
  }

  // `key: literal` or `key: {generator: name}` entries.
  void ParseAttributes(const Val& v, std::vector<Attr>& attrs,
                       std::vector<sim::DynamicAttr>& dynamic) {
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      StrId key = S(e.key);
      if (e.value.node.IsMap()) {
        auto g = GeneratorRef(e.value);
        if (!g) continue;
        std::erase_if(attrs, [&](const Attr& a) { return a.key == key; });
        std::erase_if(dynamic, [&](const sim::DynamicAttr& d) { return d.key == key; });
        dynamic.push_back({key, *g});
      } else if (auto lit = Literal(e.value)) {
        std::erase_if(dynamic, [&](const sim::DynamicAttr& d) { return d.key == key; });
        SetAttr(attrs, e.key, *lit);
      }
    }
  }

  // A generator created by the compiler (ids in URLs, literal baggage).
  uint32_t AutoGenerator(sim::AttrGenerator g) {
    m_.generators.push_back(std::move(g));
    return static_cast<uint32_t>(m_.generators.size() - 1);
  }

  // `key` = base + route; a route whose only parameter is its last segment gets an id
  // generator ("/orders/" + 1..10000), other parameters are filled with "1".
  void AddPathAttr(std::vector<Attr>& attrs, std::vector<sim::DynamicAttr>& dynamic,
                   std::string_view key, const std::string& base, const std::string& route) {
    std::vector<std::string_view> segs = Segments(route);
    size_t params = std::count_if(segs.begin(), segs.end(), IsParam);
    if (params == 0) {
      SetAttr(attrs, key, Vs(base + route));
      return;
    }
    if (params == 1 && IsParam(segs.back())) {
      sim::AttrGenerator g;
      std::string prefix = base + route.substr(0, route.size() - segs.back().size());
      g.name = S("auto:" + std::string(key) + ":" + prefix);
      g.kind = sim::AttrGenerator::Kind::kIdPool;
      g.prefix = S(prefix);
      g.cardinality = 10000;
      dynamic.push_back({S(key), AutoGenerator(std::move(g))});
      return;
    }
    std::string filled;
    for (size_t i = 0; i < segs.size(); ++i) {
      if (i) filled += "/";
      filled += IsParam(segs[i]) ? std::string("1") : std::string(segs[i]);
    }
    SetAttr(attrs, key, Vs(base + filled));
  }

  // HTTP method and route: from `http: {method, route}` or a name such as "GET /orders/:id".
  bool HttpDetails(const Fields& f, const std::string& name, std::string* method,
                   std::string* route) {
    bool from_name = SplitHttpName(name, method, route);
    if (const Val* h = f.Get("http")) {
      Fields hf(diag_, *h, &kHttpKeys);
      if (const Val* m = hf.Get("method")) {
        if (auto i = Choice(At(m->node, m->path, *m), kHttpMethods)) *method = kHttpMethods[*i];
      } else if (!from_name) {
        *method = "GET";
      }
      if (const Val* r = hf.Get("route")) {
        auto s = Str(*r);
        if (s && (s->empty() || (*s)[0] != '/')) r_.Error(*r, "a route starts with '/'");
        if (s) *route = *s;
        from_name = true;
      }
      if (!from_name && hf.ok()) {
        r_.Error(*h, "missing required key 'route'");
        return false;
      }
      return hf.ok();
    }
    if (!from_name) {
      r_.Error(*f.Get("name"),
               "an http operation needs a name such as 'GET /orders/:id' or an "
               "'http: {method, route}' key");
    }
    return from_name;
  }

  void ParseStatus(const Fields& f, sim::Operation& op) {
    bool grpc = op.protocol == sim::Protocol::kGrpc;
    bool http = op.protocol == sim::Protocol::kHttp;
    if (grpc) {
      op.ok_status = 0;
      op.error_status = 13;  // INTERNAL
    } else if (!http) {
      op.ok_status = 0;
      op.error_status = 0;
    }
    auto code = [&](const Val& v) -> std::optional<int> {
      if (http) {
        auto n = Int(v, 100, 599);
        return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
      }
      if (v.node.IsScalar()) {
        if (auto n = ParseInt(v.node.Scalar())) {
          auto c = Int(v, 0, 16);
          return c ? std::optional<int>(static_cast<int>(*c)) : std::nullopt;
        }
        Keys names;
        for (int c = 0; c <= 16; ++c) names.emplace_back(sim::GrpcCodeName(c));
        if (auto c = Choice(v, names)) return static_cast<int>(*c);
        return std::nullopt;
      }
      r_.Error(v, "expected a gRPC status code (0..16 or a name such as UNAVAILABLE), got " +
                      Show(v.node));
      return std::nullopt;
    };
    if (const Fields::Entry* e = f.Find("error_propagation")) {
      if (!http && !grpc) {
        r_.Error(e->key_val, "'error_propagation' applies to http and grpc operations only");
      } else {
        Fields pf(diag_, e->value, &kPropagationKeys);
        if (const Val* v = pf.Get("error"))
          if (auto c = code(*v)) op.status_on_error = *c;
        if (const Val* v = pf.Get("unavailable"))
          if (auto c = code(*v)) op.status_on_unavailable = *c;
        if (const Val* v = pf.Get("timeout"))
          if (auto c = code(*v)) op.status_on_timeout = *c;
      }
    }
    for (std::string_view key : {"status", "error_status"}) {
      const Fields::Entry* e = f.Find(key);
      if (e == nullptr) continue;
      if (!http && !grpc) {
        r_.Error(e->key_val, Quote(key) + " applies to http and grpc operations only");
        continue;
      }
      if (auto c = code(e->value)) (key == "status" ? op.ok_status : op.error_status) = *c;
    }
    if (const Val* v = f.Get("error_rate"))
      if (auto p = Probability(*v)) op.error_rate = *p;
    if (const Val* v = f.Get("error_type"))
      if (auto s = Str(*v)) op.error_type = S(*s);
    if (const Val* v = f.Get("error_message"))
      if (auto s = Str(*v)) op.error_message = S(*s);
  }

  void BuildService(const ServiceDecl& d) {
    const Fields& f = d.f;
    sim::Service& s = m_.services[d.service];
    ServiceCtx ctx;
    ctx.name = std::string(m_.strings.Get(s.name));
    s.kind = sim::ServiceKind::kService;
    std::string version = "1.0.0";
    if (const Val* v = f.Get("version"))
      if (auto x = Str(*v)) version = *x;
    s.version = ctx.version = S(version);
    ctx.lang = FindLanguage("go");
    if (const Val* v = f.Get("language")) {
      Keys names = LanguageNames();
      if (auto i = Choice(*v, names)) ctx.lang = FindLanguage(names[*i]);
    }
    ParseCapacity(f, s);
    if (const Val* v = f.Get("rate_limit")) {
      Fields rf(diag_, *v, &kRateLimitKeys);
      if (const Val* r = Require(rf, "rps")) {
        auto x = Number(*r);
        if (x && *x <= 0) r_.Error(*r, "rps must be > 0, got " + r->node.Scalar());
        if (x && *x > 0) s.rate_limit_rps = *x;
      }
      if (const Val* b = rf.Get("burst")) {
        auto x = Number(*b);
        if (x && *x < 1) r_.Error(*b, "burst must be >= 1, got " + b->node.Scalar());
        if (x && *x >= 1) s.rate_limit_burst = *x;
      }
    }
    if (const Val* v = f.Get("protocol")) {
      static const Keys kProto = {"http", "grpc"};
      if (auto p = Choice(*v, kProto))
        ctx.protocol = *p ? sim::Protocol::kGrpc : sim::Protocol::kHttp;
    }
    ctx.port = ctx.protocol == sim::Protocol::kGrpc ? 50051 : 8080;
    if (const Val* v = f.Get("port"))
      if (auto n = Int(*v, 1, 65535)) ctx.port = static_cast<int>(*n);
    ctx.address = ctx.name;
    if (const Val* v = f.Get("address"))
      if (auto x = Str(*v)) ctx.address = *x;
    ctx.grpc_service = PascalCase(ctx.name) + "Service";
    if (const Val* v = f.Get("grpc_service"))
      if (auto x = Str(*v)) ctx.grpc_service = *x;
    s.port = ctx.port;
    s.address = S(ctx.address);
    s.network_latency = default_net_;
    if (const Val* v = f.Get("network_latency"))
      if (auto dist = Dist(*v, Need::kNonNegative)) s.network_latency = *dist;
    if (const Val* v = f.Get("baggage_to_attributes"))
      if (auto b = Bool(*v)) s.baggage_to_attributes = *b;
    std::vector<Attr> user_resource;
    if (const Val* v = f.Get("resource")) user_resource = ParseLiteralMap(*v);

    const Val* ops = Require(f, "operations");
    if (ops && ops->node.IsSequence() && ops->node.size() == 0)
      r_.Error(*ops, "a service needs at least one operation");
    for (const OpDecl& od : d.ops) BuildOperation(ctx, od);

    for (uint32_t i = 0; i < s.instances; ++i) {
      sim::Resource r;
      r.service = d.service;
      r.instance = i;
      std::string host = HostName(ctx.name, i);
      r.host = S(host);
      SetAttr(r.attrs, "service.name", Vs(ctx.name));
      SetAttr(r.attrs, "service.version", Vs(version));
      SetAttr(r.attrs, "service.instance.id", Vs(ServiceInstanceId(ctx.name, i)));
      SetAttr(r.attrs, "host.name", Vs(host));
      SetAttr(r.attrs, "deployment.environment.name", Vs(environment_));
      SetAttr(r.attrs, "telemetry.sdk.name", Vs("opentelemetry"));
      SetAttr(r.attrs, "telemetry.sdk.language", Vs(ctx.lang->name));
      SetAttr(r.attrs, "telemetry.sdk.version", Vs(ctx.lang->sdk_version));
      for (const Attr& a : user_resource) SetAttr(r.attrs, m_.strings.Get(a.key), a.value);
      s.resources.push_back(static_cast<uint32_t>(m_.resources.size()));
      m_.resources.push_back(std::move(r));
    }
  }

  void BuildOperation(const ServiceCtx& ctx, const OpDecl& od) {
    const Fields& f = od.f;
    sim::Operation& op = m_.operations[od.op];
    std::string name(m_.strings.Get(op.name));
    static const Keys kKinds = {"server", "consumer", "internal"};
    size_t kind = 0;
    if (const Val* v = f.Get("kind"))
      if (auto k = Choice(*v, kKinds)) kind = *k;
    op.protocol = ctx.protocol;
    if (const Fields::Entry* e = f.Find("protocol")) {
      static const Keys kProto = {"http", "grpc"};
      if (kind != 0) {
        r_.Error(e->key_val, "'protocol' applies to server operations only");
      } else if (auto p = Choice(e->value, kProto)) {
        op.protocol = *p ? sim::Protocol::kGrpc : sim::Protocol::kHttp;
      }
    }
    auto only = [&](std::string_view key, bool applies, std::string_view why) {
      if (const Fields::Entry* e = f.Find(key); e && !applies)
        r_.Error(e->key_val, Quote(key) + " " + std::string(why));
    };
    only("http", kind == 0 && op.protocol == sim::Protocol::kHttp,
         "applies to http server operations only");
    only("grpc", kind == 0 && op.protocol == sim::Protocol::kGrpc,
         "applies to grpc server operations only");
    only("consumes", kind == 1, "needs 'kind: consumer'");

    const LanguageInfo& lang = *ctx.lang;
    auto scope = [&](std::string_view name, std::string_view version) {
      if (name.empty()) {  // manual instrumentation: a tracer named after the service
        op.scope_name = S(ctx.name);
        op.scope_version = ctx.version;
      } else {
        op.scope_name = S(name);
        op.scope_version = S(version);
      }
    };
    const std::string port = std::to_string(ctx.port);
    if (kind == 0 && op.protocol == sim::Protocol::kHttp) {
      op.kind = sim::SpanKind::kServer;
      std::string method = "GET", route = "/";
      HttpDetails(f, name, &method, &route);
      op.span_name = S(method + " " + route);
      SetAttr(op.attrs, "http.request.method", Vs(method));
      SetAttr(op.attrs, "http.route", Vs(route));
      AddPathAttr(op.attrs, op.dynamic_attrs, "url.path", "", route);
      SetAttr(op.attrs, "url.scheme", Vs("http"));
      SetAttr(op.attrs, "server.address", Vs(ctx.address));
      SetAttr(op.attrs, "server.port", AttrValue::Int(ctx.port));
      SetAttr(op.attrs, "network.protocol.version", Vs("1.1"));
      op.client_span_name = S(method);
      SetAttr(op.client_attrs, "http.request.method", Vs(method));
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
      AddPathAttr(op.client_attrs, op.client_dynamic_attrs, "url.full",
                  "http://" + ctx.address + ":" + port, route);
      SetAttr(op.client_attrs, "network.protocol.version", Vs("1.1"));
      scope(lang.http_scope, lang.http_scope_version);
    } else if (kind == 0) {  // grpc
      op.kind = sim::SpanKind::kServer;
      std::string service = ctx.grpc_service, method = name;
      if (size_t slash = name.rfind('/'); slash != std::string::npos) {
        service = name.substr(0, slash);
        method = name.substr(slash + 1);
      }
      if (const Val* g = f.Get("grpc")) {
        Fields gf(diag_, *g, &kGrpcKeys);
        if (const Val* v = gf.Get("service"))
          if (auto x = Str(*v)) service = *x;
        if (const Val* v = gf.Get("method"))
          if (auto x = Str(*v)) method = *x;
      }
      op.span_name = op.client_span_name = S(service + "/" + method);
      for (auto* attrs : {&op.attrs, &op.client_attrs}) {
        SetAttr(*attrs, "rpc.system", Vs("grpc"));
        SetAttr(*attrs, "rpc.service", Vs(service));
        SetAttr(*attrs, "rpc.method", Vs(method));
      }
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
      scope(lang.grpc_scope, lang.grpc_scope_version);
    } else if (kind == 1) {  // consumer
      op.kind = sim::SpanKind::kConsumer;
      op.protocol = sim::Protocol::kMessaging;
      if (const Val* c = Require(f, "consumes")) {
        if (auto topic = Str(*c)) {
          auto it = topic_index_.find(*topic);
          if (it == topic_index_.end()) {
            r_.Error(*c, "unknown topic " + Quote(*topic) + DidYouMean(*topic, topic_names_));
          } else {
            consumes_[od.op] = it->second;
            const sim::Topic& t = m_.topics[it->second];
            op.span_name = S("process " + *topic);
            SetAttr(op.attrs, "messaging.system", AttrValue::String(broker_system_[t.broker]));
            SetAttr(op.attrs, "messaging.destination.name", Vs(*topic));
            SetAttr(op.attrs, "messaging.operation.type", Vs("process"));
            SetAttr(op.attrs, "messaging.operation.name", Vs("process"));
            SetAttr(op.attrs, "messaging.consumer.group.name", Vs(ctx.name));
          }
        }
      }
      scope(lang.messaging_scope, lang.messaging_scope_version);
    } else {  // internal
      op.kind = sim::SpanKind::kInternal;
      op.protocol = sim::Protocol::kInternal;
      op.span_name = op.name;
      scope("", "");
    }

    if (const Val* v = f.Get("attributes")) ParseAttributes(*v, op.attrs, op.dynamic_attrs);
    if (const Val* v = f.Get("events")) ParseEvents(*v, op.events);
    if (const Val* v = f.Get("baggage")) ParseBaggage(*v, op.baggage);
    ParseStatus(f, op);
    if (const Val* v = f.Get("propagate_errors"))
      if (auto b = Bool(*v)) op.propagate_errors = *b;
    ParseProgram(f, od.op);
  }

  void ParseEvents(const Val& v, std::vector<sim::EventSpec>& out) {
    if (!v.node.IsSequence()) {
      r_.Error(v, "expected a list of events, got " + Show(v.node));
      return;
    }
    for (size_t i = 0; i < v.node.size(); ++i) {
      Fields f(diag_, At(v.node[i], Index(v.path, i), v), &kEventKeys);
      if (!f.ok()) continue;
      sim::EventSpec e;
      if (auto n = Name(f)) e.name = S(*n);
      if (const Val* p = f.Get("probability"))
        if (auto x = Probability(*p)) e.probability = *x;
      if (const Val* a = f.Get("at")) {
        static const Keys kAt = {"start", "end"};
        if (auto x = Choice(*a, kAt)) e.at_end = *x == 1;
      }
      if (const Val* a = f.Get("attributes")) e.attrs = ParseLiteralMap(*a);
      out.push_back(std::move(e));
    }
  }

  void ParseBaggage(const Val& v, std::vector<sim::DynamicAttr>& out) {
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      if (e.value.node.IsMap()) {
        if (auto g = GeneratorRef(e.value)) out.push_back({S(e.key), *g});
      } else if (auto lit = Literal(e.value)) {  // a constant: a one-choice generator
        sim::AttrGenerator g;
        g.name = S("auto:baggage:" + e.key);
        g.kind = sim::AttrGenerator::Kind::kWeighted;
        g.choices = {*lit};
        g.cumulative = {1.0};
        out.push_back({S(e.key), AutoGenerator(std::move(g))});
      }
    }
  }

  // ---- programs
  // ----------------------------------------------------------------------------------

  void ParseProgram(const Fields& f, uint32_t op) {
    const Val* steps = f.Get("steps");
    const Val* work = f.Get("work");
    const Val* calls = f.Get("calls");
    std::vector<sim::Step> program;
    if (steps && (work || calls)) {
      r_.Error(*steps, "use either 'steps' or the 'work'/'calls' shorthand, not both");
      return;
    }
    if (steps) {
      ParseStepList(*steps, op, program);
    } else {
      if (work) {
        if (auto d = Dist(*work, Need::kPositive)) {
          sim::Step s;
          s.kind = sim::Step::Kind::kWork;
          s.work = *d;
          program.push_back(std::move(s));
        }
      }
      if (calls) {
        if (!calls->node.IsSequence()) {
          r_.Error(*calls, "expected a list of calls, got " + Show(calls->node));
        } else {
          for (size_t i = 0; i < calls->node.size(); ++i) {
            Val cv = At(calls->node[i], Index(calls->path, i), *calls);
            std::optional<sim::Step> s;
            if (cv.node.IsScalar()) {
              s = CallStep(cv, op, nullptr);
            } else {
              Fields cf(diag_, cv, &kCallKeys);
              if (!cf.ok()) continue;
              if (const Val* c = Require(cf, "call")) s = CallStep(*c, op, &cf);
            }
            if (s) program.push_back(std::move(*s));
          }
        }
      }
      if (!work && !calls && f.ok())
        r_.Error(f.self(), "an operation needs a program: 'steps', or 'work' and/or 'calls'");
    }
    m_.operations[op].steps = std::move(program);
  }

  void ParseStepList(const Val& v, uint32_t op, std::vector<sim::Step>& out) {
    if (!v.node.IsSequence()) {
      r_.Error(v, "expected a list of steps, got " + Show(v.node));
      return;
    }
    if (v.node.size() == 0) r_.Error(v, "expected at least one step");
    for (size_t i = 0; i < v.node.size(); ++i) {
      if (auto s = ParseStep(At(v.node[i], Index(v.path, i), v), op)) out.push_back(std::move(*s));
    }
  }

  // A call step: `ref` names the target; `f` (may be null) holds the call's other keys.
  std::optional<sim::Step> CallStep(const Val& ref, uint32_t from, const Fields* f) {
    sim::Step s;
    s.kind = sim::Step::Kind::kCall;
    bool ok = true;
    if (const Val* probability = f ? f->Get("probability") : nullptr) {
      auto p = Probability(*probability);
      ok &= p.has_value();
      if (p) s.call.probability = *p;
    }
    if (const Val* count = f ? f->Get("count") : nullptr) {
      auto c = Count(*count);
      ok &= c.has_value();
      if (c) s.call.count = *c;
    }
    if (f) ok &= ParseResilience(*f, s.call);
    auto name = Str(ref);
    if (!name) return std::nullopt;
    uint32_t target = m_.FindOperationRef(*name);
    if (target == kNone) {
      std::string hint = DidYouMean(*name, op_refs_);
      if (hint.empty() && name->find('.') == std::string::npos)
        hint = " (write it as service.operation)";
      r_.Error(ref, "unknown operation " + Quote(*name) + hint);
      return std::nullopt;
    }
    s.call.target = target;
    calls_.push_back({from, target, ref});
    if (!ok) return std::nullopt;
    return s;
  }

  std::optional<sim::Duration> PositiveDuration(const Val& v) {
    auto ns = DurationNs(v, Need::kPositive);
    if (!ns) return std::nullopt;
    return sim::Duration::Nanos(static_cast<int64_t>(*ns));
  }

  // timeout, retry, circuit_breaker, on_error, fallback of a call (doc/topology.md#resilience).
  bool ParseResilience(const Fields& f, sim::CallSpec& call) {
    bool ok = true;
    if (const Val* v = f.Get("timeout")) {
      auto d = PositiveDuration(*v);
      ok &= d.has_value();
      if (d) call.timeout = *d;
    }
    if (const Val* v = f.Get("retry")) {
      sim::RetryPolicy& r = call.retry;
      r.max_attempts = 3;  // `retry:` present means retrying; 3 attempts unless told otherwise
      if (v->node.IsScalar()) {
        auto n = Int(*v, 1, 100);
        ok &= n.has_value();
        if (n) r.max_attempts = static_cast<uint32_t>(*n);
      } else {
        Fields rf(diag_, *v, &kRetryKeys);
        ok &= rf.ok();
        if (const Val* a = rf.Get("attempts")) {
          auto n = Int(*a, 1, 100);
          ok &= n.has_value();
          if (n) r.max_attempts = static_cast<uint32_t>(*n);
        }
        if (const Val* b = rf.Get("backoff")) {
          auto d = DurationNs(*b, Need::kNonNegative);
          ok &= d.has_value();
          if (d) r.initial_backoff = sim::Duration::Nanos(static_cast<int64_t>(*d));
        }
        if (const Val* m = rf.Get("multiplier")) {
          auto x = Number(*m);
          if (x && *x < 1)
            r_.Error(*m, "a backoff multiplier must be >= 1, got " + m->node.Scalar());
          ok &= x && *x >= 1;
          if (x) r.multiplier = *x;
        }
        if (const Val* m = rf.Get("max_backoff")) {
          auto d = PositiveDuration(*m);
          ok &= d.has_value();
          if (d) r.max_backoff = *d;
        }
        if (const Val* j = rf.Get("jitter")) {
          auto x = Probability(*j);
          ok &= x.has_value();
          if (x) r.jitter = *x;
        }
        if (const Val* on = rf.Get("on")) {
          if (!on->node.IsSequence() || on->node.size() == 0) {
            r_.Error(*on, "expected a non-empty list of " + JoinList(kRetryOn) + ", got " +
                              Show(on->node));
            ok = false;
          } else {
            r.on_error = r.on_unavailable = r.on_timeout = false;
            for (size_t i = 0; i < on->node.size(); ++i) {
              auto c = Choice(At(on->node[i], Index(on->path, i), *on), kRetryOn);
              ok &= c.has_value();
              if (!c) continue;
              (*c == 0 ? r.on_error : *c == 1 ? r.on_unavailable : r.on_timeout) = true;
            }
          }
        }
      }
    }
    if (const Val* v = f.Get("circuit_breaker")) {
      sim::CircuitBreakerSpec& b = call.breaker;
      if (v->node.IsScalar()) {
        auto on = Bool(*v);
        ok &= on.has_value();
        b.enabled = on.value_or(false);
      } else {
        b.enabled = true;
        Fields bf(diag_, *v, &kBreakerKeys);
        ok &= bf.ok();
        if (const Val* x = bf.Get("failure_threshold")) {
          auto p = Probability(*x);
          if (p && *p == 0) r_.Error(*x, "failure_threshold must be > 0");
          ok &= p && *p > 0;
          if (p) b.failure_threshold = *p;
        }
        auto count = [&](const char* key, uint32_t* out) {
          if (const Val* x = bf.Get(key)) {
            auto n = Int(*x, 1, 1000000);
            ok &= n.has_value();
            if (n) *out = static_cast<uint32_t>(*n);
          }
        };
        count("window", &b.window);
        count("minimum_calls", &b.minimum_calls);
        count("half_open_calls", &b.half_open_calls);
        if (const Val* x = bf.Get("open_for")) {
          auto d = PositiveDuration(*x);
          ok &= d.has_value();
          if (d) b.open_duration = *d;
        }
        if (b.minimum_calls > b.window) {
          r_.Error(bf.self(), "minimum_calls (" + std::to_string(b.minimum_calls) +
                                  ") exceeds window (" + std::to_string(b.window) + ")");
          ok = false;
        }
      }
    }
    const Val* on_error = f.Get("on_error");
    const Val* fallback = f.Get("fallback");
    if (on_error) {
      auto c = Choice(*on_error, kOnError);
      ok &= c.has_value();
      if (c) call.on_error = static_cast<sim::OnError>(*c);
    }
    if (fallback) {
      auto d = Dist(*fallback, Need::kNonNegative);
      ok &= d.has_value();
      if (d) call.fallback = *d;
      if (!on_error) call.on_error = sim::OnError::kFallback;
      if (on_error && call.on_error != sim::OnError::kFallback) {
        r_.Error(*fallback,
                 "'fallback' needs on_error: fallback, got on_error: " + on_error->node.Scalar());
        ok = false;
      }
    }
    return ok;
  }

  std::optional<sim::Step> ParseStep(const Val& v, uint32_t op) {
    if (!v.node.IsMap()) {
      r_.Error(v, "expected a step such as {work: 2ms} or {call: service.operation}, got " +
                      Show(v.node));
      return std::nullopt;
    }
    Fields f(diag_, v, &kStepKeys);
    Keys kinds;
    for (const auto& e : f.entries())
      if (std::find(kStepKinds.begin(), kStepKinds.end(), e.key) != kStepKinds.end())
        kinds.push_back(e.key);
    if (kinds.size() != 1) {
      r_.Error(v, kinds.empty() ? "a step needs one of " + JoinList(kStepKinds)
                                : "a step has exactly one of " + JoinList(kStepKinds) + "; found " +
                                      JoinList(kinds));
      return std::nullopt;
    }
    const std::string& kind = kinds[0];
    const Val& body = *f.Get(kind);
    if (kind != "call") {
      for (const std::string& key : kCallOnlyKeys)
        if (const Fields::Entry* c = f.Find(key))
          r_.Error(c->key_val, Quote(key) + " applies to call steps only");
    }
    if (kind == "call") return CallStep(body, op, &f);

    sim::Step s;
    if (const Val* p = f.Get("probability"))
      if (auto x = Probability(*p)) s.probability = *x;
    if (kind == "work") {
      s.kind = sim::Step::Kind::kWork;
      auto d = Dist(body, Need::kPositive);
      if (!d) return std::nullopt;
      s.work = *d;
    } else if (kind == "parallel") {
      s.kind = sim::Step::Kind::kParallel;
      ParseStepList(body, op, s.children);
    } else if (kind == "publish") {
      s.kind = sim::Step::Kind::kPublish;
      auto topic = Str(body);
      if (!topic) return std::nullopt;
      auto it = topic_index_.find(*topic);
      if (it == topic_index_.end()) {
        r_.Error(body, "unknown topic " + Quote(*topic) + DidYouMean(*topic, topic_names_));
        return std::nullopt;
      }
      s.topic = it->second;
    } else {  // span
      s.kind = sim::Step::Kind::kSpan;
      Fields sf(diag_, body, &kSpanKeys);
      if (!sf.ok()) return std::nullopt;
      if (auto n = Name(sf)) s.span_name = S(*n);
      if (const Val* a = sf.Get("attributes")) s.attrs = ParseLiteralMap(*a);
      if (const Val* st = Require(sf, "steps")) ParseStepList(*st, op, s.children);
    }
    return s;
  }

  // ---- dependencies -------------------------------------------------------------------------

  void BuildDependency(const ServiceDecl& d) {
    const Fields& f = d.f;
    sim::Service& s = m_.services[d.service];
    ServiceCtx ctx;
    ctx.name = std::string(m_.strings.Get(s.name));
    static const Keys kTypes = {"database", "cache", "external", "messaging"};
    std::optional<size_t> type;
    if (const Val* v = Require(f, "type")) type = Choice(*v, kTypes);
    ctx.type = type ? kTypes[*type] : "";
    s.kind = type ? static_cast<sim::ServiceKind>(*type + 1) : sim::ServiceKind::kDatabase;
    const bool external = ctx.type == "external";
    const bool messaging = ctx.type == "messaging";
    const bool db = ctx.type == "database" || ctx.type == "cache";

    if (const Val* v = f.Get("system")) {
      if (auto x = Str(*v)) ctx.system = *x;
      if (external) r_.Error(*v, "'system' does not apply to external dependencies");
    } else if (type && !external) {
      r_.Error(f.self(), "missing required key 'system' (e.g. postgresql, redis, kafka)");
    }
    broker_system_[d.service] = S(ctx.system);
    ctx.address = ctx.name;
    if (const Val* v = f.Get("address")) {
      if (auto x = Str(*v)) ctx.address = *x;
    } else if (external) {
      r_.Error(f.self(), "missing required key 'address' (the API host, e.g. api.stripe.com)");
    }
    static const std::map<std::string, int> kPorts = {
        {"postgresql", 5432}, {"mysql", 3306},      {"mariadb", 3306},      {"redis", 6379},
        {"valkey", 6379},     {"memcached", 11211}, {"mongodb", 27017},     {"cassandra", 9042},
        {"kafka", 9092},      {"rabbitmq", 5672},   {"elasticsearch", 9200}};
    ctx.port = external ? 443 : 0;
    if (auto it = kPorts.find(ctx.system); it != kPorts.end()) ctx.port = it->second;
    if (const Val* v = f.Get("port"))
      if (auto n = Int(*v, 1, 65535)) ctx.port = static_cast<int>(*n);
    if (const Fields::Entry* e = f.Find("namespace")) {
      if (!db) r_.Error(e->key_val, "'namespace' applies to databases and caches only");
      if (auto x = Str(e->value)) ctx.ns = *x;
    }
    s.address = S(ctx.address);
    s.port = ctx.port;
    s.network_latency = external ? Distribution::Constant(0) : default_net_;
    if (const Val* v = f.Get("network_latency"))
      if (auto dist = Dist(*v, Need::kNonNegative)) s.network_latency = *dist;
    s.queue_capacity = kUnlimitedQueue;
    if (const Val* v = f.Get("capacity")) {
      Fields cf(diag_, *v, &kCapacityKeys);
      ParseCapacity(cf, s);
    }

    const Fields::Entry* ops = f.Find("operations");
    const Fields::Entry* topics = f.Find("topics");
    if (messaging) {
      if (ops) r_.Error(ops->key_val, "a messaging dependency declares 'topics', not 'operations'");
      if (!topics) r_.Error(f.self(), "missing required key 'topics'");
      if (topics && topics->value.node.IsSequence() && topics->value.node.size() == 0)
        r_.Error(topics->value, "a messaging dependency needs at least one topic");
    } else if (type) {
      if (topics) r_.Error(topics->key_val, "'topics' applies to messaging dependencies only");
      if (!ops) r_.Error(f.self(), "missing required key 'operations'");
      if (ops && ops->value.node.IsSequence() && ops->value.node.size() == 0)
        r_.Error(ops->value, "a dependency needs at least one operation");
    }
    for (const OpDecl& od : d.ops) BuildDependencyOperation(ctx, od);
    for (const auto& [tf, t] : d.topics) BuildTopic(ctx, tf, t);

    for (uint32_t i = 0; i < s.instances; ++i) {  // peers only: no spans are recorded under these
      sim::Resource r;
      r.service = d.service;
      r.instance = i;
      std::string host = HostName(ctx.name, i);
      r.host = S(host);
      SetAttr(r.attrs, "service.name", Vs(ctx.name));
      SetAttr(r.attrs, "host.name", Vs(host));
      SetAttr(r.attrs, "deployment.environment.name", Vs(environment_));
      s.resources.push_back(static_cast<uint32_t>(m_.resources.size()));
      m_.resources.push_back(std::move(r));
    }
  }

  void BuildDependencyOperation(const ServiceCtx& ctx, const OpDecl& od) {
    const Fields& f = od.f;
    sim::Operation& op = m_.operations[od.op];
    std::string name(m_.strings.Get(op.name));
    op.kind = sim::SpanKind::kClient;
    op.emits_span = false;
    const bool external = ctx.type == "external";
    auto only = [&](std::string_view key, bool applies, std::string_view why) {
      if (const Fields::Entry* e = f.Find(key); e && !applies)
        r_.Error(e->key_val, Quote(key) + " " + std::string(why));
    };
    only("http", external, "applies to external dependencies only");
    for (std::string_view k : {"operation", "collection", "query"})
      only(k, !external, "applies to databases and caches only");

    if (external) {
      op.protocol = sim::Protocol::kHttp;
      std::string method = "GET", route = "/";
      HttpDetails(f, name, &method, &route);
      op.client_span_name = S(method);
      SetAttr(op.client_attrs, "http.request.method", Vs(method));
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
      std::string base = "https://" + ctx.address;
      if (ctx.port != 443) base += ":" + std::to_string(ctx.port);
      AddPathAttr(op.client_attrs, op.client_dynamic_attrs, "url.full", base, route);
    } else {
      op.protocol = ctx.type == "cache" ? sim::Protocol::kCache : sim::Protocol::kDb;
      std::string operation = name, collection;
      if (size_t sp = name.find(' '); sp != std::string::npos) {
        operation = name.substr(0, sp);
        std::string rest = name.substr(sp + 1);
        if (rest.find(' ') == std::string::npos) collection = rest;
      }
      if (const Val* v = f.Get("operation"))
        if (auto x = Str(*v)) operation = *x;
      if (const Val* v = f.Get("collection"))
        if (auto x = Str(*v)) collection = *x;
      op.client_span_name = S(collection.empty() ? operation : operation + " " + collection);
      SetAttr(op.client_attrs, "db.system.name", Vs(ctx.system));
      if (!ctx.ns.empty()) SetAttr(op.client_attrs, "db.namespace", Vs(ctx.ns));
      SetAttr(op.client_attrs, "db.operation.name", Vs(operation));
      if (!collection.empty()) SetAttr(op.client_attrs, "db.collection.name", Vs(collection));
      if (const Val* v = f.Get("query"))
        if (auto x = Str(*v)) SetAttr(op.client_attrs, "db.query.text", Vs(*x));
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      if (ctx.port) SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
    }
    op.span_name = op.client_span_name;
    if (const Val* v = f.Get("attributes"))
      ParseAttributes(*v, op.client_attrs, op.client_dynamic_attrs);
    ParseStatus(f, op);
    if (const Val* v = Require(f, "latency")) {
      if (auto d = Dist(*v, Need::kPositive)) {
        sim::Step s;
        s.kind = sim::Step::Kind::kWork;
        s.work = *d;
        op.steps.push_back(std::move(s));
      }
    }
  }

  void BuildTopic(const ServiceCtx& ctx, const Fields& f, uint32_t index) {
    sim::Topic& t = m_.topics[index];
    std::string name(m_.strings.Get(t.name));
    if (const Val* v = f.Get("publish_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) t.publish_latency = *d;
    if (const Val* v = f.Get("delivery_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) t.delivery_latency = *d;
    t.producer_span_name = S("publish " + name);
    SetAttr(t.producer_attrs, "messaging.system", Vs(ctx.system));
    SetAttr(t.producer_attrs, "messaging.destination.name", Vs(name));
    SetAttr(t.producer_attrs, "messaging.operation.type", Vs("send"));
    SetAttr(t.producer_attrs, "messaging.operation.name", Vs("publish"));
    SetAttr(t.producer_attrs, "server.address", Vs(ctx.address));
    if (ctx.port) SetAttr(t.producer_attrs, "server.port", AttrValue::Int(ctx.port));
  }

  // ---- pass 3: whole-model checks ----------------------------------------------------------

  void CheckCalls() {
    for (const CallSite& c : calls_) {
      const sim::Operation& t = m_.operations[c.to];
      if (t.kind == sim::SpanKind::kConsumer)
        r_.Error(c.where, Quote(m_.OperationRef(c.to)) +
                              " is a consumer operation; it cannot be called (publish to "
                              "its topic instead)");
      else if (t.kind == sim::SpanKind::kInternal)
        r_.Error(c.where, Quote(m_.OperationRef(c.to)) +
                              " is an internal operation; only a workload can start it");
    }
  }

  // Reports each synchronous call cycle once, at the call that leaves the cycle's first operation.
  void CheckCycles() {
    const size_t n = m_.operations.size();
    std::vector<std::vector<size_t>> out(n);  // call-site indices per caller
    for (size_t i = 0; i < calls_.size(); ++i) {
      const sim::Operation& t = m_.operations[calls_[i].to];
      if (t.emits_span && t.kind == sim::SpanKind::kServer) out[calls_[i].from].push_back(i);
    }
    std::vector<int> color(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<size_t> path;      // call-site indices from the DFS root
    std::set<std::vector<uint32_t>> reported;
    auto dfs = [&](auto&& self, uint32_t u) -> void {
      color[u] = 1;
      for (size_t ci : out[u]) {
        uint32_t v = calls_[ci].to;
        if (color[v] == 1) {
          // The cycle starts at the call site on `path` leaving v (or this one for a self call).
          size_t start = path.size();
          while (start > 0 && calls_[path[start - 1]].from != v) --start;
          if (start > 0) --start;
          std::vector<size_t> cyc(path.begin() + static_cast<long>(start), path.end());
          if (calls_[ci].from == v) cyc.clear();
          cyc.push_back(ci);
          std::vector<uint32_t> key;
          for (size_t c : cyc) key.push_back(calls_[c].from);
          std::sort(key.begin(), key.end());
          if (!reported.insert(key).second) continue;
          std::string text = m_.OperationRef(calls_[cyc[0]].from);
          for (size_t c : cyc) text += " -> " + m_.OperationRef(calls_[c].to);
          r_.Error(calls_[cyc[0]].where, "synchronous call cycle: " + text);
        } else if (color[v] == 0) {
          path.push_back(ci);
          self(self, v);
          path.pop_back();
        }
      }
      color[u] = 2;
    };
    for (uint32_t i = 0; i < n; ++i)
      if (color[i] == 0) dfs(dfs, i);
  }

  // ---- top level -----------------------------------------------------------------------------

  void Compile(const YAML::Node& root) {
    Val top{root, "", 1, 1};
    if (!root.IsMap()) {
      r_.Error(top, root.IsNull() ? "empty topology: expected a mapping with 'services'"
                                  : "a topology is a mapping with 'services', got " + Show(root));
      return;
    }
    Fields f(diag_, top, &kTopKeys);
    if (const Val* v = f.Get("name")) Str(*v);
    if (const Val* v = f.Get("description")) Str(*v);
    if (const Val* v = f.Get("environment"))
      if (auto x = Str(*v)) environment_ = *x;
    if (const Val* v = f.Get("network_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) default_net_ = *d;
    if (const Val* v = f.Get("generators")) ParseGenerators(*v);

    const Val* services = f.Get("services");
    if (services == nullptr) {
      r_.Error(top, "empty topology: missing required key 'services'");
    } else {
      Declare(*services, false);
      if (services->node.IsSequence() && services->node.size() == 0)
        r_.Error(*services, "empty topology: at least one service is required");
    }
    if (const Val* v = f.Get("dependencies")) Declare(*v, true);

    consumes_.assign(m_.operations.size(), kNone);
    broker_system_.assign(m_.services.size(), sim::kEmptyStr);
    // Dependencies first: consumers need their broker's messaging.system.
    for (const ServiceDecl& d : decls_)
      if (d.dependency) BuildDependency(d);
    for (const ServiceDecl& d : decls_)
      if (!d.dependency) BuildService(d);

    CheckCalls();
    CheckCycles();
    for (uint32_t i = 0; i < m_.operations.size(); ++i)
      if (consumes_[i] != kNone) m_.topics[consumes_[i]].consumers.push_back(i);
  }

  config::Diagnostics diag_;
  config::Reader r_;  // reads into diag_
  Model m_;
  std::string environment_ = "production";
  Distribution default_net_ = Distribution::Constant(200e3);  // 200us
  std::vector<ServiceDecl> decls_;
  std::vector<CallSite> calls_;
  std::map<std::string, int> service_lines_;
  std::unordered_map<std::string, uint32_t> generator_index_, topic_index_;
  Keys generator_names_, topic_names_, op_refs_;
  std::vector<uint32_t> consumes_;    // per operation: consumed topic or kNone
  std::vector<StrId> broker_system_;  // per service: its `system` (messaging.system of topics)
};

}  // namespace

sim::Result<sim::Model> LoadTopologyYaml(std::string_view yaml, const std::string& source_name) {
  return Compiler(source_name).Run(yaml);
}

sim::Result<sim::Model> LoadTopologyFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound(path + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    return Status::IoError(path + ": is a directory, not a topology file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed: " + std::strerror(errno));
  return LoadTopologyYaml(text.str(), path);
}

const sim::EmbeddedFile* FindBuiltinTopology(std::string_view name) {
  return sim::FindEmbedded(sim::kBuiltinTopologies, name);
}

std::vector<std::string> BuiltinTopologyNames() {
  std::vector<std::string> names;
  for (const sim::EmbeddedFile* f = sim::kBuiltinTopologies; f->name != nullptr; ++f)
    names.emplace_back(f->name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tracesim::topologies
