// DescribeText and ToDot: read-only renderings of a compiled Model.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/model/span_kind.h"
#include "topologies/topology.h"

namespace tracesim::topologies {
namespace {

using sim::Model;
using sim::Step;

constexpr int kMaxDepth = 32;  // guards hand-built models with cycles

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string_view Str(const Model& m, sim::StrId id) { return m.strings.Get(id); }

std::string_view ProtocolName(sim::Protocol p) {
  switch (p) {
    case sim::Protocol::kHttp:
      return "http";
    case sim::Protocol::kGrpc:
      return "grpc";
    case sim::Protocol::kDb:
      return "db";
    case sim::Protocol::kCache:
      return "cache";
    case sim::Protocol::kMessaging:
      return "messaging";
    case sim::Protocol::kInternal:
      return "internal";
  }
  return "?";
}

std::string_view LbName(sim::LoadBalancing lb) {
  switch (lb) {
    case sim::LoadBalancing::kRoundRobin:
      return "round_robin";
    case sim::LoadBalancing::kRandom:
      return "random";
    case sim::LoadBalancing::kLeastOutstanding:
      return "least_outstanding";
  }
  return "?";
}

// The value of a string resource attribute of the service's first instance, or "".
std::string ResourceAttr(const Model& m, const sim::Service& s, std::string_view key) {
  if (s.resources.empty()) return "";
  for (const sim::Attr& a : m.resources[s.resources[0]].attrs)
    if (Str(m, a.key) == key && a.value.type == sim::AttrValue::Type::kString)
      return std::string(Str(m, a.value.str));
  return "";
}

std::string Capacity(const sim::Service& s) {
  std::string out = std::to_string(s.instances) + (s.instances == 1 ? " instance" : " instances");
  if (s.concurrency == 0) return out + ", unlimited concurrency";
  out += " x " + std::to_string(s.concurrency) + " workers, queue ";
  out +=
      s.queue_capacity == 0xFFFFFFFFu ? std::string("unlimited") : std::to_string(s.queue_capacity);
  return out;
}

// Operations that no other operation calls: where workloads start traces.
std::vector<uint32_t> EntryOperations(const Model& m) {
  std::vector<bool> called(m.operations.size(), false);
  auto mark = [&](auto&& self, const std::vector<Step>& steps) -> void {
    for (const Step& s : steps) {
      if (s.kind == Step::Kind::kCall && s.call.target < called.size())
        called[s.call.target] = true;
      self(self, s.children);
    }
  };
  for (const sim::Operation& op : m.operations) mark(mark, op.steps);
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < m.operations.size(); ++i) {
    const sim::Operation& op = m.operations[i];
    if (!called[i] && op.emits_span && op.kind != sim::SpanKind::kConsumer) out.push_back(i);
  }
  return out;
}

class TextWriter {
 public:
  explicit TextWriter(const Model& m) : m_(m) {}

  std::string Run() {
    out_ += "topology " + (m_.source.empty() ? std::string("(unnamed)") : m_.source) + "\n";
    size_t services = 0, deps = 0;
    for (const sim::Service& s : m_.services)
      (s.kind == sim::ServiceKind::kService ? services : deps)++;
    out_ += "services (" + std::to_string(services) + "):\n";
    for (const sim::Service& s : m_.services)
      if (s.kind == sim::ServiceKind::kService) Service(s);
    if (deps > 0) {
      out_ += "dependencies (" + std::to_string(deps) + "):\n";
      for (uint32_t i = 0; i < m_.services.size(); ++i)
        if (m_.services[i].kind != sim::ServiceKind::kService) Dependency(i);
    }
    out_ += "entry operations:\n";
    for (uint32_t op : EntryOperations(m_)) {
      std::vector<uint32_t> stack = {op};
      out_ += "  " + m_.OperationRef(op) + "\n";
      Steps(m_.operations[op].steps, 4, stack);
    }
    return out_;
  }

 private:
  void Service(const sim::Service& s) {
    out_ += "  " + std::string(Str(m_, s.name)) + " " + std::string(Str(m_, s.version));
    std::string lang = ResourceAttr(m_, s, "telemetry.sdk.language");
    if (!lang.empty()) out_ += " (" + lang + ")";
    out_ += ": " + Capacity(s) + ", " + std::string(LbName(s.load_balancing)) + ", " +
            std::string(Str(m_, s.address)) + ":" + std::to_string(s.port) + "\n";
    for (uint32_t i : s.operations) {
      const sim::Operation& op = m_.operations[i];
      out_ += "    " + std::string(Str(m_, op.name)) + " [" +
              std::string(ProtocolName(op.protocol)) + " " +
              std::string(sim::SpanKindName(op.kind)) + "] span '" +
              std::string(Str(m_, op.span_name)) + "'";
      if (op.error_rate > 0) out_ += ", errors " + Num(op.error_rate * 100) + "%";
      out_ += "\n";
    }
  }

