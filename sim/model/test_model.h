// Test helpers: hand-built models and arrival processes for kernel tests. Test-only.
#ifndef TRACESIM_SIM_TEST_MODEL_H_
#define TRACESIM_SIM_TEST_MODEL_H_

#include <string>
#include <utility>
#include <vector>

#include "sim/base/distribution.h"
#include "sim/base/rng.h"
#include "sim/model/arrivals.h"
#include "sim/model/model.h"

namespace tracesim::sim {

// Poisson arrivals to one entry operation; the real process, small enough to live in the test.
class PoissonArrivals : public ArrivalSource {
 public:
  PoissonArrivals(double rate, Duration duration, uint32_t op, uint64_t seed)
      : mean_gap_(1e9 / rate), end_(Time::Zero() + duration), op_(op), rng_(seed) {}
  bool Next(Arrival* out) noexcept override {
    t_ += rng_.Exponential(mean_gap_);
    if (t_ >= static_cast<double>(end_.nanos())) return false;
    out->time = Time::FromNanos(static_cast<int64_t>(t_));
    out->operation = op_;
    return true;
  }

 private:
  double mean_gap_;
  Time end_;
  uint32_t op_;
  Rng rng_;
  double t_ = 0;
};

inline Step Work(Distribution d) {
  Step s;
  s.kind = Step::Kind::kWork;
  s.work = std::move(d);
  return s;
}
inline Step CallTo(uint32_t op, double p = 1.0) {
  Step s;
  s.kind = Step::Kind::kCall;
  s.call.target = op;
  s.call.probability = p;
  return s;
}

inline uint32_t AddService(Model& m, const std::string& name, ServiceKind kind, uint32_t instances,
                           uint32_t concurrency, uint32_t queue) {
  Service s;
  s.name = m.strings.Intern(name);
  s.kind = kind;
  s.instances = instances;
  s.concurrency = concurrency;
  s.queue_capacity = queue;
  uint32_t idx = static_cast<uint32_t>(m.services.size());
  for (uint32_t i = 0; i < instances; ++i) {
    Resource r;
    r.service = idx;
    r.instance = i;
    r.attrs.push_back(Attr{m.strings.Intern("service.name"), AttrValue::String(s.name)});
    s.resources.push_back(static_cast<uint32_t>(m.resources.size()));
    m.resources.push_back(std::move(r));
  }
  m.services.push_back(std::move(s));
  return idx;
}

inline uint32_t AddOp(Model& m, uint32_t service, const std::string& name, std::vector<Step> steps,
                      Protocol proto = Protocol::kHttp) {
  Operation o;
  o.name = m.strings.Intern(name);
  o.service = service;
  o.protocol = proto;
  o.kind = SpanKind::kServer;
  o.emits_span = m.services[service].kind == ServiceKind::kService;
  o.span_name = o.name;
  o.client_span_name = m.strings.Intern("call " + name);
  o.steps = std::move(steps);
  uint32_t idx = static_cast<uint32_t>(m.operations.size());
  m.services[service].operations.push_back(idx);
  m.operations.push_back(std::move(o));
  return idx;
}

// Arrivals at fixed times.
class ListArrivals : public ArrivalSource {
 public:
  ListArrivals(std::vector<Time> times, uint32_t op) : times_(std::move(times)), op_(op) {}
  bool Next(Arrival* out) noexcept override {
    if (i_ >= times_.size()) return false;
    out->time = times_[i_++];
    out->operation = op_;
    return true;
  }

 private:
  std::vector<Time> times_;
  uint32_t op_;
  size_t i_ = 0;
};

// Evenly spaced arrivals: one every `gap` in [0, duration).
inline ListArrivals EvenArrivals(Duration gap, Duration duration, uint32_t op) {
  std::vector<Time> t;
  for (int64_t x = 0; x < duration.nanos(); x += gap.nanos()) t.push_back(Time::FromNanos(x));
  return ListArrivals(std::move(t), op);
}

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_TEST_MODEL_H_
