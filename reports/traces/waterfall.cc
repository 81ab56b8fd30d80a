#include "reports/traces/waterfall.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "reports/text/table.h"
#include "sim/model/span_kind.h"

namespace tracesim::reports {

sim::Status WaterfallOptions::Validate() const {
  if (width < 60 || width > 1000)
    return sim::Status::InvalidArgument("the width must be in [60, 1000] columns, got " +
                                        std::to_string(width));
  return sim::Status::Ok();
}

namespace {

constexpr char kCritical[] = "█";
constexpr char kOther[] = "▒";
constexpr char kClipLeft[] = "◀";
constexpr char kClipRight[] = "▶";
constexpr int kKindWidth = 8, kDurationWidth = 9, kOffsetWidth = 10, kStatusWidth = 6;
// Service colours (ANSI 256-colour foregrounds picked to stay readable on dark and light).
constexpr int kPalette[] = {33, 35, 36, 32, 166, 99, 30, 127};

std::string FormatDuration(int64_t nanos) {
  char buf[32];
  const double ms = static_cast<double>(nanos) / 1e6;
  const double mag = ms < 0 ? -ms : ms;
  if (mag >= 1000)
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  else if (mag >= 1 || nanos == 0)
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  else
    std::snprintf(buf, sizeof buf, "%.0f us", ms * 1000);
  return buf;
}

// The KIND column: sim::SpanKindName, with "unspecified" (the one name wider than the column)
// cut to "unspec".
std::string_view KindColumn(sim::SpanKind k) {
  std::string_view name = sim::SpanKindName(k);
  return name.size() > static_cast<size_t>(kKindWidth) ? name.substr(0, 6) : name;
}

std::string_view StatusName(sim::StatusCode s) {
  return s == sim::StatusCode::kError ? "ERROR" : s == sim::StatusCode::kOk ? "OK" : "-";
}

// Cuts `s` to `width` display columns, ending with "…" when cut.
std::string Fit(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  if (width == 0) return "";
  std::string out;
  size_t cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool lead = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (lead && cols == width - 1) break;
    if (lead) ++cols;
    out += s[i];
  }
  return out + "…";
}

std::string PadRight(const std::string& s, size_t width) {
  std::string out = Fit(s, width);
  return out + std::string(width - DisplayWidth(out), ' ');
}

std::string PadLeft(const std::string& s, size_t width) {
  std::string out = Fit(s, width);
  return std::string(width - DisplayWidth(out), ' ') + out;
}

std::string Hex32(const sim::TraceId& id) {
  char buf[32];
  sim::TraceIdToHex(id, buf);
  return std::string(buf, 32);
}

std::string Hex16(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// The tree: parent index (kNone for a root or an orphan), children in start order, and the order
// in which rows are printed (depth first) with their depth.
struct Tree {
  std::vector<uint32_t> parent;
  std::vector<bool> orphan;  // a parent id that is not in the trace (not exported)
  std::vector<std::vector<uint32_t>> children;
  std::vector<uint32_t> roots;
  std::vector<std::pair<uint32_t, int>> rows;  // (span index, depth)
};

Tree BuildTree(const std::vector<sim::Span>& spans) {
  Tree t;
  const uint32_t n = static_cast<uint32_t>(spans.size());
  t.parent.assign(n, sim::kNone);
  t.orphan.assign(n, false);
  t.children.resize(n);
  std::unordered_map<uint64_t, uint32_t> by_id;
  by_id.reserve(n);
  for (uint32_t i = 0; i < n; ++i) by_id.emplace(spans[i].span_id, i);
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t p = spans[i].parent_span_id;
    auto it = p == 0 ? by_id.end() : by_id.find(p);
    if (it == by_id.end() || it->second == i) {
      t.orphan[i] = p != 0;
      t.roots.push_back(i);
    } else {
      t.parent[i] = it->second;
      t.children[it->second].push_back(i);
    }
  }
  // Depth first, iteratively (deep traces must not overflow the stack).
  std::vector<std::pair<uint32_t, int>> stack;
  for (auto r = t.roots.rbegin(); r != t.roots.rend(); ++r) stack.push_back({*r, 0});
  while (!stack.empty()) {
    auto [i, depth] = stack.back();
    stack.pop_back();
    t.rows.push_back({i, depth});
    for (auto c = t.children[i].rbegin(); c != t.children[i].rend(); ++c)
      stack.push_back({*c, depth + 1});
  }
  return t;
}

void MarkPath(const std::vector<sim::Span>& spans, const Tree& tree, uint32_t i, int64_t until,
              std::vector<bool>* marks) {
  // Iterative over the chain of last-finishing children; siblings before it recurse.
  (*marks)[i] = true;
  const sim::Span& s = spans[i];
  int64_t cursor = std::min(until, s.end_unix_nano);
  std::vector<uint32_t> kids = tree.children[i];
  std::stable_sort(kids.begin(), kids.end(), [&](uint32_t a, uint32_t b) {
    return spans[a].end_unix_nano > spans[b].end_unix_nano;
  });
  for (uint32_t c : kids) {
    const sim::Span& k = spans[c];
    if (cursor <= s.start_unix_nano) break;
    if (k.start_unix_nano >= cursor) continue;  // started after the cursor: ran in parallel
    MarkPath(spans, tree, c, std::min(cursor, k.end_unix_nano), marks);
    cursor = std::max(k.start_unix_nano, s.start_unix_nano);
  }
}

struct Annotated {
  std::vector<std::string> notes;
  bool skewed = false;
};

// What the ground truth and the timestamps say about span i.
Annotated Annotate(const CapturedTrace& trace, const Tree& tree, uint32_t i,
                   const sim::Model& model, const sim::FaultPlan* plan) {
  Annotated a;
  const sim::Span& s = trace.spans[i];
  const sim::TraceTruth& truth = trace.truth;
  uint32_t instance = sim::kNone;
  if (s.resource < model.resources.size()) instance = model.resources[s.resource].instance;
  if (plan != nullptr) {
    for (size_t f = 0; f < plan->faults.size(); ++f) {
      const sim::Fault& fault = plan->faults[f];
      if (fault.kind == sim::Fault::Kind::kClockSkew) {
        if (fault.Targets(s.service, s.operation, instance) && fault.ActiveAt(truth.start)) {
          a.skewed = true;
          a.notes.push_back("clock skew: fault " + fault.id + " shifts this host's clock");
        }
        continue;
      }
      if (f >= 64 || !((truth.fault_mask >> f) & 1) || fault.service == sim::kNone) continue;
      const bool here = fault.Targets(s.service, s.operation, instance);
      const bool callee = s.peer != sim::kNone && fault.service == s.peer &&
                          (fault.operation == sim::kNone || fault.operation == s.operation);
      if (!here && !callee) continue;
      if (fault.kind == sim::Fault::Kind::kSpanLoss) continue;  // the header counts lost spans
      if (fault.kind == sim::Fault::Kind::kBrokenPropagation) {
        // The context was lost on this call when the callee is instrumented but has no span here.
        const bool outgoing =
            s.kind == sim::SpanKind::kClient || s.kind == sim::SpanKind::kProducer;
        if (here && outgoing && tree.children[i].empty() && s.peer < model.services.size() &&
            model.services[s.peer].kind == sim::ServiceKind::kService)
          a.notes.push_back("context lost on this call (fault " + fault.id +
                            "): the callee's spans are in another trace");
        continue;
      }
      a.notes.push_back("fault " + fault.id + " (" + std::string(sim::FaultKindName(fault.kind)) +
                        (here ? ")" : " on the callee)"));
    }
  }
  if (truth.error && truth.root_cause_service == s.service &&
      (truth.root_cause_operation == sim::kNone || truth.root_cause_operation == s.operation) &&
      s.status == sim::StatusCode::kError && s.kind != sim::SpanKind::kClient) {
    a.notes.push_back("root cause of the failure");
  }
  if (s.status == sim::StatusCode::kError && s.status_message != sim::kEmptyStr)
    a.notes.push_back("status: " + std::string(model.strings.Get(s.status_message)));
  if (tree.orphan[i]) a.notes.push_back("parent span not exported");
  const uint32_t p = tree.parent[i];
  if (p != sim::kNone) {
    const sim::Span& ps = trace.spans[p];
    const bool async = s.kind == sim::SpanKind::kConsumer || ps.kind == sim::SpanKind::kProducer;
    if (s.start_unix_nano < ps.start_unix_nano) {
      a.skewed = true;
      a.notes.push_back("starts " + FormatDuration(ps.start_unix_nano - s.start_unix_nano) +
                        " before its parent (clock skew)");
    } else if (!async && s.end_unix_nano > ps.end_unix_nano) {
      a.skewed = true;
      a.notes.push_back("ends " + FormatDuration(s.end_unix_nano - ps.end_unix_nano) +
                        " after its parent (clock skew)");
    }
  }
  return a;
}

std::string Colour(const std::string& text, const char* code, bool on) {
  if (!on || text.empty()) return text;
  return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

std::string Header(const CapturedTrace& trace, const Tree& tree, const sim::Model& model,
                   const sim::FaultPlan* plan, const WaterfallOptions& o) {
  const sim::TraceTruth& t = trace.truth;
  std::string entry = "(no spans exported)";
  if (!tree.roots.empty()) {
    const sim::Span& r = trace.spans[tree.roots.front()];
    entry = std::string(model.strings.Get(model.services[r.service].name)) + " " +
            std::string(model.strings.Get(r.name));
  }
  std::string status = t.root_error ? "ERROR (user-visible)" : t.error ? "errors inside" : "OK";
  std::vector<std::string> head = {(t.fragment ? "fragment " : "trace ") + Hex32(trace.trace_id),
                                   entry,
                                   FormatDuration(t.latency().nanos()),
                                   status,
                                   std::to_string(trace.spans.size()) + " spans",
                                   "shape " + Hex16(t.shape)};
  std::string line;
  std::string cur;
  for (const std::string& h : head) {
    if (!cur.empty() && DisplayWidth(cur) + 2 + DisplayWidth(h) > static_cast<size_t>(o.width)) {
      line += cur + "\n";
      cur = "  ";
    } else if (!cur.empty()) {
      cur += "  ";
    }
    cur += h == status ? Colour(Fit(h, o.width - 2), "1;31", o.colour && t.error)
                       : Fit(h, o.width - 2);
  }
  line += cur + "\n";
  std::vector<std::string> facts;
  if (t.fragment)
    facts.push_back("continues trace " + Hex32(t.parent_trace_id) + " after a lost context");
  if (t.fragmented) facts.push_back("part of this request continued in another trace");
  if (plan != nullptr) {
    for (size_t f = 0; f < plan->faults.size() && f < 64; ++f) {
      if (!((t.fault_mask >> f) & 1)) continue;
      const sim::Fault& fault = plan->faults[f];
      std::string target = fault.service < model.services.size()
                               ? std::string(model.strings.Get(model.services[fault.service].name))
                               : "the workload";
      facts.push_back("fault " + fault.id + " (" + std::string(sim::FaultKindName(fault.kind)) +
                      " on " + target + ")");
    }
  }
  if (t.error && t.root_cause_service < model.services.size()) {
    facts.push_back("root cause " + (t.root_cause_operation < model.operations.size()
                                         ? model.OperationRef(t.root_cause_operation)
                                         : std::string(model.strings.Get(
                                               model.services[t.root_cause_service].name))));
  }
  if (t.retries)
    facts.push_back(std::to_string(t.retries) + (t.retries == 1 ? " retry" : " retries"));
  if (t.timeouts)
    facts.push_back(std::to_string(t.timeouts) + (t.timeouts == 1 ? " timeout" : " timeouts"));
  if (t.lost_spans) facts.push_back(std::to_string(t.lost_spans) + " spans lost");
  std::string extra;
  for (const std::string& f : facts) {
    const std::string piece = (extra.empty() ? "  " : ", ") + f;
    if (DisplayWidth(extra) + DisplayWidth(piece) > static_cast<size_t>(o.width)) {
      if (!extra.empty()) line += extra + "\n";
      extra = Fit("  " + f, o.width);
    } else {
      extra += piece;
    }
  }
  if (!extra.empty()) line += extra + "\n";
  return line;
}

}  // namespace

std::vector<bool> CriticalPath(const std::vector<sim::Span>& spans) {
  const Tree tree = BuildTree(spans);
  std::vector<bool> marks(spans.size(), false);
  for (uint32_t r : tree.roots) MarkPath(spans, tree, r, spans[r].end_unix_nano, &marks);
  return marks;
}

// Lays out the columns, then prints the axis and one row (plus notes) per span. Long because
// it is one table layout; the pieces it needs are the helpers above.
std::string RenderWaterfall(const CapturedTrace& trace, const sim::Model& model,
                            const sim::FaultPlan* plan, const WaterfallOptions& o) {
  const Tree tree = BuildTree(trace.spans);
  std::string out = Header(trace, tree, model, plan, o);
  if (trace.spans.empty()) return out;
  std::vector<bool> critical(trace.spans.size(), false);
  for (uint32_t r : tree.roots)
    MarkPath(trace.spans, tree, r, trace.spans[r].end_unix_nano, &critical);

  // The axis: the roots' window (skewed spans outside it are clipped, not allowed to squash it).
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  for (uint32_t r : tree.roots) {
    t0 = std::min(t0, trace.spans[r].start_unix_nano);
    t1 = std::max(t1, trace.spans[r].end_unix_nano);
  }
  const int64_t total = std::max<int64_t>(1, t1 - t0);

  size_t svc_w = 7, name_w = 4;
  for (auto [i, depth] : tree.rows) {
    const sim::Span& s = trace.spans[i];
    svc_w = std::max(svc_w,
                     DisplayWidth(std::string(model.strings.Get(model.services[s.service].name))));
    name_w = std::max(name_w, 2 * static_cast<size_t>(depth) +
                                  DisplayWidth(std::string(model.strings.Get(s.name))));
  }
  svc_w = std::min<size_t>(svc_w, 16);
  name_w = std::min<size_t>(name_w, 36);
  // Columns: marker, service, span, kind, |bar|, duration, offset, status. On narrow screens the
  // names shrink first, then the kind and offset columns go, so the bars keep >= 12 columns.
  bool show_kind = true, show_offset = true;
  auto fixed = [&] {
    return 2 + 2 + 2 + (show_kind ? kKindWidth + 2 : 0) + 4 + kDurationWidth + 2 +
           (show_offset ? kOffsetWidth + 2 : 0) + 2 + kStatusWidth;
  };
  int bar_w = o.width - fixed() - static_cast<int>(svc_w + name_w);
  if (bar_w < 20) {  // give the bars room: narrow the names, then the services
    size_t need = static_cast<size_t>(20 - bar_w);
    size_t cut = std::min(need, name_w > 12 ? name_w - 12 : 0);
    name_w -= cut;
    need -= cut;
    cut = std::min(need, svc_w > 8 ? svc_w - 8 : 0);
    svc_w -= cut;
    bar_w = o.width - fixed() - static_cast<int>(svc_w + name_w);
  }
  if (bar_w < 12) show_kind = false;
  bar_w = o.width - fixed() - static_cast<int>(svc_w + name_w);
  if (bar_w < 12) show_offset = false;
  bar_w = o.width - fixed() - static_cast<int>(svc_w + name_w);
  const size_t bw = static_cast<size_t>(std::max(bar_w, 8));

  // Axis labels: 0 at the left, the middle and the total at the right.
  std::string axis(bw, ' ');
  auto place = [&](const std::string& label, size_t at) {
    if (at + label.size() > bw) at = bw >= label.size() ? bw - label.size() : 0;
    for (size_t k = 0; k < label.size() && at + k < bw; ++k) axis[at + k] = label[k];
  };
  place("0", 0);
  const std::string end_label = FormatDuration(total), mid_label = FormatDuration(total / 2);
  if (bw >= end_label.size() + mid_label.size() + 6)
    place(mid_label, bw / 2 - mid_label.size() / 2);
  place(end_label, bw - end_label.size());

  out += "  " + PadRight("SERVICE", svc_w) + "  " + PadRight("SPAN", name_w) + "  " +
         (show_kind ? PadRight("KIND", kKindWidth) + "  " : "") + "|" + axis + "|  " +
         PadLeft("DURATION", kDurationWidth) + "  " +
         (show_offset ? PadLeft("OFFSET", kOffsetWidth) + "  " : "") +
         PadRight("STATUS", kStatusWidth) + "\n";

  const std::string note_indent(2 + svc_w + 2, ' ');
  for (auto [i, depth] : tree.rows) {
    const sim::Span& s = trace.spans[i];
    const Annotated a = Annotate(trace, tree, i, model, plan);
    const bool crit = critical[i];
    // The bar, in cells of total / bw nanoseconds.
    const double scale = static_cast<double>(bw) / static_cast<double>(total);
    const int64_t rs = s.start_unix_nano - t0, re = s.end_unix_nano - t0;
    const bool clip_l = rs<0, clip_r = re> total;
    int64_t c0 = static_cast<int64_t>(static_cast<double>(std::max<int64_t>(rs, 0)) * scale);
    int64_t c1 = static_cast<int64_t>(static_cast<double>(std::min(re, total)) * scale + 0.999999);
    c0 = std::clamp<int64_t>(c0, 0, static_cast<int64_t>(bw) - 1);
    c1 = std::clamp<int64_t>(c1, c0 + 1, static_cast<int64_t>(bw));
    if (rs > total) c0 = c1 = static_cast<int64_t>(bw);  // entirely right of the axis
    if (re < 0) c0 = c1 = 0;                             // entirely left of it
    std::string bar;
    for (int64_t c = 0; c < static_cast<int64_t>(bw); ++c) {
      if (c == 0 && clip_l)
        bar += kClipLeft;
      else if (c == static_cast<int64_t>(bw) - 1 && clip_r)
        bar += kClipRight;
      else if (c >= c0 && c < c1)
        bar += crit ? kCritical : kOther;
      else
        bar += ' ';
    }
    const int colour = kPalette[s.service % (sizeof kPalette / sizeof kPalette[0])];
    const std::string fg = "38;5;" + std::to_string(colour);
    const std::string svc = std::string(model.strings.Get(model.services[s.service].name));
    const std::string name = std::string(2 * static_cast<size_t>(std::min(depth, 12)), ' ') +
                             std::string(model.strings.Get(s.name));
    const bool err = s.status == sim::StatusCode::kError;
    out +=
        Colour(crit ? "*" : " ", "1", o.colour) + " " +
        Colour(PadRight(svc, svc_w), fg.c_str(), o.colour) + "  " +
        Colour(PadRight(name, name_w), "1", o.colour && crit) + "  " +
        (show_kind ? PadRight(std::string(KindColumn(s.kind)), kKindWidth) + "  " : "") + "|" +
        Colour(bar, fg.c_str(), o.colour) + "|  " +
        PadLeft(FormatDuration(s.duration_nanos()), kDurationWidth) + "  " +
        (show_offset
             ? PadLeft((rs < 0 ? "-" : "") + FormatDuration(rs < 0 ? -rs : rs), kOffsetWidth) + "  "
             : "") +
        Colour(std::string(StatusName(s.status)), "1;31", o.colour && err) +  // last: unpadded
        "\n";
    for (const std::string& note : a.notes) {
      const std::string text =
          Fit(std::string(2 * static_cast<size_t>(std::min(depth, 12)), ' ') + "↳ " + note,
              static_cast<size_t>(o.width) - note_indent.size());
      out += note_indent + Colour(text, "35", o.colour) + "\n";
    }
  }
  out += Fit("  * critical path (" + std::string(kCritical) + "), " + kOther + " other spans, " +
                 kClipLeft + kClipRight + " clipped at the root's window",
             static_cast<size_t>(o.width)) +
         "\n";
  return out;
}

std::string RenderPicked(const PickedTrace& picked, const sim::Model& model,
                         const sim::FaultPlan* plan, const WaterfallOptions& options) {
  std::string out = RenderWaterfall(picked.trace, model, plan, options);
  for (const CapturedTrace& f : picked.fragments)
    out += "\n" + RenderWaterfall(f, model, plan, options);
  return out;
}

}  // namespace tracesim::reports
