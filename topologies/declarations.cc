// Pass 1 of the topology compiler: generators, then every service, dependency, operation and
// topic is declared (names, indexes) so references can point forward.
#include "topologies/compiler.h"

namespace tracesim::topologies::compiler {
namespace {

class Declarations : public Pass {
 public:
  explicit Declarations(CompileState& st) : Pass(st) {}

  // ---- pass 1: generators and declarations ----------------------------------------------------

  // `generators:`: each named generator with its kind's keys (which keys apply to which kind).
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
        case 0:
          ParseIdGenerator(f, g);
          break;
        case 1:
          ParseIntGenerator(f, g);
          break;
        case 2:
          ParseChoiceGenerator(f, g);
          break;
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

  // kind: id: prefix, cardinality, skew.
  void ParseIdGenerator(const Fields& f, sim::AttrGenerator& g) {
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
  }

  // kind: int: min <= max.
  void ParseIntGenerator(const Fields& f, sim::AttrGenerator& g) {
    g.kind = sim::AttrGenerator::Kind::kIntRange;
    const Val* lo = Require(f, "min");
    const Val* hi = Require(f, "max");
    constexpr int64_t kLim = std::numeric_limits<int64_t>::max() / 4;
    std::optional<int64_t> a, b;
    if (lo) a = Int(*lo, -kLim, kLim);
    if (hi) b = Int(*hi, -kLim, kLim);
    if (a && b && *b < *a)
      r_.Error(*hi, "max (" + std::to_string(*b) + ") is below min (" + std::to_string(*a) + ")");
    if (a) g.min = *a;
    if (b) g.max = std::max(*b, g.min);
  }

  // kind: choice: `choices:` value: weight (> 0), turned into cumulative probabilities.
  void ParseChoiceGenerator(const Fields& f, sim::AttrGenerator& g) {
    g.kind = sim::AttrGenerator::Kind::kWeighted;
    const Val* c = Require(f, "choices");
    if (c == nullptr) return;
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
      service_index_.emplace(*name, static_cast<uint32_t>(m_.services.size()));
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
};

}  // namespace

void ParseGenerators(CompileState& st, const Val& v) { Declarations(st).ParseGenerators(v); }
void Declare(CompileState& st, const Val& list, bool dependency) {
  Declarations(st).Declare(list, dependency);
}

}  // namespace tracesim::topologies::compiler
