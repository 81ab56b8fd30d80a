#include "workloads/workload.h"

#include <algorithm>
#include <cmath>

#include "sim/base/suggest.h"

namespace tracesim::workloads {

std::vector<SpecProblem> MixProblems(const WorkloadSpec& spec, const sim::Model& model) {
  std::vector<SpecProblem> out;
  std::vector<std::string> entry_refs;  // built lazily, for suggestions
  for (size_t i = 0; i < spec.mix.size(); ++i) {
    const std::string& ref = spec.mix[i].operation;
    const uint32_t op = model.FindOperationRef(ref);
    std::string problem;
    if (op == sim::kNone) {
      if (entry_refs.empty()) {
        for (uint32_t j = 0; j < model.operations.size(); ++j)
          if (model.operations[j].emits_span) entry_refs.push_back(model.OperationRef(j));
      }
      problem = "unknown operation '" + ref + "'" + sim::DidYouMean(ref, entry_refs);
    } else if (!model.operations[op].emits_span) {
      problem = "'" + ref +
                "' is an operation of a dependency (database, cache, external API, broker), not "
                "an entry point";
    }
    if (!problem.empty()) out.push_back({"mix[" + std::to_string(i) + "].operation", problem});
  }
  return out;
}

sim::Result<std::vector<uint32_t>> ResolveMix(const WorkloadSpec& spec, const sim::Model& model) {
  std::string errors;
  for (const SpecProblem& p : MixProblems(spec, model)) {
    if (!errors.empty()) errors += "; ";
    errors += "workload." + p.path + ": " + p.message;
  }
  if (!errors.empty()) return sim::Status::NotFound(std::move(errors));
  std::vector<uint32_t> ops;
  for (const MixEntry& e : spec.mix) ops.push_back(model.FindOperationRef(e.operation));
  return ops;
}

sim::Result<std::unique_ptr<Workload>> Workload::Create(const WorkloadSpec& spec,
                                                        const sim::Model& model, uint64_t seed,
                                                        sim::Duration duration) {
  TRACESIM_RETURN_IF_ERROR(spec.Validate());
  if (duration.nanos() < 0) {
    return sim::Status::InvalidArgument("workload duration must be >= 0, got " +
                                        sim::FormatDuration(duration));
  }
  TRACESIM_ASSIGN_OR_RETURN(std::vector<uint32_t> ops, ResolveMix(spec, model));
  return std::unique_ptr<Workload>(new Workload(spec, std::move(ops), seed, duration));
}

Workload::Workload(const WorkloadSpec& spec, std::vector<uint32_t> ops, uint64_t seed,
                   sim::Duration duration)
    : spec_(spec),
      rate_(spec),
      duration_(duration),
      end_(duration.seconds()),
      ops_(std::move(ops)),
      seed_(seed) {
  double sum = 0;
  for (const MixEntry& e : spec_.mix) {
    sum += e.weight;
    cumulative_.push_back(sum);
  }
  StartBlock(0);
}

void Workload::StartBlock(int64_t block) noexcept {
  block_ = block;
  in_block_ = 0;
  const double start = static_cast<double>(block * kBlockSeconds);
  block_end_ = static_cast<double>((block + 1) * kBlockSeconds);
  if (start >= end_) {
    done_ = true;
    return;
  }
  arrivals_rng_ = sim::Rng::Derive(seed_, "workload-arrivals", static_cast<uint64_t>(block));
  mix_rng_ = sim::Rng::Derive(seed_, "workload-mix", static_cast<uint64_t>(block));
  segment_ = rate_.SegmentAt(start, std::min(end_, block_end_));
  segment_mass_ = segment_.Mass();
  used_ = 0;
  offset_ = 0;
  first_ = true;
  first_step_ = 0.5;
  if (block > 0 && spec_.process != ArrivalProcess::kPoisson) {
    // The whole run's arrivals are at masses k - 1/2: the first one after the block's start.
    const double before = rate_.Integral(0, start);
    first_step_ = std::floor(before + 0.5) + 0.5 - before;
  }
}

std::vector<sim::Time> Workload::EqualTrafficEdges(uint32_t n) const {
  const int64_t d = duration_.nanos();
  std::vector<sim::Time> edges(n + 1);
  for (uint32_t k = 0; k <= n; ++k) {
    edges[k] = sim::Time::FromNanos(
        static_cast<int64_t>(static_cast<__int128>(d) * k / static_cast<__int128>(n)));
  }
  const double total = end_ > 0 ? rate_.Integral(0, end_) : 0;
  if (n < 2 || !(total > 0)) return edges;
  // One walk over the rate's segments: edge k is where the mass reaches k/n of the total.
  double mass = 0, a = 0;
  uint32_t k = 1;
  while (a < end_ && k < n) {
    const Segment seg = rate_.SegmentAt(a, end_);
    const double m = seg.Mass();
    for (; k < n && mass + m >= total * k / n; ++k) {
      const double at = seg.a + seg.Invert(total * k / n - mass, -1);
      const int64_t ns = std::clamp<int64_t>(std::llround(at * 1e9), edges[k - 1].nanos(), d);
      if (std::llabs(ns - edges[k].nanos()) > 1000) edges[k] = sim::Time::FromNanos(ns);
    }
    mass += m;
    a = seg.b;
  }
  for (k = 1; k <= n; ++k) edges[k] = std::max(edges[k], edges[k - 1]);
  return edges;
}

void Workload::SkipTo(sim::Time t) noexcept {
  if (done_) return;
  const int64_t block = t.nanos() / (kBlockSeconds * 1'000'000'000);
  if (block > block_) StartBlock(block);
}

bool Workload::Next(sim::Arrival* out) noexcept {
  double target = 0;
  for (;;) {  // once per block: a step past the block's end starts the next block
    if (done_) return false;
    double step;
    if (spec_.process == ArrivalProcess::kPoisson) {
      step = -std::log(arrivals_rng_.UniformOpen0());
    } else {
      step = first_ ? first_step_ : 1.0;
    }
    first_ = false;
    target = used_ + step;
    bool moved = false, next_block = false;
    while (target > segment_mass_) {
      target -= segment_mass_;
      if (segment_.b >= end_) {
        done_ = true;
        return false;
      }
      if (segment_.b >= block_end_) {
        next_block = true;
        break;
      }
      segment_ = rate_.SegmentAt(segment_.b, std::min(end_, block_end_));
      segment_mass_ = segment_.Mass();
      moved = true;
    }
    if (next_block) {
      StartBlock(block_ + 1);
      continue;
    }
    if (moved) {
      used_ = 0;
      offset_ = 0;
    }
    break;
  }
  // Newton's starting point for a sinusoid: a linear step from the previous arrival.
  double hint = -1;
  if (segment_.sinusoid) {
    const double r = segment_.RateAt(segment_.a + offset_);
    if (r > 0) hint = offset_ + (target - used_) / r;
  }
  offset_ = segment_.Invert(target, hint);
  used_ = target;
  const double t = segment_.a + offset_;
  int64_t ns = static_cast<int64_t>(std::llround(t * 1e9));
  if (ns >= duration_.nanos()) {
    done_ = true;
    return false;
  }
  ns = std::max(ns, last_ns_);  // rounding must never make time go backwards
  last_ns_ = ns;

  size_t pick = 0;
  if (ops_.size() > 1) {
    const double u = mix_rng_.Uniform() * cumulative_.back();
    pick = std::upper_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin();
    pick = std::min(pick, ops_.size() - 1);
  }
  out->time = sim::Time::FromNanos(ns);
  out->operation = ops_[pick];
  out->index = (static_cast<uint64_t>(block_) << kBlockIndexBits) | in_block_++;
  return true;
}

}  // namespace tracesim::workloads
