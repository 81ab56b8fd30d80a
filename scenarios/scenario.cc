#include "scenarios/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "config/distribution.h"
#include "config/env_expand.h"
#include "config/reader.h"
#include "config/yaml_load.h"
#include "sim/base/suggest.h"
#include "topologies/topology.h"
#include "workloads/workload.h"

namespace tracesim::scenarios {

namespace {

namespace fs = std::filesystem;
using sim::Status;
using workloads::WorkloadSpec;

// Scenario::source of a built-in scenario is "builtin:NAME"; the Model::source of a built-in
// topology is "builtin:topologies/NAME" (the two share file names).
constexpr std::string_view kBuiltinPrefix = "builtin:";

using config::Need;

// A map entry as config::Map read it: its value under its key path, positioned at its key
// (doc/scenario.md: a message points at the key, so the Reader's getters report there).
using Field = config::Node;
// The entries of one mapping by key.
using Fields = std::map<std::string, Field>;

// Where a problem is reported: 1-based line and column, 0 when unknown.
struct Pos {
  Pos() = default;
  Pos(const YAML::Mark& m)  // NOLINT(google-explicit-constructor): marks and nodes are positions
      : line(m.line >= 0 ? m.line + 1 : 0), col(m.line >= 0 ? m.column + 1 : 0) {}
  Pos(const config::Node& n) : line(n.line), col(n.col) {}  // NOLINT(google-explicit-constructor)
  int line = 0, col = 0;
};

// "checkout" from "dir/checkout.yaml" or "builtin:checkout.yaml".
std::string Stem(std::string_view source) {
  size_t slash = source.find_last_of("/:");
  std::string_view base = slash == std::string_view::npos ? source : source.substr(slash + 1);
  for (std::string_view ext : {".yaml", ".yml"}) {
    if (base.size() > ext.size() && base.substr(base.size() - ext.size()) == ext) {
      base.remove_suffix(ext.size());
      break;
    }
  }
  return std::string(base);
}

// What the sections of one scenario document share while it is read: the problems, the reader,
// the scenario being filled, and where each key path was (for problems found later).
struct ReadState {
  explicit ReadState(std::string source) : diag(std::move(source)), reader(diag) {}
  config::Diagnostics diag;
  config::Reader reader;
  Scenario scenario;
  // Entries dropped for a problem reported at another path (a missing key), so the workload's
  // own checks do not report them again.
  std::set<std::string> errored_paths;
  std::map<std::string, Pos> marks;
};

// The helpers every section reader uses, over one ReadState (not owned).
class Section {
 protected:
  explicit Section(ReadState& st)
      : diag_(st.diag),
        reader_(st.reader),
        scenario_(st.scenario),
        errored_paths_(st.errored_paths),
        marks_(st.marks) {}

  void Error(Pos at, const std::string& path, const std::string& message,
             Status::Code code = Status::Code::kInvalidArgument) {
    diag_.Error(at.line, at.col, path, message, "", code);
  }

  // The entries of mapping `node` at `path` (config::Map: unknown keys with a did-you-mean,
  // duplicates and non-mappings are reported). `fallback` positions a node without a mark.
  std::optional<Fields> GetFields(const YAML::Node& node, Pos fallback, const std::string& path,
                                  const config::Keys& allowed) {
    if (path.empty() && !node.IsMap()) {
      Error(node.IsDefined() && !node.IsNull() ? Pos(node.Mark()) : fallback, path,
            "a scenario must be a YAML mapping");
      return std::nullopt;
    }
    const config::Node parent{YAML::Node(), path, fallback.line, fallback.col};
    config::Map map = reader_.ReadMap(config::Node::At(node, path, parent), &allowed);
    if (!map.ok()) return std::nullopt;
    Fields fields;
    for (const config::Map::Entry& e : map.entries()) {
      fields[e.key] = Field{e.value.node, e.key_val.path, e.key_val.line, e.key_val.col};
    }
    return fields;
  }

  bool Require(const Fields& fields, Pos at, const std::string& path, const std::string& key) {
    if (fields.count(key) != 0) return true;
    Error(at, path, "missing required key '" + key + "'");
    return false;
  }

  void Remember(const std::string& path, Pos at) { marks_[path] = at; }

  // An offset from the scenario start ("20s"; the workload checks its sign), as a point on the
  // simulation clock.
  std::optional<sim::Time> TimeOffset(const Field& f) {
    std::optional<sim::Duration> d = reader_.Duration(f, Need::kAny);
    if (!d) return std::nullopt;
    return sim::Time::Zero() + *d;
  }

  // The mark remembered for `path`, or for its closest remembered ancestor.
  Pos MarkFor(std::string path) const {
    while (!path.empty()) {
      auto it = marks_.find(path);
      if (it != marks_.end()) return it->second;
      const size_t cut = path.find_last_of(".[");
      if (cut == std::string::npos) break;
      path.resize(cut);
    }
    return Pos();
  }

  // True if `path` already has an error.
  bool HasError(const std::string& path) const {
    for (const config::Diagnostic& d : diag_.items())
      if (d.severity == config::Severity::kError && d.path == path) return true;
    return false;
  }

  // True if `path` or one of its ancestors or descendants already has an error (reported, or
  // marked in errored_paths_).
  bool Overlaps(const std::string& path) const {
    std::vector<std::string_view> errored(errored_paths_.begin(), errored_paths_.end());
    for (const config::Diagnostic& d : diag_.items())
      if (d.severity == config::Severity::kError && !d.path.empty()) errored.push_back(d.path);
    const std::string_view want(path);
    for (std::string_view e : errored) {
      const std::string_view shorter = e.size() < want.size() ? e : want;
      const std::string_view longer = e.size() < want.size() ? want : e;
      if (longer.compare(0, shorter.size(), shorter) == 0 &&
          (longer.size() == shorter.size() || longer[shorter.size()] == '.' ||
           longer[shorter.size()] == '[')) {
        return true;
      }
    }
    return false;
  }

