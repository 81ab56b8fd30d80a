// OTLP encoders on checkout traffic, in spans encoded per second on one core
// (items_per_second): the direct protobuf wire-format encoder, the libprotobuf reference path
// (build the message on an arena, then serialize), the OTLP/JSON encoder and the Zipkin encoder.
// Batches are 512 spans (the OTel batch processor default), cut from whole traces.
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <cstdio>
#include <cstdlib>

#include "exporter/encoding/otlp_json.h"
#include "exporter/encoding/otlp_proto.h"
#include "exporter/encoding/zipkin_json.h"
#include "exporter/proto/trace_service.pb.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

struct Batch {
  std::vector<sim::Span> spans;
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;
};

struct Traffic {
  scenarios::Scenario scenario;
  std::vector<Batch> batches;
  uint64_t spans = 0;
};

// 20 simulated seconds of checkout, cut into ~512-span batches of whole traces.
const Traffic& Checkout() {
  static Traffic* t = [] {
    auto sc = scenarios::LoadBuiltinScenario("checkout");
    if (!sc.ok()) {
      std::fprintf(stderr, "%s\n", sc.status().ToString().c_str());
      std::abort();
    }
    auto* traffic = new Traffic{std::move(sc).value(), {}, 0};
    const scenarios::Scenario& s = traffic->scenario;
    auto w = workloads::Workload::Create(s.workload, s.model, s.seed, sim::Duration::Seconds(20));
    if (!w.ok()) std::abort();
    sim::InMemorySink sink;
    sim::SimulationOptions opt;
    opt.seed = s.seed;
    opt.start_unix_nanos = s.start_unix_nanos;
    sim::Simulation simulation(s.model, opt);
    simulation.AddObserver(&sink);
    if (!simulation.Run(w->get()).ok()) std::abort();
    Batch b;
    for (const auto& tr : sink.traces()) {
      for (sim::Span sp : tr.spans) {
        sp.first_event += static_cast<uint32_t>(b.events.size());
        sp.first_link += static_cast<uint32_t>(b.links.size());
        b.spans.push_back(sp);
      }
      b.events.insert(b.events.end(), tr.events.begin(), tr.events.end());
      b.links.insert(b.links.end(), tr.links.begin(), tr.links.end());
      if (b.spans.size() >= 512) {
        traffic->spans += b.spans.size();
        traffic->batches.push_back(std::move(b));
        b = Batch();
      }
    }
    return traffic;
  }();
  return *t;
}

template <typename Encode>
void Run(benchmark::State& state, Encode&& encode) {
  const Traffic& t = Checkout();
  std::string out;
  uint64_t spans = 0, bytes = 0;
  size_t i = 0;
  for (auto _ : state) {
    const Batch& b = t.batches[i++ % t.batches.size()];
    out.clear();
    encode(b, &out);
    benchmark::DoNotOptimize(out.data());
    spans += b.spans.size();
    bytes += out.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["bytes/span"] = spans ? static_cast<double>(bytes) / spans : 0;
}

void BM_OtlpProtoDirect(benchmark::State& state) {
  exporter::OtlpProtoEncoder enc(Checkout().scenario.model);
  Run(state,
      [&](const Batch& b, std::string* out) { enc.Encode(b.spans, b.events, b.links, out); });
}

void BM_OtlpProtoLibprotobuf(benchmark::State& state) {
  const sim::Model& m = Checkout().scenario.model;
  Run(state, [&](const Batch& b, std::string* out) {
    google::protobuf::ArenaOptions ao;
    ao.start_block_size = 256 << 10;
    google::protobuf::Arena arena(ao);
    auto* req = google::protobuf::Arena::CreateMessage<
        opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest>(&arena);
    exporter::BuildOtlpRequest(m, b.spans, b.events, b.links, req);
    req->SerializeToString(out);
  });
}

void BM_OtlpJson(benchmark::State& state) {
  exporter::OtlpJsonEncoder enc(Checkout().scenario.model);
  Run(state,
      [&](const Batch& b, std::string* out) { enc.Encode(b.spans, b.events, b.links, out); });
}

void BM_ZipkinJson(benchmark::State& state) {
  exporter::ZipkinJsonEncoder enc(Checkout().scenario.model);
  Run(state,
      [&](const Batch& b, std::string* out) { enc.Encode(b.spans, b.events, b.links, out); });
}

BENCHMARK(BM_OtlpProtoDirect);
BENCHMARK(BM_OtlpProtoLibprotobuf);
BENCHMARK(BM_OtlpJson);
BENCHMARK(BM_ZipkinJson);

}  // namespace
}  // namespace tracesim

BENCHMARK_MAIN();
