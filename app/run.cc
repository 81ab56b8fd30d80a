#include "app/run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "app/run_internal.h"
#include "app/sinks.h"
#include "exporter/encoding/otlp_json_file_sink.h"
#include "reports/text/decision_tags.h"
#include "reports/text/truth_writer.h"
#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

#ifndef TRACESIM_VERSION
#define TRACESIM_VERSION "0.0.0"
#endif

namespace tracesim::app {

std::string Version() { return TRACESIM_VERSION; }

namespace {

constexpr double kMaxRate = 1e9;

std::string RateText(const loadgen::Rate& r) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g%s", r.value, r.spans ? "spans" : "");
  return buf;
}

// A failure while running is never reported as bad input (exit 1, not 2).
sim::Status RunFailure(const sim::Status& st) {
  if (st.code() != sim::Status::Code::kInvalidArgument) return st;
  return sim::Status::Internal(st.message());
}

// "about 40 s", "about 12 minutes", "about 5.2 hours", "about 301 days".
std::string HumanDuration(double s) {
  char buf[48];
  if (s < 120) {
    std::snprintf(buf, sizeof buf, "about %.0f s", s);
  } else if (s < 7200) {
    std::snprintf(buf, sizeof buf, "about %.0f minutes", s / 60);
  } else if (s < 172800) {
    std::snprintf(buf, sizeof buf, "about %.1f hours", s / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "about %.0f days", s / 86400);
  }
  return buf;
}

}  // namespace

namespace internal {

// The spans per second of simulated work the run-size estimate assumes (one core, with a lab).
constexpr double kEstimateSpansPerSecond = 1e6;

sim::Status CheckRunSize(const scenarios::Scenario& sc, const EffectiveRun& run, double max_spans,
                         uint32_t shares) {
  if (max_spans <= 0) return sim::Status::Ok();
  const double traces = run.workload.ExpectedArrivals(run.duration) / std::max(shares, 1u);
  if (!(traces * 1000 > max_spans)) return sim::Status::Ok();
  auto mean = loadgen::MeasureMeanSpansPerTrace(sc.model, run.workload, run.seed, 2000);
  const double spans = traces * (mean.ok() ? *mean : 1.0);
  if (!(spans > max_spans)) return sim::Status::Ok();
  const double seconds = spans / kEstimateSpansPerSecond;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "this %s would simulate about %.3g traces (%.3g spans): %s on one core at ~1 M "
                "spans/s, over the limit of %.3g spans; lower --rate or --duration, or raise the "
                "limit with --max-spans N (0 = none)",
                shares > 1 ? "shard" : "run", traces, spans, HumanDuration(seconds).c_str(),
                max_spans);
  return sim::Status::InvalidArgument(buf);
}

}  // namespace internal

namespace {

// The scenario's settings with the options applied; checks that every span time of the run fits
// int64 unix nanoseconds.
sim::Result<EffectiveRun> ApplyOptions(const scenarios::Scenario& sc, const RunOptions& options) {
  EffectiveRun run;
  run.seed = options.seed.value_or(sc.seed);
  run.duration = options.duration.value_or(sc.duration);
  run.start_unix_nanos = options.start_unix_nanos.value_or(sc.start_unix_nanos);
  run.workload = sc.workload;
  if (options.rate) {
    double traces_per_s = options.rate->value;
    if (options.rate->spans) {
      auto mean = loadgen::MeasureMeanSpansPerTrace(sc.model, sc.workload, run.seed, 2000);
      if (!mean.ok()) return sim::Status::InvalidArgument("--rate: " + mean.status().message());
      traces_per_s /= *mean;
    }
    run.workload = sc.workload.WithBaseRate(traces_per_s);
  }
  // The run covers the arrivals plus the drain; every span time must fit int64 unix nanos.
  sim::Status range = sim::CheckUnixRange(run.start_unix_nanos,
                                          run.duration + sim::SimulationOptions().drain_limit);
  if (!range.ok()) return sim::Status::InvalidArgument(range.message());
  return run;
}

// Passes the lab's tap calls on to several taps, in order.
class TeeLabTap final : public sampling::LabTap {
 public:
  void Add(sampling::LabTap* tap) { taps_.push_back(tap); }
  size_t size() const { return taps_.size(); }
  sampling::LabTap* front() const { return taps_.front(); }
  void OnArrival(size_t k, const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links, int64_t arrival) override {
    for (sampling::LabTap* t : taps_) t->OnArrival(k, span, events, links, arrival);
  }
  void OnStored(size_t k, const sim::Span& span) override {
    for (sampling::LabTap* t : taps_) t->OnStored(k, span);
  }
  void OnScored(const sim::TraceId& id, std::span<const uint32_t> kept) override {
    for (sampling::LabTap* t : taps_) t->OnScored(id, kept);
  }
  void OnExportEnd(size_t k) override {
    for (sampling::LabTap* t : taps_) t->OnExportEnd(k);
  }
  bool WantsSpans() const override {
    for (const sampling::LabTap* t : taps_)
      if (t->WantsSpans()) return true;
    return false;
  }