  config::Diagnostics& diag_;
  config::Reader& reader_;
  Scenario& scenario_;
  std::set<std::string>& errored_paths_;
  std::map<std::string, Pos>& marks_;
};

// Parses one scenario document, collecting every problem.
// The fault kinds (doc/scenario.md#kinds).
const std::vector<std::string>& FaultKinds() {
  static const std::vector<std::string> k = {"error",
                                             "latency",
                                             "outage",
                                             "degraded_instance",
                                             "dependency_stall",
                                             "broken_propagation",
                                             "span_loss",
                                             "clock_skew",
                                             "consumer_lag",
                                             "traffic"};
  return k;
}

// Keys every fault may have, and the extra keys of `kind`.
std::vector<std::string> FaultKeys(const std::string& kind) {
  std::vector<std::string> keys = {"id",    "kind",     "target",     "instance",
                                   "start", "duration", "description"};
  static const std::map<std::string, std::vector<std::string>> kExtra = {
      {"error", {"probability", "status", "exception"}},
      {"latency", {"latency", "multiplier", "probability"}},
      {"outage", {"connect_timeout", "probability"}},
      {"degraded_instance", {"latency", "multiplier", "error_rate", "status", "exception"}},
      {"dependency_stall", {"latency", "multiplier", "error_rate", "status", "exception"}},
      {"broken_propagation", {"probability"}},
      {"span_loss", {"probability"}},
      {"clock_skew", {"offset", "drift_ppm"}},
      {"consumer_lag", {"delay", "multiplier"}},
      {"traffic", {"factor"}},
  };
  auto it = kExtra.find(kind);
  if (it != kExtra.end()) keys.insert(keys.end(), it->second.begin(), it->second.end());
  return keys;
}

// `faults:` (doc/scenario.md#faults): each entry against the scenario's model, into
// scenario_.faults (and a traffic fault's surge into the workload).
class FaultsSection : private Section {
 public:
  explicit FaultsSection(ReadState& st) : Section(st) {}

  // `faults:`: each entry's common keys, target and kind-specific keys, then the plan's own
  // Validate().
  void ParseFaults(const Field& ff) {
    if (!ff.node.IsSequence()) {
      Error(ff, "faults", "must be a list of faults");
      return;
    }
    sim::Model& m = scenario_.model;
    std::map<std::string, Pos> ids;
    std::vector<Pos> marks;  // per accepted fault, for overlap messages
    for (size_t i = 0; i < ff.node.size(); ++i) {
      const YAML::Node& n = ff.node[i];
      const std::string p = "faults[" + std::to_string(i) + "]";
      // The kind decides which keys are allowed, so read it first.
      std::string kind;
      if (n.IsMap() && n["kind"] && n["kind"].IsScalar()) kind = n["kind"].Scalar();
      const bool known_kind =
          std::find(FaultKinds().begin(), FaultKinds().end(), kind) != FaultKinds().end();
      auto fields = GetFields(n, n.IsDefined() ? Pos(n.Mark()) : Pos(ff), p,
                              known_kind ? FaultKeys(kind) : FaultKeys(""));
      if (!fields) continue;
      const Fields& f = *fields;
      bool ok = Require(f, n.Mark(), p, "id");
      ok = Require(f, n.Mark(), p, "kind") && ok;
      if (!ok) continue;
      if (!known_kind) {
        Error(f.at("kind"), p + ".kind",
              "unknown fault kind '" + kind + "'" + sim::DidYouMean(kind, FaultKinds()) +
                  " (kinds: " + config::JoinList(FaultKinds()) + ")");
        continue;
      }
      sim::Fault fault;
      ok = ParseFaultId(f, p, ids, &fault);
      ok = ParseFaultTarget(f, p, kind, &fault) && ok;
      ok = ParseFaultWindow(f, p, kind, &fault) && ok;
      ok = ParseFaultKind(f, p, kind, &fault) && ok;
      if (!ok || !NoContradiction(fault, n, p, marks)) continue;
      if (fault.kind == sim::Fault::Kind::kTraffic) {
        workloads::Surge surge;
        surge.start = fault.start;
        surge.end = fault.end;
        surge.factor = fault.traffic_factor;
        scenario_.workload.surges.push_back(surge);
      }
      scenario_.faults.faults.push_back(std::move(fault));
      marks.push_back(n.Mark());
    }
    if (scenario_.faults.faults.size() > sim::kMaxFaults) {
      Error(ff, "faults", "at most " + std::to_string(sim::kMaxFaults) + " faults per scenario");
      return;
    }
    sim::Status st = scenario_.faults.Validate(m);
    if (!st.ok()) Error(ff, "faults", st.message(), Status::Code::kInternal);
    sim::InternFaultTags(&scenario_.faults, &m);
  }

 private:
  // `id`: not empty, unique (`ids` holds those seen, with their positions).
  bool ParseFaultId(const Fields& f, const std::string& p, std::map<std::string, Pos>& ids,
                    sim::Fault* fault) {
    auto id = reader_.Str(f.at("id"));
    if (!id) return false;
    if (id->empty()) {
      Error(f.at("id"), p + ".id", "must not be empty");
      return false;
    }
    if (ids.count(*id)) {
      Error(
          f.at("id"), p + ".id",
          "duplicate fault id '" + *id + "' (first at line " + std::to_string(ids[*id].line) + ")");
      return false;
    }
    ids[*id] = f.at("id");
    fault->id = *id;
    return true;
  }