  void Dependency(uint32_t index) {
    const sim::Service& s = m_.services[index];
    out_ += "  " + std::string(Str(m_, s.name)) + " [" + std::string(sim::ServiceKindName(s.kind)) +
            "] " + std::string(Str(m_, s.address));
    if (s.port) out_ += ":" + std::to_string(s.port);
    out_ += ", " + Capacity(s) + "\n";
    for (uint32_t i : s.operations) {
      const sim::Operation& op = m_.operations[i];
      out_ += "    " + std::string(Str(m_, op.name)) + " span '" +
              std::string(Str(m_, op.client_span_name)) + "'";
      if (!op.steps.empty()) out_ += ", latency " + op.steps[0].work.Describe();
      out_ += "\n";
    }
    for (const sim::Topic& t : m_.topics) {
      if (t.broker != index) continue;
      out_ += "    topic " + std::string(Str(m_, t.name)) + ": publish " +
              t.publish_latency.Describe() + ", delivery " + t.delivery_latency.Describe() +
              ", consumers:";
      if (t.consumers.empty()) out_ += " none";
      for (uint32_t c : t.consumers) out_ += " " + m_.OperationRef(c);
      out_ += "\n";
    }
  }

  // " x 3", " x 1..5", " x poisson(mean=2)"; "" for exactly once.
  static std::string Count(const sim::Distribution& d) {
    if (d.kind() == sim::Distribution::Kind::kConstant)
      return d.Mean() == 1 ? "" : " x " + Num(std::round(d.Mean()));
    if (d.kind() == sim::Distribution::Kind::kUniform)
      return " x " + Num(std::round(d.Quantile(0))) + ".." + Num(std::round(d.Quantile(0.999999)));
    return " x " + d.Describe(false);
  }

  static std::string Prob(double p) { return p < 1 ? " (p=" + Num(p) + ")" : ""; }

  void Steps(const std::vector<Step>& steps, int indent, std::vector<uint32_t>& stack) {
    std::string pad(static_cast<size_t>(indent), ' ');
    for (const Step& s : steps) {
      switch (s.kind) {
        case Step::Kind::kWork:
          out_ += pad + "work " + s.work.Describe() + Prob(s.probability) + "\n";
          break;
        case Step::Kind::kCall: {
          if (s.call.target >= m_.operations.size()) {
            out_ += pad + "call ?\n";
            break;
          }
          const sim::Operation& t = m_.operations[s.call.target];
          out_ += pad + "call " + m_.OperationRef(s.call.target);
          out_ += Count(s.call.count);
          out_ += Prob(s.call.probability);
          if (!t.emits_span) {
            if (!t.steps.empty()) out_ += ", latency " + t.steps[0].work.Describe();
            out_ += "\n";
          } else {
            out_ += "\n";
            Expand(s.call.target, indent + 2, stack);
          }
          break;
        }
        case Step::Kind::kParallel:
          out_ += pad + "parallel" + Prob(s.probability) + ":\n";
          Steps(s.children, indent + 2, stack);
          break;
        case Step::Kind::kPublish: {
          if (s.topic >= m_.topics.size()) {
            out_ += pad + "publish ?\n";
            break;
          }
          const sim::Topic& t = m_.topics[s.topic];
          out_ += pad + "publish " + std::string(Str(m_, t.name)) + " via " +
                  std::string(Str(m_, m_.services[t.broker].name)) + Prob(s.probability) +
                  " (async)\n";
          for (uint32_t c : t.consumers) {
            out_ += pad + "  ~> " + m_.OperationRef(c) + "\n";
            Expand(c, indent + 4, stack);
          }
          break;
        }
        case Step::Kind::kSpan:
          out_ += pad + "span '" + std::string(Str(m_, s.span_name)) + "'" + Prob(s.probability) +
                  ":\n";
          Steps(s.children, indent + 2, stack);
          break;
      }
    }
  }