 private:
  std::vector<sampling::LabTap*> taps_;
};

// Everything that observes the simulation, owned for the length of RunScenario.
struct Observers {
  TeeLabTap lab_taps;  // --tag-decisions' writer and RunOptions::lab_taps
  sim::TeeSink tee;
  std::unique_ptr<reports::TruthFileSink> truth_file;
  std::unique_ptr<exporter::OtlpJsonFileSink> spans_file;
  std::unique_ptr<reports::DecisionTagSink> tagged_spans;  // --spans-out --tag-decisions
  std::unique_ptr<CompressionSample> compression;
  std::unique_ptr<TraceKeeper> keeper;
  std::unique_ptr<SecondSeries> series;
};

// --spans-out --tag-decisions: the spans file that waits for the lab's decisions (issue 13).
sim::Status WireTaggedSpans(const scenarios::Scenario& sc, const RunOptions& options,
                            Observers* obs) {
  if (sc.samplers.empty())
    return sim::Status::InvalidArgument("--tag-decisions needs a scenario with samplers:");
  std::vector<std::string> names;
  for (const sampling::StrategyConfig& s : sc.samplers) names.push_back(s.name);
  auto opened = reports::DecisionTagSink::Open(options.spans_out, sc.model, std::move(names));
  if (!opened.ok()) {
    if (opened.status().code() != sim::Status::Code::kInvalidArgument) return opened.status();
    return sim::Status::InvalidArgument("--spans-out: " + opened.status().message());
  }
  obs->tagged_spans = std::move(opened).value();
  obs->tee.Add(obs->tagged_spans.get());
  return sim::Status::Ok();
}

// Creates the sinks and the lab into `obs` and `outcome` (RED and truth always; the files, the
// lab with its compression sample, the keeper and the series when asked).
sim::Status Wire(const scenarios::Scenario& sc, const RunOptions& options, Observers* obs,
                 RunOutcome* outcome) {
  const int64_t start_unix_nanos = outcome->run.start_unix_nanos;
  const sim::FaultPlan* faults = sc.faults.empty() ? nullptr : &sc.faults;
  outcome->red = std::make_unique<metrics::RedMetricsSink>(sc.model);
  outcome->truth = std::make_unique<metrics::TruthMetricsSink>(sc.model, faults);
  outcome->volume = std::make_unique<reports::VolumeTally>(sc.model);
  obs->tee.Add(outcome->red.get());
  obs->tee.Add(outcome->truth.get());
  obs->tee.Add(outcome->volume.get());
  // The volume block's gzip ratio, and the lab's stored bytes (issue 13).
  obs->compression = std::make_unique<CompressionSample>(options.compression_sample_traces);
  obs->tee.Add(obs->compression.get());
  if (faults != nullptr) {  // issue 13: the symptoms section
    outcome->symptoms = std::make_unique<reports::SymptomsSink>(sc.model, faults);
    obs->tee.Add(outcome->symptoms.get());
  }
  if (!options.truth_out.empty()) {
    auto opened =
        reports::TruthFileSink::Open(options.truth_out, sc.model, faults, start_unix_nanos);
    if (!opened.ok())
      return sim::Status::InvalidArgument("--truth-out: " + opened.status().message());
    obs->truth_file = std::move(opened).value();
    obs->tee.Add(obs->truth_file.get());
  }
  if (!options.spans_out.empty() && options.tag_decisions) {  // issue 13
    TRACESIM_RETURN_IF_ERROR(WireTaggedSpans(sc, options, obs));
  } else if (!options.spans_out.empty()) {
    auto opened = exporter::OtlpJsonFileSink::Open(options.spans_out, sc.model,
                                                   exporter::OtlpJsonFileOptions{});
    if (!opened.ok())
      return sim::Status::InvalidArgument("--spans-out: " + opened.status().message());
    obs->spans_file = std::move(opened).value();
    obs->tee.Add(obs->spans_file.get());
  }
  if (!sc.samplers.empty()) {
    sampling::LabOptions lab_options;
    lab_options.start_unix_nanos = start_unix_nanos;  // tail stages tick on time (issue 10)
    lab_options.run_window_ns = outcome->run.duration.nanos();  // RED batches (issue 13)
    auto created = sampling::SamplingLab::Create(sc.model, faults, sc.samplers, lab_options);
    if (!created.ok())
      return sim::Status::InvalidArgument("samplers: " + created.status().message());
    outcome->lab = std::move(created).value();
    if (obs->tagged_spans) obs->lab_taps.Add(obs->tagged_spans.get());
    for (sampling::LabTap* tap : options.lab_taps) obs->lab_taps.Add(tap);
    if (obs->lab_taps.size() == 1) outcome->lab->SetTap(obs->lab_taps.front());
    if (obs->lab_taps.size() > 1) outcome->lab->SetTap(&obs->lab_taps);
    if (options.on_lab) options.on_lab(*outcome->lab);
  }
  if (options.keep_traces > 0 || options.keep_error_traces > 0) {
    obs->keeper = std::make_unique<TraceKeeper>(options.keep_traces, options.keep_error_traces);
    obs->tee.Add(obs->keeper.get());
  }
  if (options.keep_series) {
    obs->series = std::make_unique<SecondSeries>();
    obs->tee.Add(obs->series.get());
  }
  for (sim::SpanSink* sink : options.sinks) obs->tee.Add(sink);
  return sim::Status::Ok();
}

// The volume block (issue 13): what the run exported, and a day and a 30-day month of it at the
// scenario's mean arrival rate over its own `duration` (the --rate override applied, --duration
// not): the run's span rate scaled by that rate over the run's offered rate.
void FillVolume(const scenarios::Scenario& sc, const RunOutcome& outcome, double ratio,
                reports::RunReport* report) {
  const reports::VolumeTally& v = *outcome.volume;
  reports::RunReport::Volume& x = report->volume;
  x.spans = v.spans();
  x.bytes = v.bytes();
  const double secs = outcome.run.duration.seconds();
  x.spans_per_s = secs > 0 ? static_cast<double>(v.spans()) / secs : 0;
  x.bytes_per_span = v.spans() > 0 ? static_cast<double>(v.bytes()) / v.spans() : 0;
  x.compressed_bytes_per_span = x.bytes_per_span * ratio;
  x.day_traces_per_s = outcome.run.workload.MeanRate(sc.duration);
  const double scale = report->offered_rate > 0 ? x.day_traces_per_s / report->offered_rate : 0;
  x.spans_per_day = x.spans_per_s * scale * 86400;
  x.gb_per_day = x.spans_per_day * x.bytes_per_span / 1e9;
  x.compressed_gb_per_day = x.gb_per_day * ratio;
  x.tb_per_month = x.gb_per_day * 30 / 1e3;
  x.compressed_tb_per_month = x.compressed_gb_per_day * 30 / 1e3;
}

// The lab's scores, priced with the run's pricing (RunOptions::pricing, else the scenario's) and
// the compression ratio measured on this run's spans (LabOptions' default when nothing could be
// measured).
void ScoreLab(const scenarios::Scenario& sc, const RunOptions& options, RunOutcome* outcome) {
  reports::RunReport& report = outcome->report;
  const double duration_s = outcome->run.duration.seconds();
  const double ratio = report.compression_ratio > 0 ? report.compression_ratio
                                                    : sampling::LabOptions{}.compression_ratio;
  const sampling::PricingOptions& pricing = options.pricing ? *options.pricing : sc.pricing;
  report.pricing = pricing;
  report.sampling = outcome->lab->Scores(duration_s);
  for (sampling::StrategyScore& score : report.sampling)
    sampling::PriceScore(pricing, ratio, duration_s, &score);
}

void FillReport(const scenarios::Scenario& sc, const RunOptions& options,
                const workloads::Workload& workload, double wall_s, RunOutcome* outcome) {
  const EffectiveRun& run = outcome->run;
  reports::RunReport& report = outcome->report;
  report.version = Version();
  report.scenario = sc.name;
  report.source = sc.source;
  report.topology = sc.topology_ref;
  report.seed = run.seed;
  report.start_time = sim::FormatRfc3339(run.start_unix_nanos);
  report.offered_rate = workload.MeanRate(run.duration);
  reports::FillFromRun(sc.model, outcome->stats, *outcome->red, run.duration.seconds(), &report);
  reports::FillTruth(*outcome->truth, &report);
  if (outcome->symptoms) report.symptoms = outcome->symptoms->Rows();
  report.spans_out = options.spans_out == "-" ? "" : options.spans_out;
  report.truth_out = options.truth_out == "-" ? "" : options.truth_out;
  report.host.wall_s = wall_s;
  report.host.spans_per_wall_s = wall_s > 0 ? static_cast<double>(report.spans) / wall_s : 0;
  report.host.peak_rss_mib = reports::PeakRssMib();
}

}  // namespace

