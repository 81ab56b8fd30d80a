#include "receiver/receiver_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace tracesim::receiver {
namespace {

constexpr const char* kGrpcCodeNames[17] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

const char* ProtocolLabel(Protocol p) { return p == Protocol::kGrpc ? "grpc" : "http"; }

uint64_t Mix(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

template <typename T>
T* Must(sim::Result<T*> r) {
  // Registration of our own fixed, valid names cannot fail.
  return r.ok() ? *r : nullptr;
}

}  // namespace

std::string ReceiverStats::CodeLabel(Protocol protocol, int code) {
  if (code == kDropped) return "dropped";
  if (protocol == Protocol::kGrpc && code >= 0 && code <= 16) return kGrpcCodeNames[code];
  return std::to_string(code);
}

ReceiverStats::ReceiverStats() : hll_(new std::atomic<uint8_t>[kHllRegisters]) {
  for (size_t i = 0; i < kHllRegisters; ++i) hll_[i].store(0, std::memory_order_relaxed);
  for (auto& slots : by_code_) {
    slots.reset(new std::atomic<metrics::Counter*>[kCodeSlots]);
    for (size_t i = 0; i < kCodeSlots; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
  }
  constexpr char kSpansHelp[] =
      "Spans in decoded requests by result: accepted, invalid (bad ids), partial (rejected by the "
      "partial fault), refused (the request was answered with an error).";
  spans_accepted_ = Must(
      registry_.AddCounter("tracesim_receiver_spans_total", kSpansHelp, {{"result", "accepted"}}));
  spans_invalid_ = Must(
      registry_.AddCounter("tracesim_receiver_spans_total", kSpansHelp, {{"result", "invalid"}}));
  spans_partial_ = Must(
      registry_.AddCounter("tracesim_receiver_spans_total", kSpansHelp, {{"result", "partial"}}));
  spans_refused_ = Must(
      registry_.AddCounter("tracesim_receiver_spans_total", kSpansHelp, {{"result", "refused"}}));
  constexpr char kBytesHelp[] =
      "Request body bytes: wire = as received, decoded = after decompression.";
  for (Protocol p : {Protocol::kGrpc, Protocol::kHttp}) {
    size_t i = static_cast<size_t>(p);
    bytes_wire_[i] =
        Must(registry_.AddCounter("tracesim_receiver_bytes_total", kBytesHelp,
                                  {{"protocol", ProtocolLabel(p)}, {"stage", "wire"}}));
    bytes_decoded_[i] =
        Must(registry_.AddCounter("tracesim_receiver_bytes_total", kBytesHelp,
                                  {{"protocol", ProtocolLabel(p)}, {"stage", "decoded"}}));
  }
  traces_seen_ = Must(registry_.AddGauge(
      "tracesim_receiver_traces_seen",
      "Distinct trace ids seen in accepted spans (HyperLogLog estimate, ~0.8% error)."));
}

metrics::Counter* ReceiverStats::RequestCounter(Protocol protocol, int code) noexcept {
  size_t slot = code == kDropped ? kCodeSlots - 1
                : (code >= 0 && static_cast<size_t>(code) < kCodeSlots - 1)
                    ? static_cast<size_t>(code)
                    : 0;
  auto& cell = by_code_[static_cast<size_t>(protocol)][slot];
  metrics::Counter* c = cell.load(std::memory_order_acquire);
  if (c != nullptr) return c;
  // First use of this code: register the series (takes the registry's mutex; registering an
  // existing series returns the same object, so a race is harmless).
  c = Must(registry_.AddCounter(
      "tracesim_receiver_requests_total",
      "Export requests by protocol and answer code (gRPC status name, HTTP status, or dropped).",
      {{"protocol", ProtocolLabel(protocol)}, {"code", CodeLabel(protocol, code)}}));
  cell.store(c, std::memory_order_release);
  return c;
}

void ReceiverStats::AddRequest(Protocol protocol, int code) noexcept {
  if (metrics::Counter* c = RequestCounter(protocol, code)) c->Increment();
}

void ReceiverStats::AddBytes(Protocol protocol, uint64_t wire, uint64_t decoded) noexcept {
  size_t i = static_cast<size_t>(protocol);
  bytes_wire_[i]->Increment(static_cast<double>(wire));
  bytes_decoded_[i]->Increment(static_cast<double>(decoded));
}

void ReceiverStats::AddSpans(Protocol protocol, uint64_t accepted, uint64_t invalid,
                             uint64_t partial, uint64_t refused) noexcept {
  spans_accepted_->Increment(static_cast<double>(accepted));
  spans_invalid_->Increment(static_cast<double>(invalid));
  spans_partial_->Increment(static_cast<double>(partial));
  spans_refused_->Increment(static_cast<double>(refused));
  const size_t i = static_cast<size_t>(protocol);
  if (otel_accepted_[i] == nullptr) return;
  otel_accepted_[i]->Increment(static_cast<double>(accepted));
  otel_refused_[i]->Increment(static_cast<double>(invalid + partial + refused));
}

void ReceiverStats::EnableCollectorSeries() {
  if (otel_rss_ != nullptr) return;
  // Help texts as the Collector writes them, with its stability tag.
  for (Protocol p : {Protocol::kGrpc, Protocol::kHttp}) {
    const metrics::Labels labels = {{"receiver", "otlp"}, {"transport", ProtocolLabel(p)}};
    const size_t i = static_cast<size_t>(p);
    otel_accepted_[i] = Must(registry_.AddCounter(
        "otelcol_receiver_accepted_spans",
        "Number of spans successfully pushed into the pipeline. [Alpha]", labels));
    otel_refused_[i] = Must(registry_.AddCounter(
        "otelcol_receiver_refused_spans",
        "Number of spans that could not be pushed into the pipeline. [Alpha]", labels));
    Must(registry_.AddCounter("otelcol_receiver_failed_spans",
                              "The number of spans that failed to be processed by the receiver "
                              "due to internal errors. [Alpha]",
                              labels));
  }
  otel_cpu_seconds_ = Must(registry_.AddCounter(
      "otelcol_process_cpu_seconds", "Total CPU user and system time in seconds [Alpha]"));
  otel_uptime_ =
      Must(registry_.AddCounter("otelcol_process_uptime", "Uptime of the process [Alpha]"));
  otel_rss_ = Must(registry_.AddGauge("otelcol_process_memory_rss",
                                      "Total physical memory (resident set size) [Alpha]"));
  enabled_at_ = std::chrono::steady_clock::now();
}

void ReceiverStats::AddTraceId(std::string_view id) noexcept {
  uint64_t a = 0, b = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    uint64_t byte = static_cast<uint8_t>(id[i]);
    if (i < 8) {
      a = (a << 8) | byte;
    } else {
      b = (b << 8) | byte;
    }
  }
  uint64_t h = Mix(a ^ Mix(b + id.size()));
  size_t reg = h >> (64 - kHllBits);
  uint64_t rest = h << kHllBits;
  uint8_t rank = rest == 0 ? static_cast<uint8_t>(64 - kHllBits + 1)
                           : static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  auto& cell = hll_[reg];
  uint8_t cur = cell.load(std::memory_order_relaxed);
  while (rank > cur && !cell.compare_exchange_weak(cur, rank, std::memory_order_relaxed)) {
  }
}

uint64_t ReceiverStats::TracesSeen() const noexcept {
  constexpr double m = static_cast<double>(kHllRegisters);
  double sum = 0;
  size_t zeros = 0;
  for (size_t i = 0; i < kHllRegisters; ++i) {
    uint8_t r = hll_[i].load(std::memory_order_relaxed);
    sum += std::ldexp(1.0, -static_cast<int>(r));
    zeros += r == 0;
  }
  double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));
  return static_cast<uint64_t>(std::llround(estimate));
}

