// Span invariants on every bundled topology, driven by its bundled scenario and by a uniform mix
// over all its entry operations: one root per trace, every parent exists, synchronous children
// lie inside their parents, CLIENT/SERVER pairs match, ids are unique, times are sane.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "topologies/topology.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

void CheckInvariants(const sim::Model& m, const sim::InMemorySink& sink, std::set<uint64_t>* ids) {
  for (const auto& t : sink.traces()) {
    if (t.spans.empty()) continue;  // refused at the edge: nothing was recorded
    std::map<uint64_t, const sim::Span*> by_id;
    for (const sim::Span& s : t.spans) by_id[s.span_id] = &s;
    int roots = 0;
    for (const sim::Span& s : t.spans) {
      ASSERT_NE(s.span_id, 0u);
      ASSERT_TRUE(ids->insert(s.span_id).second) << "duplicate span id";
      ASSERT_EQ(s.trace_id, t.trace_id);
      ASSERT_TRUE(s.trace_id.valid());
      ASSERT_LE(s.start_unix_nano, s.end_unix_nano) << m.strings.Get(s.name);
      ASSERT_EQ(s.flags & 0x3u, 0x3u) << "sampled and random-trace-id flags";
      if (s.parent_span_id == 0) {
        ++roots;
        continue;
      }
      auto it = by_id.find(s.parent_span_id);
      ASSERT_NE(it, by_id.end()) << "parent of " << m.strings.Get(s.name) << " missing";
      const sim::Span& p = *it->second;
      switch (s.kind) {
        case sim::SpanKind::kServer:
          ASSERT_EQ(p.kind, sim::SpanKind::kClient);
          ASSERT_EQ(p.peer, s.service);
          break;
        case sim::SpanKind::kConsumer:
          ASSERT_EQ(p.kind, sim::SpanKind::kProducer);
          ASSERT_EQ(s.link_count, 1u);
          ASSERT_EQ(t.links[s.first_link].span_id, p.span_id);
          break;
        case sim::SpanKind::kClient:
        case sim::SpanKind::kProducer:
        case sim::SpanKind::kInternal:
          ASSERT_NE(p.kind, sim::SpanKind::kClient) << "only a SERVER span may hang under a CLIENT";
          ASSERT_EQ(p.service, s.service) << "local children stay in their service";
          break;
        default:
          FAIL() << "unexpected kind";
      }
      if (s.kind != sim::SpanKind::kConsumer) {
        ASSERT_GE(s.start_unix_nano, p.start_unix_nano) << m.strings.Get(s.name);
        ASSERT_LE(s.end_unix_nano, p.end_unix_nano)
            << m.strings.Get(s.name) << " outlives " << m.strings.Get(p.name);
      }
    }
    ASSERT_EQ(roots, 1);
    for (const sim::Span& c : t.spans) {
      if (c.kind != sim::SpanKind::kClient || m.services[c.peer].kind != sim::ServiceKind::kService)
        continue;
      int servers = 0;
      for (const sim::Span& s : t.spans)
        servers += s.parent_span_id == c.span_id && s.kind == sim::SpanKind::kServer;
      // A call refused by a full queue has no SERVER span (and is an error).
      if (servers == 0) {
        ASSERT_EQ(c.status, sim::StatusCode::kError);
      } else {
        ASSERT_EQ(servers, 1);
      }
    }
  }
}

class BundledTopologyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BundledTopologyTest, ScenarioSpansKeepInvariants) {
  auto sc = scenarios::LoadBuiltinScenario(GetParam());
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  sim::Duration d = sim::Duration::Seconds(10);
  auto w = workloads::Workload::Create(sc->workload, sc->model, sc->seed, d);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  sim::InMemorySink sink;
  sim::SimulationOptions opt;
  opt.seed = sc->seed;
  sim::Simulation s(sc->model, opt);
  s.AddObserver(&sink);
  ASSERT_TRUE(s.Run(w->get()).ok());
  ASSERT_GT(sink.traces().size(), 100u);
  std::set<uint64_t> ids;
  CheckInvariants(sc->model, sink, &ids);
  EXPECT_EQ(s.stats().traces_unfinished, 0u);
}

