// A small hand-built Model and trace for exporter tests. Test-only.
#ifndef TRACESIM_EXPORTER_TEST_MODEL_H_
#define TRACESIM_EXPORTER_TEST_MODEL_H_

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::exporter::testing {

// Services: frontend (0), checkout (1), postgres (2, database).
// Operations: 0 frontend "GET /" (scope http 1.2.0), 1 checkout "POST /checkout" (scope grpc
// 1.60.0), 2 postgres "SELECT orders" (no span, no scope).
// Resources: 0 frontend#0, 1 checkout#0, 2 checkout#1.
inline sim::Model MakeTestModel() {
  sim::Model m;
  auto& s = m.strings;
  auto add_service = [&](const char* name, sim::ServiceKind kind) {
    sim::Service svc;
    svc.name = s.Intern(name);
    svc.kind = kind;
    m.services.push_back(svc);
    return static_cast<uint32_t>(m.services.size() - 1);
  };
  uint32_t fe = add_service("frontend", sim::ServiceKind::kService);
  uint32_t co = add_service("checkout", sim::ServiceKind::kService);
  uint32_t pg = add_service("postgres", sim::ServiceKind::kDatabase);
  auto add_op = [&](uint32_t svc, const char* name, sim::SpanKind kind, const char* scope,
                    const char* version) {
    sim::Operation op;
    op.name = s.Intern(name);
    op.span_name = op.name;
    op.service = svc;
    op.kind = kind;
    op.scope_name = s.Intern(scope);
    op.scope_version = s.Intern(version);
    m.operations.push_back(op);
    m.services[svc].operations.push_back(static_cast<uint32_t>(m.operations.size() - 1));
  };
  add_op(fe, "GET /", sim::SpanKind::kServer, "io.opentelemetry.http", "1.2.0");
  add_op(co, "POST /checkout", sim::SpanKind::kServer, "io.grpc", "1.60.0");
  add_op(pg, "SELECT orders", sim::SpanKind::kClient, "", "");
  m.operations[2].emits_span = false;
  auto add_resource = [&](uint32_t svc, uint32_t instance) {
    sim::Resource r;
    r.service = svc;
    r.instance = instance;
    r.attrs.push_back({s.Intern("service.name"), sim::AttrValue::String(m.services[svc].name)});
    r.attrs.push_back({s.Intern("service.instance.id"),
                       sim::AttrValue::PrefixedInt(s.Intern("inst-"), instance)});
    m.resources.push_back(r);
    m.services[svc].resources.push_back(static_cast<uint32_t>(m.resources.size() - 1));
  };
  add_resource(fe, 0);
  add_resource(co, 0);
  add_resource(co, 1);
  m.Finalize();
  return m;
}

struct TestTrace {
  std::vector<sim::Span> spans;
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;
  sim::TraceView View(const sim::Model& m) const {
    sim::TraceView v;
    v.model = &m;
    v.trace_id = spans.empty() ? sim::TraceId{} : spans[0].trace_id;
    v.spans = spans;
    v.events = events;
    v.links = links;
    return v;
  }
};

// One trace of 5 spans (ended in this order):
//  0 CLIENT  checkout -> postgres, resource 1, op 2, error, event "retry"
//  1 SERVER  checkout, resource 1, op 1, status error "boom \"x\"\n", all attribute kinds
//  2 CLIENT  frontend -> checkout, resource 0, op 1 (callee's op; scope must be frontend's)
//  3 INTERNAL checkout, resource 2, op 1, name with control characters, a link
//  4 SERVER  frontend root, resource 0, op 0, tracestate, dropped attrs
inline TestTrace MakeTestTrace(sim::Model& m, uint64_t trace_lo = 0x0102030405060708ULL) {
  auto& s = m.strings;
  TestTrace t;
  // Static attributes live in the model (as the runtime's do), shared by every trace.
  std::vector<sim::Attr>& static_attrs = m.operations[1].attrs;
  if (static_attrs.empty()) {
    static_attrs = {{s.Intern("http.request.method"), sim::AttrValue::String(s.Intern("POST"))},
                    {s.Intern("server.port"), sim::AttrValue::Int(8080)}};
  }
  const sim::TraceId tid{0xA1B2C3D4E5F60718ULL, trace_lo};
  auto make = [&](uint64_t id, uint64_t parent, sim::SpanKind kind, uint32_t svc, uint32_t op,
                  uint32_t res, const char* name) {
    sim::Span sp;
    sp.trace_id = tid;
    sp.span_id = id;
    sp.parent_span_id = parent;
    sp.kind = kind;
    sp.service = svc;
    sp.operation = op;
    sp.resource = res;
    sp.name = s.Intern(name);
    sp.flags = sim::kFlagSampled;
    sp.start_unix_nano = 1'700'000'000'000'000'000LL + static_cast<int64_t>(id) * 1000;
    sp.end_unix_nano = sp.start_unix_nano + 5'000'000'123LL;
    return sp;
  };
  // 0: db client span with an event.
  sim::Span db = make(0x50, 0x20, sim::SpanKind::kClient, 1, 2, 1, "SELECT orders");
  db.peer = 2;
  db.status = sim::StatusCode::kError;
  db.first_event = 0;
  db.event_count = 1;
  sim::SpanEvent ev;
  ev.time_unix_nano = db.start_unix_nano + 10;
  ev.name = s.Intern("retry");
  ev.attr_count = 1;
  ev.attrs[0] = {s.Intern("attempt"), sim::AttrValue::Int(2)};
  t.events.push_back(ev);
  t.spans.push_back(db);
  // 1: checkout server span with all attribute kinds.
  sim::Span srv = make(0x20, 0x10, sim::SpanKind::kServer, 1, 1, 1, "POST /checkout");
  srv.static_attrs = static_attrs.data();
  srv.static_count = static_cast<uint16_t>(static_attrs.size());
  srv.AddAttr(s.Intern("s"), sim::AttrValue::String(s.Intern("caf\xC3\xA9 \xE2\x82\xAC")));
  srv.AddAttr(s.Intern("b"), sim::AttrValue::Bool(true));
  srv.AddAttr(s.Intern("i"), sim::AttrValue::Int(-9'007'199'254'740'993LL));
  srv.AddAttr(s.Intern("d"), sim::AttrValue::Double(0.25));
  srv.AddAttr(s.Intern("nan"), sim::AttrValue::Double(std::numeric_limits<double>::quiet_NaN()));
  srv.AddAttr(s.Intern("inf"), sim::AttrValue::Double(-std::numeric_limits<double>::infinity()));
  srv.AddAttr(s.Intern("user.id"), sim::AttrValue::PrefixedInt(s.Intern("user-"), 4812));
  srv.status = sim::StatusCode::kError;
  srv.status_message = s.Intern("boom \"x\"\n");
  t.spans.push_back(srv);
  // 2: frontend client span calling checkout's operation.
  sim::Span cl = make(0x11, 0x10, sim::SpanKind::kClient, 0, 1, 0, "checkout.Checkout");
  cl.peer = 1;
  t.spans.push_back(cl);
  // 3: internal span with control characters and a link.
  sim::Span in = make(0x30, 0x20, sim::SpanKind::kInternal, 1, 1, 2, "a\"b\\c\nd\x01\x1f\te");
  in.first_link = 0;
  in.link_count = 1;
  sim::SpanLink link;
  link.trace_id = sim::TraceId{0xFFULL, 0x1ULL};
  link.span_id = 0xABCDEFULL;
  link.trace_state = s.Intern("ot=th:8");
  link.flags = sim::kFlagSampled | sim::kFlagHasIsRemote | sim::kFlagIsRemote;
  t.links.push_back(link);
  t.spans.push_back(in);
  // 4: root.
  sim::Span root = make(0x10, 0, sim::SpanKind::kServer, 0, 0, 0, "GET /");
  root.trace_state = s.Intern("vendor=1");
  root.flags = sim::kFlagSampled | sim::kFlagRandomTraceId;
  root.status = sim::StatusCode::kOk;
  for (int i = 0; i < sim::kMaxDynamicAttrs + 3; ++i) {
    root.AddAttr(s.Intern("k" + std::to_string(i)), sim::AttrValue::Int(i));
  }
  t.spans.push_back(root);
  return t;
}

// `n` spans (copies of t.spans[2]), each with its own static attribute template {tmpl: i,
// peer.service: svc-(i % 7)}, then one span showing template 3's address with one attribute
// (static_count 1). `templates` receives the templates and must outlive the spans.
inline std::vector<sim::Span> SpansWithTemplates(sim::Model& m, const TestTrace& t, size_t n,
                                                 std::vector<std::vector<sim::Attr>>* templates) {
  templates->assign(n, {});
  std::vector<sim::Span> spans;
  for (size_t i = 0; i < n; ++i) {
    (*templates)[i] = {{m.strings.Intern("tmpl"), sim::AttrValue::Int(static_cast<int64_t>(i))},
                       {m.strings.Intern("peer.service"),
                        sim::AttrValue::String(m.strings.Intern("svc-" + std::to_string(i % 7)))}};
    sim::Span s = t.spans[2];
    s.span_id = 0x1000 + i;
    s.static_attrs = (*templates)[i].data();
    s.static_count = 2;
    spans.push_back(s);
  }
  sim::Span shortened = spans[3];
  shortened.static_count = 1;
  spans.push_back(shortened);
  return spans;
}

}  // namespace tracesim::exporter::testing

#endif  // TRACESIM_EXPORTER_TEST_MODEL_H_