void ReceiverStats::RefreshGauges() noexcept {
  traces_seen_->Set(static_cast<double>(TracesSeen()));
  if (otel_rss_ == nullptr) return;
  std::lock_guard<std::mutex> lock(process_mu_);
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) == 0) {
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    const double cpu = secs(u.ru_utime) + secs(u.ru_stime);
    if (cpu > otel_cpu_seconds_->Value())
      otel_cpu_seconds_->Increment(cpu - otel_cpu_seconds_->Value());
  }
  const double up =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - enabled_at_).count();
  if (up > otel_uptime_->Value()) otel_uptime_->Increment(up - otel_uptime_->Value());
  // Resident pages (the second field of /proc/self/statm) times the page size.
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0, resident = 0;
    if (std::fscanf(f, "%lu %lu", &size, &resident) == 2)
      otel_rss_->Set(static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    std::fclose(f);
  }
}

StatsSnapshot ReceiverStats::Snapshot() const {
  StatsSnapshot s;
  for (Protocol p : {Protocol::kGrpc, Protocol::kHttp}) {
    size_t pi = static_cast<size_t>(p);
    for (size_t slot = 0; slot < kCodeSlots; ++slot) {
      metrics::Counter* c = by_code_[pi][slot].load(std::memory_order_acquire);
      if (c == nullptr) continue;
      auto n = static_cast<uint64_t>(c->Value());
      if (n == 0) continue;
      int code = slot == kCodeSlots - 1 ? kDropped : static_cast<int>(slot);
      s.requests_by_code[std::string(ProtocolLabel(p)) + ":" + CodeLabel(p, code)] += n;
      s.requests += n;
    }
    s.bytes_wire += static_cast<uint64_t>(bytes_wire_[pi]->Value());
    s.bytes_decoded += static_cast<uint64_t>(bytes_decoded_[pi]->Value());
  }
  s.spans_accepted = static_cast<uint64_t>(spans_accepted_->Value());
  s.spans_invalid = static_cast<uint64_t>(spans_invalid_->Value());
  s.spans_partial = static_cast<uint64_t>(spans_partial_->Value());
  s.spans_refused = static_cast<uint64_t>(spans_refused_->Value());
  s.spans_received = s.spans_accepted + s.spans_invalid + s.spans_partial + s.spans_refused;
  s.traces_seen = TracesSeen();
  return s;
}

}  // namespace tracesim::receiver