  // Contradictions: two skews of the same host, or two traffic surges, at the same time. `marks`
  // holds the positions of the faults accepted so far.
  bool NoContradiction(const sim::Fault& fault, const YAML::Node& n, const std::string& p,
                       const std::vector<Pos>& marks) {
    bool ok = true;
    for (size_t k = 0; k < scenario_.faults.faults.size(); ++k) {
      const sim::Fault& o = scenario_.faults.faults[k];
      bool same = (o.kind == sim::Fault::Kind::kClockSkew && fault.kind == o.kind &&
                   o.service == fault.service &&
                   (o.instance == sim::kNone || fault.instance == sim::kNone ||
                    o.instance == fault.instance)) ||
                  (o.kind == sim::Fault::Kind::kTraffic && fault.kind == o.kind);
      if (same && fault.start < o.end && o.start < fault.end) {
        Error(n.Mark(), p,
              "overlaps fault '" + o.id + "' (line " + std::to_string(marks[k].line) +
                  ") of the same kind on the same target: two " +
                  std::string(sim::FaultKindName(o.kind)) +
                  " faults at once are ambiguous; split the windows");
        ok = false;
      }
    }
    return ok;
  }

  // A fault's `target` (a service, a dependency or service.operation, resolved against the model
  // with a did-you-mean) and `instance`.
  bool ParseFaultTarget(const Fields& f, const std::string& p, const std::string& kind,
                        sim::Fault* fault) {
    const sim::Model& m = scenario_.model;
    if (kind == "traffic") {
      for (const char* key : {"target", "instance"}) {
        if (f.count(key)) {
          Error(f.at(key), p + "." + key,
                std::string("a traffic fault has no ") + key + " (it scales the arrivals)");
          return false;
        }
      }
      return true;
    }
    if (!f.count("target")) {
      Error(f.begin()->second, p,
            "missing required key 'target' (a service, a dependency or service.operation)");
      return false;
    }
    const Field& tf = f.at("target");
    auto target = reader_.Str(tf);
    if (!target) return false;
    uint32_t s = m.FindService(*target);
    uint32_t op = sim::kNone;
    if (s == sim::kNone) {
      op = m.FindOperationRef(*target);
      if (op != sim::kNone) s = m.operations[op].service;
    }
    if (s == sim::kNone) {
      std::vector<std::string> names;
      for (const sim::Service& svc : m.services) names.emplace_back(m.strings.Get(svc.name));
      for (uint32_t i = 0; i < m.operations.size(); ++i) names.push_back(m.OperationRef(i));
      Error(tf, p + ".target",
            "unknown target '" + *target + "'" + sim::DidYouMean(*target, names) +
                " (a service or dependency of the topology, or service.operation)",
            Status::Code::kNotFound);
      return false;
    }
    fault->service = s;
    fault->operation = op;
    return TargetFitsKind(tf, p, kind, *target, op, m.services[s]) &&
           ParseFaultInstance(f, tf, p, kind, m.services[s], fault);
  }

  // Whether service `svc` (operation `op` of it, or kNone) can take a fault of `kind`.
  bool TargetFitsKind(const Field& tf, const std::string& p, const std::string& kind,
                      const std::string& target, uint32_t op, const sim::Service& svc) {
    const sim::Model& m = scenario_.model;
    bool dependency = svc.kind != sim::ServiceKind::kService;
    if (kind == "clock_skew" && op != sim::kNone) {
      Error(tf, p + ".target",
            "a clock is per host: target the service '" + std::string(m.strings.Get(svc.name)) +
                "', not one operation");
      return false;
    }
    if (svc.kind == sim::ServiceKind::kMessaging) {
      Error(tf, p + ".target",
            "'" + target +
                "' is a message broker; faults on the broker itself are not modelled (slow its "
                "consumers with consumer_lag, or fail the producer's service)",
            Status::Code::kUnsupported);
      return false;
    }
    if (kind == "dependency_stall" && !dependency) {
      Error(
          tf, p + ".target",
          "'" + target +
              "' is a service; dependency_stall targets a database, cache, external API or broker "
              "(use kind: latency for a service)");
      return false;
    }
    if ((kind == "broken_propagation" || kind == "span_loss" || kind == "clock_skew" ||
         kind == "consumer_lag" || kind == "degraded_instance") &&
        dependency) {
      Error(tf, p + ".target",
            "'" + target + "' is a dependency; a " + kind + " fault targets a service");
      return false;
    }
    if (kind == "consumer_lag") {
      bool consumes = false;
      for (uint32_t o : svc.operations)
        consumes |= m.operations[o].kind == sim::SpanKind::kConsumer;
      if (!consumes) {
        Error(tf, p + ".target",
              "'" + target + "' consumes no topic; consumer_lag needs a consumer");
        return false;
      }
    }
    return true;
  }

  // `instance`: an index in [0, instances) of the target service; required by degraded_instance,
  // refused by consumer_lag.
  bool ParseFaultInstance(const Fields& f, const Field& tf, const std::string& p,
                          const std::string& kind, const sim::Service& svc, sim::Fault* fault) {
    const sim::Model& m = scenario_.model;
    if (f.count("instance") && kind == "consumer_lag") {
      Error(f.at("instance"), p + ".instance",
            "consumer_lag acts on the consumer group, not one instance; remove 'instance'");
      return false;
    }
    if (f.count("instance")) {
      const Field& inf = f.at("instance");
      auto v = reader_.Number(inf);
      if (!v) return false;
      if (*v < 0 || *v != static_cast<double>(static_cast<int64_t>(*v)) || *v >= svc.instances) {
        Error(inf, p + ".instance",
              "must be an instance index in [0, " + std::to_string(svc.instances - 1) + "] ('" +
                  std::string(m.strings.Get(svc.name)) + "' has " + std::to_string(svc.instances) +
                  " instances)");
        return false;
      }
      fault->instance = static_cast<uint32_t>(*v);
    } else if (kind == "degraded_instance") {
      Error(tf, p, "missing required key 'instance' (which instance is the bad one)");
      return false;
    }
    return true;
  }