sim::Status RunOptions::Validate() const {
  if (duration && duration->nanos() <= 0) {
    return sim::Status::InvalidArgument("--duration: must be > 0");
  }
  if (rate && !(rate->value > 0 && rate->value <= kMaxRate)) {
    return sim::Status::InvalidArgument(
        "--rate must be a rate in (0, 1e9] traces/s (500) or spans/s (20000spans), got '" +
        RateText(*rate) + "'");
  }
  if (!truth_out.empty() && truth_out == spans_out) {
    return sim::Status::InvalidArgument("--truth-out and --spans-out name the same file");
  }
  if (tag_decisions && spans_out.empty()) {
    return sim::Status::InvalidArgument("--tag-decisions needs --spans-out FILE");
  }
  if (compression_sample_traces == 0) {
    return sim::Status::InvalidArgument("compression_sample_traces must be >= 1");
  }
  if (!(max_spans >= 0)) return sim::Status::InvalidArgument("--max-spans must be >= 0");
  if (pricing) {
    if (sim::Status st = pricing->Validate(); !st.ok())
      return sim::Status::InvalidArgument("--price: " + st.message());
  }
  return sim::Status::Ok();
}

namespace internal {

namespace {

using Counter = uint64_t sim::SimulationStats::*;
constexpr Counter kCounters[] = {&sim::SimulationStats::events,
                                 &sim::SimulationStats::retries,
                                 &sim::SimulationStats::timeouts,
                                 &sim::SimulationStats::breaker_opens,
                                 &sim::SimulationStats::breaker_rejections,
                                 &sim::SimulationStats::rate_limited,
                                 &sim::SimulationStats::refused,
                                 &sim::SimulationStats::fragments,
                                 &sim::SimulationStats::lost_spans,
                                 &sim::SimulationStats::traces_started,
                                 &sim::SimulationStats::traces_finished,
                                 &sim::SimulationStats::spans};
using ServiceCounter = uint64_t sim::ServiceStats::*;
constexpr ServiceCounter kServiceCounters[] = {
    &sim::ServiceStats::arrivals,  &sim::ServiceStats::started, &sim::ServiceStats::rejected,
    &sim::ServiceStats::completed, &sim::ServiceStats::errors,  &sim::ServiceStats::queued};
using ServiceNanos = int64_t sim::ServiceStats::*;
constexpr ServiceNanos kServiceNanos[] = {&sim::ServiceStats::queue_wait_nanos,
                                          &sim::ServiceStats::busy_nanos};

// into = op(into, from) on every counter.
template <typename Op>
void EachCounter(const sim::SimulationStats& from, sim::SimulationStats* into, Op op) {
  for (Counter c : kCounters) into->*c = op(into->*c, from.*c);
  if (into->services.size() < from.services.size()) into->services.resize(from.services.size());
  for (size_t i = 0; i < from.services.size(); ++i) {
    for (ServiceCounter c : kServiceCounters)
      into->services[i].*c = op(into->services[i].*c, from.services[i].*c);
    for (ServiceNanos c : kServiceNanos)
      into->services[i].*c = op(into->services[i].*c, from.services[i].*c);
  }
}

}  // namespace

void AddStats(const sim::SimulationStats& from, sim::SimulationStats* into) {
  EachCounter(from, into, [](auto a, auto b) { return a + b; });
  into->peak_open_traces = std::max(into->peak_open_traces, from.peak_open_traces);
  into->peak_pending_events = std::max(into->peak_pending_events, from.peak_pending_events);
  for (size_t i = 0; i < from.services.size(); ++i)
    into->services[i].max_queue_length =
        std::max(into->services[i].max_queue_length, from.services[i].max_queue_length);
  into->last_arrival = from.last_arrival;
  into->end_time = from.end_time;
  into->traces_unfinished = from.traces_unfinished;
}

void SubtractStats(const sim::SimulationStats& from, sim::SimulationStats* into) {
  EachCounter(from, into, [](auto a, auto b) { return a - b; });
}

void WindowStats(const sim::SimulationStats& at_end, sim::SimulationStats* into) {
  EachCounter(at_end, into, [](auto, auto b) { return b; });
}

void SaveStats(const sim::SimulationStats& s, sim::StateWriter& out) {
  for (Counter c : kCounters) out.U64(s.*c);
  for (uint64_t n : {s.traces_unfinished, s.peak_open_traces, s.peak_pending_events}) out.U64(n);
  out.I64(s.last_arrival.nanos());
  out.I64(s.end_time.nanos());
  out.U64(s.services.size());
  for (const sim::ServiceStats& v : s.services) {
    for (ServiceCounter c : kServiceCounters) out.U64(v.*c);
    for (ServiceNanos c : kServiceNanos) out.I64(v.*c);
    out.U64(v.max_queue_length);
  }
}

bool LoadStats(sim::StateReader& in, size_t services, sim::SimulationStats* s) {
  for (Counter c : kCounters) s->*c = in.U64();
  for (uint64_t* n : {&s->traces_unfinished, &s->peak_open_traces, &s->peak_pending_events})
    *n = in.U64();
  s->last_arrival = sim::Time::FromNanos(in.I64());
  s->end_time = sim::Time::FromNanos(in.I64());
  if (in.U64() != services) return false;
  s->services.assign(services, sim::ServiceStats{});
  for (sim::ServiceStats& v : s->services) {
    for (ServiceCounter c : kServiceCounters) v.*c = in.U64();
    for (ServiceNanos c : kServiceNanos) v.*c = in.I64();
    v.max_queue_length = static_cast<uint32_t>(in.U64());
  }
  return in.ok();
}

sim::Status WireForMerge(const scenarios::Scenario& sc, const RunOptions& options,
                         RunOutcome* outcome) {
  Observers obs;  // the sinks to load partial results into; nothing observes a simulation
  return Wire(sc, options, &obs, outcome);
}

sim::Result<ShardRun> SimulateShard(const scenarios::Scenario& sc, const RunOptions& options,
                                    const EffectiveRun& run, const ShardWindow& window) {
  auto workload = workloads::Workload::Create(run.workload, sc.model, run.seed, run.duration);
  if (!workload.ok()) return sim::Status::InvalidArgument(workload.status().message());
  ShardRun shard;
  shard.outcome.scenario = &sc;
  shard.outcome.run = run;
  Observers obs;
  TRACESIM_RETURN_IF_ERROR(Wire(sc, options, &obs, &shard.outcome));
  sim::SimulationOptions opt;
  opt.seed = run.seed;
  opt.start_unix_nanos = run.start_unix_nanos;
  opt.faults = sc.faults.empty() ? nullptr : &sc.faults;
  opt.tag_ground_truth = options.tag_ground_truth;
  opt.progress = options.progress;
  opt.observe_from = window.observe_from;
  opt.observe_until = window.observe_until;
  // Each exported span is sized once, by the kernel, for the lab, the volume block and lint.
  sampling::SpanSizer span_sizes(sc.model);
  opt.span_sizes = &span_sizes;
  WindowArrivals arrivals(workload->get(), window.arrivals_from, window.arrivals_until);

  const auto wall_start = std::chrono::steady_clock::now();
  sim::Simulation simulation(sc.model, opt);
  // The sinks before the lab: a trace reaches every sink before the lab can score it, so a lab
  // tap's OnScored follows the sinks' OnTrace (HtmlReportCollector keeps only the decisions of
  // the traces its pickers hold by then).
  sim::Status st = simulation.AddObserver(&obs.tee);
  if (st.ok() && shard.outcome.lab) st = simulation.AddObserver(shard.outcome.lab.get());
  if (st.ok()) st = simulation.Start(&arrivals);
  // The kernel's counters of the events in [observe_from, observe_until) (event time): the
  // difference of the counters at the two instants (doc/scale.md).
  sim::SimulationStats before = simulation.stats();
  if (st.ok() && window.observe_from.nanos() > 0) {
    st = simulation.RunUntil(sim::Time::FromNanos(window.observe_from.nanos() - 1));
    before = simulation.stats();
    if (shard.outcome.lab) shard.outcome.lab->WindowEdge(/*end=*/false);
  }
  sim::SimulationStats at_end;
  const bool last = window.observe_until == sim::Time::Max();
  if (st.ok() && !last) {
    st = simulation.RunUntil(sim::Time::FromNanos(window.observe_until.nanos() - 1));
    at_end = simulation.stats();
    if (shard.outcome.lab) shard.outcome.lab->WindowEdge(/*end=*/true);
  }
  if (st.ok()) st = simulation.RunUntil(sim::Time::Max());
  if (st.ok() && shard.outcome.lab) {
    shard.outcome.lab->Finish(run.start_unix_nanos + simulation.stats().end_time.nanos());
    st = shard.outcome.lab->WriteOutputs();  // jaeger_adaptive write_strategies
  }
  shard.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!st.ok()) return RunFailure(st);
  if (sim::Status closed = obs.tee.Close(); !closed.ok()) return RunFailure(closed);