  void Expand(uint32_t op, int indent, std::vector<uint32_t>& stack) {
    for (uint32_t on : stack) {
      if (on == op) {
        out_ += std::string(static_cast<size_t>(indent), ' ') + "(cycle)\n";
        return;
      }
    }
    if (stack.size() >= kMaxDepth) return;
    stack.push_back(op);
    Steps(m_.operations[op].steps, indent, stack);
    stack.pop_back();
  }

  const Model& m_;
  std::string out_;
};

std::string DotQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

class DotWriter {
 public:
  explicit DotWriter(const Model& m) : m_(m) {}

  std::string Run() {
    std::string name = m_.source;
    if (size_t slash = name.find_last_of('/'); slash != std::string::npos)
      name = name.substr(slash + 1);
    if (size_t dot = name.rfind('.'); dot != std::string::npos && dot > 0)
      name = name.substr(0, dot);
    if (name.empty()) name = "topology";
    out_ = "digraph " + DotQuote(name) + " {\n";
    out_ += "  rankdir=LR;\n";
    out_ += "  node [fontname=\"Helvetica\", fontsize=10];\n";
    out_ += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    for (const sim::Service& s : m_.services) Node(s);
    for (uint32_t i = 0; i < m_.operations.size(); ++i) Edges(i, m_.operations[i].steps, false);
    for (const sim::Topic& t : m_.topics) {
      for (uint32_t c : t.consumers) {
        const sim::Operation& op = m_.operations[c];
        out_ += "  " + DotQuote(Str(m_, m_.services[t.broker].name)) + " -> " +
                DotQuote(Str(m_, m_.services[op.service].name)) + " [label=" +
                DotQuote(std::string(Str(m_, t.name)) + " -> " + std::string(Str(m_, op.name)) +
                         "\n(async)") +
                ", style=dashed];\n";
      }
    }
    out_ += "}\n";
    return out_;
  }

 private:
  void Node(const sim::Service& s) {
    std::string shape = "box", label(Str(m_, s.name)), extra;
    switch (s.kind) {
      case sim::ServiceKind::kService:
        extra = ", style=rounded";
        label += "\n" + std::to_string(s.instances) + " x " +
                 (s.concurrency ? std::to_string(s.concurrency) : std::string("unlimited"));
        break;
      case sim::ServiceKind::kDatabase:
        shape = "cylinder";
        break;
      case sim::ServiceKind::kCache:
        shape = "cylinder";
        extra = ", style=dashed";
        break;
      case sim::ServiceKind::kExternal:
        shape = "hexagon";
        break;
      case sim::ServiceKind::kMessaging:
        shape = "parallelogram";
        break;
    }
    out_ += "  " + DotQuote(Str(m_, s.name)) + " [shape=" + shape + extra +
            ", label=" + DotQuote(label) + "];\n";
  }

  void Edges(uint32_t from, const std::vector<Step>& steps, bool in_parallel) {
    const sim::Operation& op = m_.operations[from];
    std::string caller(Str(m_, m_.services[op.service].name));
    for (const Step& s : steps) {
      if (s.kind == Step::Kind::kCall && s.call.target < m_.operations.size()) {
        const sim::Operation& t = m_.operations[s.call.target];
        std::string label = std::string(Str(m_, op.name)) + " -> " + std::string(Str(m_, t.name)) +
                            "\n(" + (in_parallel ? "parallel" : "sync");
        double p = s.call.probability * s.probability;
        if (p < 1) label += ", p=" + Num(p);
        label += ")";
        out_ += "  " + DotQuote(caller) + " -> " + DotQuote(Str(m_, m_.services[t.service].name)) +
                " [label=" + DotQuote(label) + "];\n";
      } else if (s.kind == Step::Kind::kPublish && s.topic < m_.topics.size()) {
        const sim::Topic& t = m_.topics[s.topic];
        std::string label = std::string(Str(m_, op.name)) + " -> " +
                            std::string(Str(m_, t.producer_span_name)) + "\n(async";
        if (s.probability < 1) label += ", p=" + Num(s.probability);
        label += ")";
        out_ += "  " + DotQuote(caller) + " -> " + DotQuote(Str(m_, m_.services[t.broker].name)) +
                " [label=" + DotQuote(label) + ", style=dashed];\n";
      }
      Edges(from, s.children, in_parallel || s.kind == Step::Kind::kParallel);
    }
  }

  const Model& m_;
  std::string out_;
};

}  // namespace

std::string DescribeText(const sim::Model& model) { return TextWriter(model).Run(); }

std::string ToDot(const sim::Model& model) { return DotWriter(model).Run(); }

}  // namespace tracesim::topologies