  bool ParseFaultWindow(const Fields& f, const std::string& p, const std::string& kind,
                        sim::Fault* fault) {
    bool ok = true;
    if (f.count("start")) {
      if (auto d = reader_.Duration(f.at("start"), Need::kNonNegative)) {
        fault->start = sim::Time::Zero() + *d;
      } else {
        ok = false;
      }
    }
    if (f.count("duration")) {
      const Field& df = f.at("duration");
      if (df.node.IsScalar() && df.node.Scalar() == "always") {
        fault->end = sim::Time::Max();
      } else if (auto d = reader_.Duration(df, Need::kPositive)) {
        fault->end = fault->start + *d;
      } else {
        ok = false;
      }
    } else if (kind == "traffic") {
      Error(f.at("kind"), p, "missing required key 'duration' (a traffic surge is a window)");
      ok = false;
    }
    return ok;
  }

  std::optional<sim::Distribution> FaultDist(const Field& f, const std::string& path,
                                             bool positive) {
    sim::Result<sim::Distribution> d = config::ParseDistribution(f.node, positive);
    if (!d.ok()) {
      Error(f, path, d.status().message());
      return std::nullopt;
    }
    return *d;
  }

  // The kind-specific keys of a fault: the values any kind may take, then the rules of its kind
  // (doc/scenario.md#kinds lists them in the same order).
  bool ParseFaultKind(const Fields& f, const std::string& p, const std::string& kind,
                      sim::Fault* fault) {
    bool ok = ParseFaultValues(f, p, fault);
    return ApplyKindRules(f, p, kind, fault) && ok;
  }

  // probability, multiplier, latency, delay, status, exception: read as given; which kind needs
  // which is checked by ApplyKindRules.
  bool ParseFaultValues(const Fields& f, const std::string& p, sim::Fault* fault) {
    bool ok = true;
    auto get = [&](const char* key) -> const Field* { return f.count(key) ? &f.at(key) : nullptr; };
    if (const Field* v = get("probability")) {
      if (auto x = reader_.Probability(*v))
        fault->probability = *x;
      else
        ok = false;
    }
    if (const Field* v = get("multiplier")) {
      auto x = reader_.Number(*v);
      if (x && *x < 0) {
        Error(*v, p + ".multiplier", "must be >= 0, got " + v->node.Scalar());
        ok = false;
      } else if (x) {
        fault->multiplier = *x;
      } else {
        ok = false;
      }
    }
    if (const Field* v = get("latency")) {
      if (auto d = FaultDist(*v, p + ".latency", true))
        fault->extra_latency = *d;
      else
        ok = false;
    }
    if (const Field* v = get("delay")) {
      if (auto d = FaultDist(*v, p + ".delay", true))
        fault->extra_latency = *d;
      else
        ok = false;
    }
    if (const Field* v = get("status")) ok = ParseFaultStatus(*v, p, fault) && ok;
    if (const Field* v = get("exception")) ok = ParseFaultException(*v, p, fault) && ok;
    return ok;
  }

  // `status`: an HTTP status (100..599) or a gRPC code (0..16 or its name).
  bool ParseFaultStatus(const Field& v, const std::string& p, sim::Fault* fault) {
    if (!v.node.IsScalar()) {
      Error(v, p + ".status", "must be a status code, got " + config::Show(v.node));
      return false;
    }
    const std::string& t = v.node.Scalar();
    int code = -1;
    for (int c = 0; c <= 16; ++c)
      if (t == sim::GrpcCodeName(c)) code = c;
    if (code < 0) {
      auto x = reader_.Number(v);
      if (x && *x >= 0 && *x <= 599 && *x == static_cast<int>(*x))
        code = static_cast<int>(*x);
      else if (x)
        Error(v, p + ".status",
              "must be an HTTP status (100..599) or a gRPC code (0..16 or a name such as "
              "UNAVAILABLE), got " +
                  t);
    }
    if (code < 0) return false;
    fault->status = code;
    return true;
  }

  // `exception`: type, message and stacktrace strings, interned in the model.
  bool ParseFaultException(const Field& v, const std::string& p, sim::Fault* fault) {
    auto ef = GetFields(v.node, v, p + ".exception", {"type", "message", "stacktrace"});
    if (!ef) return false;
    bool ok = true;
    for (auto& [key, field] : *ef) {
      auto x = reader_.Str(field);
      if (!x) {
        ok = false;
        continue;
      }
      sim::StrId id = scenario_.model.strings.Intern(*x);
      (key == "type"      ? fault->exception_type
       : key == "message" ? fault->exception_message
                          : fault->exception_stacktrace) = id;
    }
    return ok;
  }

