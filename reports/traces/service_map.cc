#include "reports/traces/service_map.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "reports/text/table.h"

#if TRACESIM_HAVE_GRAPHVIZ
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

namespace tracesim::reports {
namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";  // a line break in a DOT label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* Shape(sim::ServiceKind k) {
  switch (k) {
    case sim::ServiceKind::kService:
      return "shape=box, style=\"rounded,filled\", fillcolor=\"#e8f1fb\"";
    case sim::ServiceKind::kDatabase:
      return "shape=cylinder, style=filled, fillcolor=\"#fdf1dc\"";
    case sim::ServiceKind::kCache:
      return "shape=box3d, style=filled, fillcolor=\"#eaf6ea\"";
    case sim::ServiceKind::kExternal:
      return "shape=hexagon, style=filled, fillcolor=\"#f3e9f7\"";
    case sim::ServiceKind::kMessaging:
      return "shape=cds, style=filled, fillcolor=\"#fbe9e9\"";
  }
  return "shape=box";
}

// (caller service, callee service, operation or kNone) for every call and message in the model.
using EdgeKey = std::tuple<uint32_t, uint32_t, uint32_t>;

void Walk(const sim::Model& m, uint32_t service, const std::vector<sim::Step>& steps, bool per_op,
          std::set<EdgeKey>* out) {
  for (const sim::Step& s : steps) {
    if (s.kind == sim::Step::Kind::kCall && s.call.target < m.operations.size()) {
      const uint32_t callee = m.operations[s.call.target].service;
      out->insert({service, callee, per_op ? s.call.target : sim::kNone});
    } else if (s.kind == sim::Step::Kind::kPublish && s.topic < m.topics.size()) {
      const sim::Topic& t = m.topics[s.topic];
      out->insert({service, t.broker, sim::kNone});
      for (uint32_t c : t.consumers)
        out->insert({t.broker, m.operations[c].service, per_op ? c : sim::kNone});
    }
    Walk(m, service, s.children, per_op, out);
  }
}

// "850 us", "12.5 ms", "3.2 s".
std::string LatencyText(double ms) {
  if (ms < 1) return FormatFixed(ms * 1000, 0) + " us";
  if (ms < 1000) return FormatFixed(ms, ms >= 100 ? 0 : 1) + " ms";
  return FormatFixed(ms / 1000, 1) + " s";
}

}  // namespace