TEST_P(BundledTopologyTest, EveryEntryOperationKeepsInvariants) {
  auto sc = scenarios::LoadBuiltinScenario(GetParam());
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  const sim::Model& m = sc->model;
  // Entry operations: SERVER operations of services that no step calls.
  std::set<uint32_t> called;
  std::function<void(const std::vector<sim::Step>&)> walk =
      [&](const std::vector<sim::Step>& steps) {
        for (const sim::Step& st : steps) {
          if (st.kind == sim::Step::Kind::kCall) called.insert(st.call.target);
          walk(st.children);
        }
      };
  for (const sim::Operation& op : m.operations) walk(op.steps);
  workloads::WorkloadSpec spec = sc->workload;
  spec.mix.clear();
  for (uint32_t i = 0; i < m.operations.size(); ++i) {
    const sim::Operation& op = m.operations[i];
    if (op.emits_span && op.kind == sim::SpanKind::kServer && !called.count(i))
      spec.mix.push_back(workloads::MixEntry{m.OperationRef(i), 1.0});
  }
  ASSERT_FALSE(spec.mix.empty());
  auto w = workloads::Workload::Create(spec, m, 9, sim::Duration::Seconds(10));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  sim::InMemorySink sink;
  sim::Simulation s(m, sim::SimulationOptions{});
  s.AddObserver(&sink);
  ASSERT_TRUE(s.Run(w->get()).ok());
  std::set<uint64_t> ids;
  CheckInvariants(m, sink, &ids);
  std::set<uint32_t> roots_seen;
  for (const auto& t : sink.traces())
    for (const sim::Span& sp : t.spans)
      if (sp.parent_span_id == 0) roots_seen.insert(sp.operation);
  EXPECT_EQ(roots_seen.size(), spec.mix.size()) << "every entry operation produced traces";
}

// The kernel sizes each exported span once (Span::exported_size) for the lab, the volume block
// and lint: on every shipped scenario (faults: outages, stalls, lost context, exceptions as
// events, links of messaging) and with the ground truth tagged onto the roots after they end,
// that size is the span's OTLP protobuf size as the pure function computes it from the span as
// exported.
TEST(SpanSizeTest, TheKernelsSizeOfEverySpanIsItsOtlpSizeAsExported) {
  for (const std::string& name : scenarios::BuiltinScenarioNames()) {
    SCOPED_TRACE(name);
    auto sc = scenarios::LoadBuiltinScenario(name);
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    auto w =
        workloads::Workload::Create(sc->workload, sc->model, sc->seed, sim::Duration::Seconds(20));
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    sampling::SpanSizer sizes(sc->model);
    sim::InMemorySink sink;
    sim::SimulationOptions opt;
    opt.seed = sc->seed;
    opt.faults = sc->faults.empty() ? nullptr : &sc->faults;
    opt.tag_ground_truth = true;
    opt.span_sizes = &sizes;
    sim::Simulation s(sc->model, opt);
    s.AddObserver(&sink);
    ASSERT_TRUE(s.Run(w->get()).ok());
    size_t spans = 0, with_events = 0;
    for (const auto& t : sink.traces()) {
      for (const sim::Span& sp : t.spans) {
        const auto events =
            std::span<const sim::SpanEvent>(t.events).subspan(sp.first_event, sp.event_count);
        const auto links =
            std::span<const sim::SpanLink>(t.links).subspan(sp.first_link, sp.link_count);
        ASSERT_EQ(sp.exported_size, sampling::OtlpSpanSize(sc->model, sp, events, links))
            << sc->model.strings.Get(sp.name);
        ++spans;
        with_events += sp.event_count != 0;
      }
    }
    EXPECT_GT(spans, 1000u);
    if (name == "checkout-payment-outage") {
      EXPECT_GT(with_events, 0u) << "exception events";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bundled, BundledTopologyTest, ::testing::Values("checkout", "online-shop"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace tracesim