  shard.outcome.stats = simulation.stats();
  if (!last) WindowStats(at_end, &shard.outcome.stats);
  if (window.observe_from.nanos() > 0) SubtractStats(before, &shard.outcome.stats);
  shard.compression = std::move(obs.compression);
  if (obs.keeper) {
    shard.outcome.traces = obs.keeper->TakeTraces();
    shard.outcome.error_traces = obs.keeper->TakeErrorTraces();
  }
  if (obs.series) shard.outcome.seconds = obs.series->Take();
  return shard;
}

sim::Result<EffectiveRun> Effective(const scenarios::Scenario& sc, const RunOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  return ApplyOptions(sc, options);
}

sim::Status Complete(const scenarios::Scenario& sc, const RunOptions& options, ShardRun* shard) {
  RunOutcome& outcome = shard->outcome;
  const EffectiveRun& run = outcome.run;
  auto workload = workloads::Workload::Create(run.workload, sc.model, run.seed, run.duration);
  if (!workload.ok()) return sim::Status::InvalidArgument(workload.status().message());
  FillReport(sc, options, **workload, shard->wall_s, &outcome);
  outcome.report.compression_ratio = shard->compression
                                         ? shard->compression->CompressionRatio(sc.model)
                                         : shard->compression_ratio;
  FillVolume(sc, outcome, outcome.report.compression_ratio, &outcome.report);
  if (outcome.lab) ScoreLab(sc, options, &outcome);
  return sim::Status::Ok();
}

}  // namespace internal

sim::Result<RunOutcome> RunScenario(const scenarios::Scenario& sc, const RunOptions& options) {
  TRACESIM_ASSIGN_OR_RETURN(EffectiveRun run, internal::Effective(sc, options));
  TRACESIM_RETURN_IF_ERROR(internal::CheckRunSize(sc, run, options.max_spans, 1));
  internal::ShardWindow whole;
  TRACESIM_ASSIGN_OR_RETURN(internal::ShardRun shard,
                            internal::SimulateShard(sc, options, run, whole));
  TRACESIM_RETURN_IF_ERROR(internal::Complete(sc, options, &shard));
  return std::move(shard.outcome);
}

}  // namespace tracesim::app