std::string ServiceMapDot(const sim::Model& m, const ServiceMapOptions& o) {
  std::set<EdgeKey> edges;
  for (const sim::Operation& op : m.operations)
    Walk(m, op.service, op.steps, o.per_operation, &edges);
  std::map<std::pair<uint32_t, uint32_t>, const EdgeCount*> counts;
  if (o.counts != nullptr)
    for (const EdgeCount& e : *o.counts) counts[{e.caller, e.callee}] = &e;

  std::string out =
      "digraph services {\n  rankdir=LR;\n  graph [fontname=\"Helvetica\", fontsize=11, "
      "nodesep=0.35, ranksep=0.7];\n  node [fontname=\"Helvetica\", fontsize=11];\n"
      "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#607080\", arrowsize=0.7];\n";
  std::set<sim::ServiceKind> kinds;
  for (const sim::Service& s : m.services) {
    kinds.insert(s.kind);
    out += "  " + Quote(m.strings.Get(s.name)) + " [" + Shape(s.kind) + "];\n";
  }
  for (const auto& [caller, callee, op] : edges) {
    std::string attrs;
    if (op != sim::kNone) attrs = "label=" + Quote(m.strings.Get(m.operations[op].name));
    auto it = counts.find({caller, callee});
    if (op == sim::kNone && it != counts.end() && o.simulated_s > 0) {
      const EdgeCount& e = *it->second;
      const double rate = static_cast<double>(e.calls) / o.simulated_s;
      const double err = e.calls ? static_cast<double>(e.errors) / e.calls : 0;
      attrs = "label=" +
              Quote(FormatFixed(rate, rate >= 10 ? 0 : 1) + "/s" +
                    (o.latency ? " · p99 " + LatencyText(e.p99_ms) : "") +
                    (err > 0 ? "\n" + FormatPercent(err, 1) + " err" : "")) +
              ", penwidth=" + FormatFixed(1 + std::min(3.0, std::log10(1 + rate)), 2);
      if (err >= 0.01) attrs += ", color=\"#c62828\", fontcolor=\"#c62828\"";
    } else if (op == sim::kNone && o.counts != nullptr) {
      attrs = "style=dashed, label=\"0/s\"";
    }
    out += "  " + Quote(m.strings.Get(m.services[caller].name)) + " -> " +
           Quote(m.strings.Get(m.services[callee].name)) +
           (attrs.empty() ? "" : " [" + attrs + "]") + ";\n";
  }
  if (o.legend) {
    out += "  subgraph cluster_legend {\n    label=\"legend\"; fontsize=10; color=\"#c0c6d0\";\n";
    for (sim::ServiceKind k : kinds)
      out += "    \"legend_" + std::string(sim::ServiceKindName(k)) + "\" [label=\"" +
             std::string(sim::ServiceKindName(k)) + "\", " + Shape(k) + ", fontsize=9];\n";
    // Invisible edges lay the legend out in a row instead of a tall column.
    std::string prev;
    for (sim::ServiceKind k : kinds) {
      const std::string node = "\"legend_" + std::string(sim::ServiceKindName(k)) + "\"";
      if (!prev.empty()) out += "    " + prev + " -> " + node + " [style=invis];\n";
      prev = node;
    }
    if (o.counts != nullptr)
      out +=
          "    \"legend_edge\" [shape=plaintext, fontsize=9, label=\"edges: calls/s and "
          "error ratio;\\nred: >= 1% errors\"];\n";
    out += "  }\n";
  }
  return out + "}\n";
}

#if TRACESIM_HAVE_GRAPHVIZ
bool GraphvizAvailable() { return true; }

namespace {

// One Graphviz context for the process, never freed, used under a lock. Graphviz 2.42 (Debian 12)
// is not thread-safe, and its pango text plugin keeps a pointer to the last font name it measured
// (a static in gvtextlayout_pango.c) while that name belongs to the context's font dictionary:
// freeing the context and rendering again read freed memory (found by the ASan build:
// heap-use-after-free in textspan_size). Fonts stay alive as long as the context does.
GVC_t* SharedContext() {
  static GVC_t* const gvc = gvContext();
  return gvc;
}

std::mutex& GraphvizMutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

sim::Result<std::string> RenderDot(const std::string& dot, const std::string& format) {
  if (format != "svg" && format != "png")
    return sim::Status::InvalidArgument("unknown image format '" + format + "' (svg or png)");
  std::lock_guard<std::mutex> lock(GraphvizMutex());
  GVC_t* gvc = SharedContext();
  Agraph_t* g = agmemread(dot.c_str());
  if (g == nullptr) return sim::Status::InvalidArgument("Graphviz could not read the DOT text");
  std::string out;
  sim::Status st;
  if (gvLayout(gvc, g, "dot") != 0) {
    st = sim::Status::Internal("Graphviz layout failed");
  } else {
    char* data = nullptr;
    unsigned int size = 0;
    if (gvRenderData(gvc, g, format.c_str(), &data, &size) != 0 || data == nullptr) {
      st = sim::Status::Internal("Graphviz could not render " + format);
    } else {
      out.assign(data, size);
      gvFreeRenderData(data);
    }
    gvFreeLayout(gvc, g);
  }
  agclose(g);
  if (!st.ok()) return st;
  if (format == "svg") {
    const size_t at = out.find("<svg");
    if (at != std::string::npos) out.erase(0, at);
  }
  return out;
}
#else
bool GraphvizAvailable() { return false; }

sim::Result<std::string> RenderDot(const std::string&, const std::string&) {
  return sim::Status::Unsupported(
      "this tracesim was built without Graphviz (Debian package libgraphviz-dev); use --format "
      "dot and the dot program");
}
#endif

}  // namespace tracesim::reports
