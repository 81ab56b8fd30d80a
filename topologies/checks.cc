// Pass 3 of the topology compiler: whole-model checks (calls to consumer or internal operations,
// synchronous call cycles).
#include "topologies/compiler.h"

namespace tracesim::topologies::compiler {
namespace {

class ModelChecks : public Pass {
 public:
  explicit ModelChecks(CompileState& st) : Pass(st) {}

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
    // Depth-first with an explicit stack (an operation and its next call site), so a chain of
    // any length cannot overflow the C++ stack; the order is the recursive search's.
    std::vector<std::pair<uint32_t, size_t>> stack;
    for (uint32_t root = 0; root < n; ++root) {
      if (color[root] != 0) continue;
      color[root] = 1;
      stack.emplace_back(root, 0);
      while (!stack.empty()) {
        const auto [u, next] = stack.back();
        if (next == out[u].size()) {
          color[u] = 2;
          stack.pop_back();
          if (!stack.empty()) path.pop_back();  // the call site that led to u
          continue;
        }
        ++stack.back().second;
        const size_t ci = out[u][next];
        const uint32_t v = calls_[ci].to;
        if (color[v] == 1) {
          ReportCycle(path, ci, v, &reported);
        } else if (color[v] == 0) {
          path.push_back(ci);
          color[v] = 1;
          stack.emplace_back(v, 0);
        }
      }
    }
  }

 private:
  // The cycle closed by call site `ci` into `v`, an operation on `path`: reported once per set of
  // operations, at the call that leaves the cycle's first operation.
  void ReportCycle(const std::vector<size_t>& path, size_t ci, uint32_t v,
                   std::set<std::vector<uint32_t>>* reported) {
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
    if (!reported->insert(key).second) return;
    std::string text = m_.OperationRef(calls_[cyc[0]].from);
    for (size_t c : cyc) text += " -> " + m_.OperationRef(calls_[c].to);
    r_.Error(calls_[cyc[0]].where, "synchronous call cycle: " + text);
  }
};

}  // namespace

void CheckCalls(CompileState& st) { ModelChecks(st).CheckCalls(); }
void CheckCycles(CompileState& st) { ModelChecks(st).CheckCycles(); }

}  // namespace tracesim::topologies::compiler
