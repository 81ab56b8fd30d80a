// A small hand-built Model and span builders for the tail-sampling tests. Test-only.
#ifndef TRACESIM_SAMPLING_TAIL_TEST_MODEL_H_
#define TRACESIM_SAMPLING_TAIL_TEST_MODEL_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sim/kernel/sink.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling::testing {

// Services: frontend (0), checkout (1). Operations: 0 frontend "GET /" (SERVER, scope
// io.opentelemetry.http 1.2.0), 1 checkout "POST /checkout" (SERVER, scope io.grpc 1.60.0).
// Resources: 0 frontend#0 {service.name=frontend, env=prod}, 1 checkout#0 {service.name=checkout,
// retries=3 (int)}.
inline sim::Model MakeTailModel() {
  sim::Model m;
  auto& s = m.strings;
  for (const char* name : {"frontend", "checkout"}) {
    sim::Service svc;
    svc.name = s.Intern(name);
    m.services.push_back(svc);
  }
  auto add_op = [&](uint32_t svc, const char* name, const char* scope, const char* version) {
    sim::Operation op;
    op.name = s.Intern(name);
    op.span_name = op.name;
    op.service = svc;
    op.kind = sim::SpanKind::kServer;
    op.scope_name = s.Intern(scope);
    op.scope_version = s.Intern(version);
    m.operations.push_back(op);
    m.services[svc].operations.push_back(static_cast<uint32_t>(m.operations.size() - 1));
  };
  add_op(0, "GET /", "io.opentelemetry.http", "1.2.0");
  add_op(1, "POST /checkout", "io.grpc", "1.60.0");
  sim::Resource r0;
  r0.service = 0;
  r0.attrs.push_back({s.Intern("service.name"), sim::AttrValue::String(s.Intern("frontend"))});
  r0.attrs.push_back({s.Intern("env"), sim::AttrValue::String(s.Intern("prod"))});
  m.resources.push_back(r0);
  m.services[0].resources.push_back(0);
  sim::Resource r1;
  r1.service = 1;
  r1.attrs.push_back({s.Intern("service.name"), sim::AttrValue::String(s.Intern("checkout"))});
  r1.attrs.push_back({s.Intern("retries"), sim::AttrValue::Int(3)});
  m.resources.push_back(r1);
  m.services[1].resources.push_back(1);
  // Keys and values tests use.
  for (const char* k :
       {"key1", "key2", "key4", "http.route", "url.path", "value1", "value2", "/health",
        "/api/users", "app.force_sample", "test_attr_key_1", "test_attr_val_1", "exception",
        "user-", "key3=value1,other=x", "key3=nope", "bad tracestate"}) {
    s.Intern(k);
  }
  m.Finalize();
  return m;
}

inline sim::TraceId Tid(uint64_t n) { return sim::TraceId{0x1000 + n, 0xABCDEF00 + n}; }

// A span of trace `trace` starting at `start_ns` lasting `dur_ns`, recorded by frontend (service
// 0, resource 0) unless `service` says otherwise; parent 0 makes it a root.
inline sim::Span MakeSpan(uint64_t trace, uint64_t span_id, uint64_t parent, int64_t start_ns,
                          int64_t dur_ns, uint32_t service = 0) {
  sim::Span s;
  s.trace_id = Tid(trace);
  s.span_id = span_id;
  s.parent_span_id = parent;
  s.start_unix_nano = start_ns;
  s.end_unix_nano = start_ns + dur_ns;
  s.service = service;
  s.resource = service;
  s.operation = service;
  s.kind = sim::SpanKind::kServer;
  s.flags = sim::kFlagHasIsRemote;
  return s;
}

// Collects released spans with the processor time at which they were released.
class CollectingListener final : public sim::SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanEnd; }
  struct Item {
    sim::Span span;
    size_t events = 0;
  };
  void OnSpanEnd(const sim::Model&, const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink>) noexcept override {
    items.push_back(Item{span, events.size()});
  }
  size_t CountTrace(uint64_t trace) const {
    size_t n = 0;
    for (const Item& i : items) n += i.span.trace_id == Tid(trace) ? 1 : 0;
    return n;
  }
  std::vector<Item> items;
};

}  // namespace tracesim::sampling::testing

#endif  // TRACESIM_SAMPLING_TAIL_TEST_MODEL_H_