  // Sets the fault's kind and checks the keys its kind needs or refuses.
  bool ApplyKindRules(const Fields& f, const std::string& p, const std::string& kind,
                      sim::Fault* fault) {
    using K = sim::Fault::Kind;
    auto get = [&](const char* key) -> const Field* { return f.count(key) ? &f.at(key) : nullptr; };
    bool ok = true;
    if (kind == "error") {
      fault->kind = K::kError;
    } else if (kind == "latency") {
      fault->kind = K::kLatency;
      if (!get("latency") && !get("multiplier")) {
        Error(f.at("kind"), p, "a latency fault needs 'latency' (extra time) and/or 'multiplier'");
        ok = false;
      }
    } else if (kind == "outage") {
      fault->kind = K::kOutage;
      if (const Field* v = get("connect_timeout")) {
        if (auto d = reader_.Duration(*v, Need::kPositive)) {
          fault->connect_timeout = *d;
        } else {
          ok = false;
        }
      }
    } else if (kind == "degraded_instance" || kind == "dependency_stall") {
      ok = ApplySlowOrFailing(f, p, fault);
    } else if (kind == "broken_propagation") {
      fault->kind = K::kBrokenPropagation;
    } else if (kind == "span_loss") {
      fault->kind = K::kSpanLoss;
    } else if (kind == "clock_skew") {
      ok = ApplyClockSkew(f, p, fault);
    } else if (kind == "consumer_lag") {
      fault->kind = K::kConsumerLag;
      if (!get("delay") && !get("multiplier")) {
        Error(f.at("kind"), p, "a consumer_lag fault needs 'delay' and/or 'multiplier'");
        ok = false;
      }
    } else if (kind == "traffic") {
      ok = ApplyTraffic(f, p, fault);
    }
    return ok;
  }

  // degraded_instance and dependency_stall: slow (latency/multiplier) or failing (error_rate).
  bool ApplySlowOrFailing(const Fields& f, const std::string& p, sim::Fault* fault) {
    using K = sim::Fault::Kind;
    bool ok = true;
    bool slow = f.count("latency") || f.count("multiplier");
    bool errors = f.count("error_rate") != 0;
    if (slow == errors) {
      Error(f.at("kind"), p,
            slow ? "give either 'latency'/'multiplier' or 'error_rate', not both (use two faults)"
                 : "needs 'latency'/'multiplier' (slow) or 'error_rate' (failing)");
      ok = false;
    }
    fault->kind = errors ? K::kError : K::kLatency;
    if (errors) {
      if (auto x = reader_.Probability(f.at("error_rate")))
        fault->probability = *x;
      else
        ok = false;
    } else if (f.count("status") || f.count("exception")) {
      Error(f.at("kind"), p, "'status' and 'exception' go with 'error_rate'");
      ok = false;
    }
    return ok;
  }

  // clock_skew: offset and/or drift_ppm.
  bool ApplyClockSkew(const Fields& f, const std::string& p, sim::Fault* fault) {
    fault->kind = sim::Fault::Kind::kClockSkew;
    bool ok = true;
    if (!f.count("offset") && !f.count("drift_ppm")) {
      Error(f.at("kind"), p, "a clock_skew fault needs 'offset' and/or 'drift_ppm'");
      ok = false;
    }
    if (f.count("offset")) {
      if (auto d = reader_.Duration(f.at("offset"), Need::kAny))
        fault->offset = *d;
      else
        ok = false;
    }
    if (f.count("drift_ppm")) {
      if (auto x = reader_.Number(f.at("drift_ppm")))
        fault->drift_ppm = *x;
      else
        ok = false;
    }
    return ok;
  }

  // traffic: factor (>= 0), required.
  bool ApplyTraffic(const Fields& f, const std::string& p, sim::Fault* fault) {
    fault->kind = sim::Fault::Kind::kTraffic;
    if (!f.count("factor")) {
      Error(f.at("kind"), p, "missing required key 'factor' (the arrival rate multiplier)");
      return false;
    }
    const Field& v = f.at("factor");
    bool ok = true;
    auto x = reader_.Number(v);
    if (x && *x < 0) {
      Error(v, p + ".factor", "must be >= 0");
      ok = false;
    }
    if (x)
      fault->traffic_factor = *x;
    else
      ok = false;
    return ok;
  }
};

// `workload:` (doc/scenario.md#workload): the arrival process, one rate shape, surges and the
// mix, into scenario_.workload (the mix is resolved against the model later).
class WorkloadSection : private Section {
 public:
  explicit WorkloadSection(ReadState& st) : Section(st) {}

  // Fills scenario_.workload and reports its problems (the mix is resolved later).
  void ParseWorkload(const Field& wf) {
    std::optional<Fields> fields =
        GetFields(wf.node, wf, "workload",
                  {"process", "rate", "ramp", "steps", "diurnal", "bursts", "surges", "mix"});
    if (!fields) return;
    const Fields& f = *fields;
    WorkloadSpec& w = scenario_.workload;
    Remember("workload", wf);

    if (f.count("process")) {
      const Field& p = f.at("process");
      Remember("workload.process", p);
      if (auto v = reader_.Enum(p, {"poisson", "uniform"})) {
        w.process =
            *v == 0 ? workloads::ArrivalProcess::kPoisson : workloads::ArrivalProcess::kUniform;
      }
    }

    std::string shape_key;
    for (const char* k : {"rate", "ramp", "steps", "diurnal", "bursts"}) {
      if (!f.count(k)) continue;
      if (!shape_key.empty()) {
        Error(f.at(k), std::string("workload.") + k,
              "only one rate shape is allowed, and '" + shape_key + "' is already given");
        continue;
      }
      shape_key = k;
      const Field& sf = f.at(k);
      const std::string path = std::string("workload.") + k;
      Remember(path, sf);
      if (shape_key == "rate") {
        w.shape.kind = workloads::ShapeKind::kConstant;
        Remember("workload.rate", sf);
        if (auto v = reader_.Number(sf)) w.shape.rate = *v;
      } else if (shape_key == "ramp") {
        ParseRamp(sf, path);
      } else if (shape_key == "steps") {
        ParseSteps(sf, path);
      } else if (shape_key == "diurnal") {
        ParseDiurnal(sf, path);
      } else {
        ParseBursts(sf, path);
      }
    }
    if (shape_key.empty()) {
      Error(wf, "workload",
            "needs a rate shape: one of rate (constant), ramp, steps, diurnal, bursts");
    }
    if (f.count("surges")) ParseSurges(f.at("surges"));
    if (Require(f, wf, "workload", "mix")) ParseMix(f.at("mix"));

    for (const workloads::SpecProblem& p : w.Problems()) {
      const std::string path = "workload." + p.path;
      if (Overlaps(path)) continue;  // already reported as a parse error
      Error(MarkFor(path), path, p.message);
    }
  }

 private:
  void ParseRamp(const Field& sf, const std::string& path) {
    auto fields = GetFields(sf.node, sf, path, {"from", "to", "over"});
    if (!fields) return;
    workloads::RateShape& s = scenario_.workload.shape;
    s.kind = workloads::ShapeKind::kRamp;
    Require(*fields, sf, path, "to");
    for (auto& [key, field] : *fields) {
      const std::string p = path + "." + key;
      Remember(p, field);
      if (key == "over") {
        if (auto v = reader_.Duration(field, Need::kAny)) s.over = *v;
      } else if (auto v = reader_.Number(field)) {
        (key == "from" ? s.from : s.to) = *v;
      }
    }
  }

  void ParseSteps(const Field& sf, const std::string& path) {
    workloads::RateShape& s = scenario_.workload.shape;
    s.kind = workloads::ShapeKind::kSteps;
    Field epochs = sf;  // a bare list is the epochs, holding the last one
    if (!sf.node.IsSequence()) {
      auto fields = GetFields(sf.node, sf, path, {"epochs", "repeat"});
      if (!fields) return;
      if (fields->count("repeat")) {
        Remember(path + ".repeat", fields->at("repeat"));
        if (auto v = reader_.Bool(fields->at("repeat"))) s.repeat = *v;
      }
      if (!Require(*fields, sf, path, "epochs")) return;
      epochs = fields->at("epochs");
    }
    const std::string epath = path + ".epochs";
    Remember(epath, epochs);
    if (!epochs.node.IsSequence()) {
      Error(epochs, epath, "must be a list of {duration, rate}");
      return;
    }
    for (size_t i = 0; i < epochs.node.size(); ++i) {
      const YAML::Node& e = epochs.node[i];
      const std::string p = epath + "[" + std::to_string(i) + "]";
      Remember(p, e.Mark());
      workloads::Epoch epoch;
      auto fields = GetFields(e, e.Mark(), p, {"duration", "rate"});
      if (fields) {
        bool ok = Require(*fields, e.Mark(), p, "duration");
        ok = Require(*fields, e.Mark(), p, "rate") && ok;
        if (fields->count("duration")) {
          Remember(p + ".duration", fields->at("duration"));
          if (auto v = reader_.Duration(fields->at("duration"), Need::kAny)) epoch.duration = *v;
        }
        if (fields->count("rate")) {
          Remember(p + ".rate", fields->at("rate"));
          if (auto v = reader_.Number(fields->at("rate"))) epoch.rate = *v;
        }
        if (!ok) errored_paths_.insert(p);
      } else {
        errored_paths_.insert(p);
      }
      s.epochs.push_back(epoch);
    }
  }

  void ParseDiurnal(const Field& sf, const std::string& path) {
    auto fields = GetFields(sf.node, sf, path, {"mean", "amplitude", "period", "phase"});
    if (!fields) return;
    workloads::RateShape& s = scenario_.workload.shape;
    s.kind = workloads::ShapeKind::kDiurnal;
    Require(*fields, sf, path, "mean");
    for (auto& [key, field] : *fields) {
      const std::string p = path + "." + key;
      Remember(p, field);
      if (key == "period" || key == "phase") {
        if (auto v = reader_.Duration(field, Need::kAny))
          (key == "period" ? s.period : s.phase) = *v;
      } else if (auto v = reader_.Number(field)) {
        (key == "mean" ? s.rate : s.amplitude) = *v;
      }
    }
  }

  void ParseBursts(const Field& sf, const std::string& path) {
    auto fields = GetFields(sf.node, sf, path, {"rate", "factor", "length", "every", "at"});
    if (!fields) return;
    workloads::RateShape& s = scenario_.workload.shape;
    s.kind = workloads::ShapeKind::kBursts;
    Require(*fields, sf, path, "rate");
    if (fields->count("every") && fields->count("at")) {
      Error(fields->at("at"), path + ".at", "give either every or at, not both");
    }
    for (auto& [key, field] : *fields) {
      const std::string p = path + "." + key;
      Remember(p, field);
      if (key == "length" || key == "every") {
        if (auto v = reader_.Duration(field, Need::kAny))
          (key == "length" ? s.length : s.every) = *v;
      } else if (key == "at") {
        if (!field.node.IsSequence() || field.node.size() == 0) {
          Error(field, p, "must be a non-empty list of times such as [10s, 45s]");
          continue;
        }
        for (size_t i = 0; i < field.node.size(); ++i) {
          const std::string ip = p + "[" + std::to_string(i) + "]";
          const Field item = config::Node::At(field.node[i], ip, field);
          Remember(ip, item);
          if (auto v = TimeOffset(item)) s.at.push_back(*v);
        }
      } else if (auto v = reader_.Number(field)) {
        (key == "rate" ? s.rate : s.factor) = *v;
      }
    }
  }

  void ParseSurges(const Field& sf) {
    const std::string path = "workload.surges";
    Remember(path, sf);
    if (!sf.node.IsSequence()) {
      Error(sf, path, "must be a list of {start, end, factor}");
      return;
    }
    for (size_t i = 0; i < sf.node.size(); ++i) {
      const YAML::Node& n = sf.node[i];
      const std::string p = path + "[" + std::to_string(i) + "]";
      Remember(p, n.Mark());
      workloads::Surge surge;
      auto fields = GetFields(n, n.Mark(), p, {"start", "end", "factor"});
      if (!fields) {
        errored_paths_.insert(p);
      } else {
        bool ok = Require(*fields, n.Mark(), p, "end");
        ok = Require(*fields, n.Mark(), p, "factor") && ok;
        if (!ok) errored_paths_.insert(p);
        for (auto& [key, field] : *fields) {
          const std::string kp = p + "." + key;
          Remember(kp, field);
          if (key == "factor") {
            if (auto v = reader_.Number(field)) surge.factor = *v;
          } else if (auto v = TimeOffset(field)) {
            (key == "start" ? surge.start : surge.end) = *v;
          }
        }
      }
      scenario_.workload.surges.push_back(surge);
    }
  }

  void ParseMix(const Field& mf) {
    const std::string path = "workload.mix";
    Remember(path, mf);
    if (!mf.node.IsSequence()) {
      Error(mf, path, "must be a list of {operation, weight} (or of \"service.operation\")");
      return;
    }
    for (size_t i = 0; i < mf.node.size(); ++i) {
      const YAML::Node& n = mf.node[i];
      const std::string p = path + "[" + std::to_string(i) + "]";
      Remember(p, n.Mark());
      workloads::MixEntry entry;
      if (n.IsScalar()) {
        entry.operation = n.Scalar();
        Remember(p + ".operation", n.Mark());
      } else if (auto fields = GetFields(n, n.Mark(), p, {"operation", "weight"})) {
        if (!Require(*fields, n.Mark(), p, "operation")) errored_paths_.insert(p);
        for (auto& [key, field] : *fields) {
          const std::string kp = p + "." + key;
          Remember(kp, field);
          if (key == "operation") {
            if (auto v = reader_.Str(field)) entry.operation = *v;
          } else if (auto v = reader_.Number(field)) {
            entry.weight = *v;
          }
        }
      } else {
        errored_paths_.insert(p);
      }
      scenario_.workload.mix.push_back(std::move(entry));
    }
  }
};

// The ReadState a Loader owns, as a base so it is built before the Section that refers to it.
struct StateHolder {
  explicit StateHolder(std::string source) : state_(std::move(source)) {}
  ReadState state_;
};

class Loader : private StateHolder, private Section {
 public:
  Loader(std::string source, std::string base_dir)
      : StateHolder(source),
        Section(state_),
        source_(std::move(source)),
        base_dir_(std::move(base_dir)) {}

  sim::Result<Scenario> Load(std::string_view yaml) {
    std::optional<YAML::Node> loaded = config::LoadYaml(yaml, diag_);
    if (!loaded) return Finish();
    YAML::Node root = *loaded;
    // ${env:VAR} references, as the Collector expands them (config/env_expand.h).
    if (!config::ExpandEnv(root, diag_, config::ProcessEnv())) return Finish();
    try {
      Parse(root);
    } catch (const YAML::Exception& e) {  // defensive: yaml-cpp throws on misuse
      Error(e.mark, "", std::string("internal YAML error: ") + e.what(), Status::Code::kInternal);
    }
    return Finish();
  }

 private:
  // Every problem, the samplers' included (issue 9: they were dropped when the scenario had
  // problems of its own), sorted by position: the scenario file's first, then those of files it
  // references. Warnings (unset variables, sampler findings) go to Scenario::warnings when the
  // load succeeds.
  sim::Result<Scenario> Finish() {
    if (!diag_.has_errors()) {
      for (const config::Diagnostic& d : diag_.Sorted()) scenario_.warnings.push_back(d);
      return std::move(scenario_);
    }
    // With errors, the warnings stay in the text: an unset variable explains the error it causes.
    return Status(diag_.ToStatus().code(), diag_.Text());
  }

  void Parse(const YAML::Node& root) {
    const Pos top = root.IsDefined() ? Pos(root.Mark()) : Pos();
    std::optional<Fields> fields =
        GetFields(root, top, "",
                  {"name", "description", "topology", "workload", "duration", "seed", "start_time",
                   "faults", "samplers", "pricing"});
    if (!fields) return;
    const Fields& f = *fields;
    Scenario& s = scenario_;
    s.source = source_;
    s.name = Stem(source_);
    if (f.count("name")) {
      if (auto v = reader_.Str(f.at("name"))) {
        if (v->empty()) Error(f.at("name"), "name", "must not be empty");
        s.name = *v;
      }
    }
    if (f.count("description")) {
      if (auto v = reader_.Str(f.at("description"))) s.description = *v;
    }
    if (f.count("duration")) {
      if (auto v = reader_.Duration(f.at("duration"), Need::kPositive)) s.duration = *v;
    }
    if (f.count("seed")) ParseSeed(f.at("seed"));
    std::string start = std::string(kDefaultStartTime);
    Pos start_mark = top;
    if (f.count("start_time")) {
      start_mark = f.at("start_time");
      if (auto v = reader_.Str(f.at("start_time"))) start = *v;
    }
    sim::Result<int64_t> t = sim::ParseRfc3339(start);
    if (t.ok()) {
      s.start_unix_nanos = *t;
    } else if (!HasError("start_time")) {
      Error(start_mark, "start_time",
            t.status().message() + " (expected RFC 3339 UTC such as " +
                std::string(kDefaultStartTime) + ")");
    }

    if (f.count("pricing")) sampling::ParsePricing(f.at("pricing"), diag_, &s.pricing);
    if (Require(f, top, "", "workload")) WorkloadSection(state_).ParseWorkload(f.at("workload"));
    if (Require(f, top, "", "topology") && LoadTopology(f.at("topology"))) {
      // Entries with a problem of their own are not looked up again.
      for (const workloads::SpecProblem& p : workloads::MixProblems(s.workload, s.model)) {
        const std::string path = "workload." + p.path;
        if (!Overlaps(path)) Error(MarkFor(path), path, p.message, Status::Code::kNotFound);
      }
      if (f.count("faults")) FaultsSection(state_).ParseFaults(f.at("faults"));
      if (f.count("samplers")) {
        const size_t errors_before = diag_.error_count();
        std::vector<sampling::StrategyConfig> samplers =
            sampling::ParseStrategies(f.at("samplers"), base_dir_, diag_);
        if (diag_.error_count() == errors_before) s.samplers = std::move(samplers);
      }
    }
  }

  // Seeds span the whole uint64 range, beyond Reader::Int's int64; the wording names that range.
  void ParseSeed(const Field& f) {
    if (f.node.IsScalar()) {
      const std::string& str = f.node.Scalar();
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
      if (ec == std::errc() && end == str.data() + str.size() && !str.empty()) {
        scenario_.seed = v;
        return;
      }
    }
    Error(f, "seed",
          "must be an integer in [0, 18446744073709551615], got " + config::Show(f.node));
  }

  // Resolves `topology`: a file relative to base_dir_ (or absolute), else a built-in topology.
  bool LoadTopology(const Field& f) {
    std::optional<std::string> ref = reader_.Str(f);
    if (!ref) return false;
    scenario_.topology_ref = *ref;
    if (ref->empty()) {
      Error(f, "topology", "must not be empty");
      return false;
    }
    std::string tried;
    if (!base_dir_.empty() || fs::path(*ref).is_absolute()) {
      fs::path p = fs::path(*ref).is_absolute() ? fs::path(*ref) : fs::path(base_dir_) / *ref;
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) {
        sim::Result<sim::Model> m = topologies::LoadTopologyFile(p.string());
        return TakeModel(std::move(m), f, *ref);
      }
      tried = "no file '" + p.string() + "' and ";
    }
    // The built-in topology named by the reference or by its file name
    // ("../topologies/checkout.yaml", "checkout.yaml" and "checkout" all find checkout.yaml).
    const sim::EmbeddedFile* builtin = nullptr;
    for (const std::string& name : {*ref, fs::path(*ref).filename().string()}) {
      for (const std::string& candidate : {name, name + ".yaml"}) {
        if (builtin == nullptr) builtin = topologies::FindBuiltinTopology(candidate);
      }
    }
    if (builtin == nullptr) {
      Error(f, "topology",
            tried + "no built-in topology '" + *ref + "'" +
                sim::DidYouMean(*ref, topologies::BuiltinTopologyNames()) +
                " (built-ins: " + config::JoinList(topologies::BuiltinTopologyNames()) + ")",
            Status::Code::kNotFound);
      return false;
    }
    sim::Result<sim::Model> m = topologies::LoadBuiltinTopology(
        *builtin, std::string(kBuiltinPrefix) + "topologies/" + builtin->name);
    return TakeModel(std::move(m), f, *ref);
  }

  bool TakeModel(sim::Result<sim::Model> m, const Field& f, const std::string& ref) {
    if (!m.ok()) {
      Error(f, "topology", "'" + ref + "' does not load:\n" + m.status().message(),
            m.status().code());
      return false;
    }
    scenario_.model = std::move(m).value();
    return true;
  }

  std::string source_;
  std::string base_dir_;
};

}  // namespace

sim::Result<Scenario> LoadScenarioYaml(std::string_view yaml, const std::string& source_name,
                                       const std::string& base_dir) {
  return Loader(source_name, base_dir).Load(yaml);
}

sim::Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Status::NotFound("scenario file '" + path + "' does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return Status::IoError("cannot read scenario file '" + path + "'");
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return LoadScenarioYaml(text.str(), path, dir);
}

std::vector<std::string> BuiltinScenarioNames() {
  std::vector<std::string> out;
  for (const sim::EmbeddedFile* f = sim::kBuiltinScenarios; f->name != nullptr; ++f)
    out.push_back(Stem(f->name));
  std::sort(out.begin(), out.end());
  return out;
}

sim::Result<Scenario> LoadBuiltinScenario(std::string_view name) {
  std::string file(name);
  if (file.size() < 5 || file.substr(file.size() - 5) != ".yaml") file += ".yaml";
  const sim::EmbeddedFile* f = sim::FindEmbedded(sim::kBuiltinScenarios, file);
  if (f == nullptr) {
    return Status::NotFound("no built-in scenario '" + std::string(name) + "'" +
                            sim::DidYouMean(name, BuiltinScenarioNames()) +
                            " (built-ins: " + config::JoinList(BuiltinScenarioNames()) + ")");
  }
  return LoadScenarioYaml(std::string_view(f->data, f->size), std::string(kBuiltinPrefix) + f->name,
                          "");
}

sim::Result<Scenario> LoadScenario(std::string_view path_or_name) {
  const std::string s(path_or_name);
  std::error_code ec;
  if (fs::is_regular_file(s, ec)) return LoadScenarioFile(s);
  std::string file = s;
  if (file.size() < 5 || file.substr(file.size() - 5) != ".yaml") file += ".yaml";
  if (sim::FindEmbedded(sim::kBuiltinScenarios, file) != nullptr) return LoadBuiltinScenario(s);
  return Status::NotFound("'" + s + "' is neither a scenario file nor a built-in scenario" +
                          sim::DidYouMean(s, BuiltinScenarioNames()) +
                          " (built-ins: " + config::JoinList(BuiltinScenarioNames()) + ")");
}

}  // namespace tracesim::scenarios
