// Pass 2 of the topology compiler, an operation's program: work, calls (count, timeout,
// retries, circuit breaker, on_error, fallback), parallel branches, publishes and inner spans.
#include "topologies/compiler.h"

namespace tracesim::topologies::compiler {
namespace {

class ProgramBuilder : public Pass {
 public:
  explicit ProgramBuilder(CompileState& st) : Pass(st) {}

  // ---- programs
  // ----------------------------------------------------------------------------------

  void ParseProgram(const Fields& f, uint32_t op) {
    const Val* steps = f.Get("steps");
    const Val* work = f.Get("work");
    const Val* calls = f.Get("calls");
    std::vector<sim::Step> program;
    if (steps && (work || calls)) {
      r_.Error(*steps, "use either 'steps' or the 'work'/'calls' shorthand, not both");
      return;
    }
    if (steps) {
      ParseStepList(*steps, op, program);
    } else {
      if (work) {
        if (auto d = Dist(*work, Need::kPositive)) {
          sim::Step s;
          s.kind = sim::Step::Kind::kWork;
          s.work = *d;
          program.push_back(std::move(s));
        }
      }
      if (calls) {
        if (!calls->node.IsSequence()) {
          r_.Error(*calls, "expected a list of calls, got " + Show(calls->node));
        } else {
          for (size_t i = 0; i < calls->node.size(); ++i) {
            Val cv = At(calls->node[i], Index(calls->path, i), *calls);
            std::optional<sim::Step> s;
            if (cv.node.IsScalar()) {
              s = CallStep(cv, op, nullptr);
            } else {
              Fields cf(diag_, cv, &kCallKeys);
              if (!cf.ok()) continue;
              if (const Val* c = Require(cf, "call")) s = CallStep(*c, op, &cf);
            }
            if (s) program.push_back(std::move(*s));
          }
        }
      }
      if (!work && !calls && f.ok())
        r_.Error(f.self(), "an operation needs a program: 'steps', or 'work' and/or 'calls'");
    }
    m_.operations[op].steps = std::move(program);
  }

  void ParseStepList(const Val& v, uint32_t op, std::vector<sim::Step>& out) {
    if (!v.node.IsSequence()) {
      r_.Error(v, "expected a list of steps, got " + Show(v.node));
      return;
    }
    if (v.node.size() == 0) r_.Error(v, "expected at least one step");
    for (size_t i = 0; i < v.node.size(); ++i) {
      if (auto s = ParseStep(At(v.node[i], Index(v.path, i), v), op)) out.push_back(std::move(*s));
    }
  }

  // A call step: `ref` names the target; `f` (may be null) holds the call's other keys.
  std::optional<sim::Step> CallStep(const Val& ref, uint32_t from, const Fields* f) {
    sim::Step s;
    s.kind = sim::Step::Kind::kCall;
    bool ok = true;
    if (const Val* probability = f ? f->Get("probability") : nullptr) {
      auto p = Probability(*probability);
      ok &= p.has_value();
      if (p) s.call.probability = *p;
    }
    if (const Val* count = f ? f->Get("count") : nullptr) {
      auto c = Count(*count);
      ok &= c.has_value();
      if (c) s.call.count = *c;
    }
    if (f) ok &= ParseResilience(*f, s.call);
    auto name = Str(ref);
    if (!name) return std::nullopt;
    uint32_t target = FindOperationRef(*name);
    if (target == kNone) {
      std::string hint = DidYouMean(*name, op_refs_);
      if (hint.empty() && name->find('.') == std::string::npos)
        hint = " (write it as service.operation)";
      r_.Error(ref, "unknown operation " + Quote(*name) + hint);
      return std::nullopt;
    }
    s.call.target = target;
    calls_.push_back({from, target, ref});
    if (!ok) return std::nullopt;
    return s;
  }

  std::optional<sim::Duration> PositiveDuration(const Val& v) {
    auto ns = DurationNs(v, Need::kPositive);
    if (!ns) return std::nullopt;
    return sim::Duration::Nanos(static_cast<int64_t>(*ns));
  }

  // `retry:` of a call: an attempt count or {attempts, backoff, multiplier, max_backoff, jitter,
  // on}.
  bool ParseRetry(const Val* v, sim::RetryPolicy& r) {
    bool ok = true;
    r.max_attempts = 3;  // `retry:` present means retrying; 3 attempts unless told otherwise
    if (v->node.IsScalar()) {
      auto n = Int(*v, 1, 100);
      ok &= n.has_value();
      if (n) r.max_attempts = static_cast<uint32_t>(*n);
    } else {
      Fields rf(diag_, *v, &kRetryKeys);
      ok &= rf.ok();
      if (const Val* a = rf.Get("attempts")) {
        auto n = Int(*a, 1, 100);
        ok &= n.has_value();
        if (n) r.max_attempts = static_cast<uint32_t>(*n);
      }
      if (const Val* b = rf.Get("backoff")) {
        auto d = DurationNs(*b, Need::kNonNegative);
        ok &= d.has_value();
        if (d) r.initial_backoff = sim::Duration::Nanos(static_cast<int64_t>(*d));
      }
      if (const Val* m = rf.Get("multiplier")) {
        auto x = Number(*m);
        if (x && *x < 1) r_.Error(*m, "a backoff multiplier must be >= 1, got " + m->node.Scalar());
        ok &= x && *x >= 1;
        if (x) r.multiplier = *x;
      }
      if (const Val* m = rf.Get("max_backoff")) {
        auto d = PositiveDuration(*m);
        ok &= d.has_value();
        if (d) r.max_backoff = *d;
      }
      if (const Val* j = rf.Get("jitter")) {
        auto x = Probability(*j);
        ok &= x.has_value();
        if (x) r.jitter = *x;
      }
      if (const Val* on = rf.Get("on")) {
        if (!on->node.IsSequence() || on->node.size() == 0) {
          r_.Error(*on, "expected a non-empty list of " + JoinList(kRetryOn) + ", got " +
                            Show(on->node));
          ok = false;
        } else {
          r.on_error = r.on_unavailable = r.on_timeout = false;
          for (size_t i = 0; i < on->node.size(); ++i) {
            auto c = Choice(At(on->node[i], Index(on->path, i), *on), kRetryOn);
            ok &= c.has_value();
            if (!c) continue;
            (*c == 0 ? r.on_error : *c == 1 ? r.on_unavailable : r.on_timeout) = true;
          }
        }
      }
    }
    return ok;
  }

  // `circuit_breaker:` of a call: true/false or {failure_threshold, window, minimum_calls,
  // open_for, half_open_calls}.
  bool ParseBreaker(const Val* v, sim::CircuitBreakerSpec& b) {
    bool ok = true;
    if (v->node.IsScalar()) {
      auto on = Bool(*v);
      ok &= on.has_value();
      b.enabled = on.value_or(false);
    } else {
      b.enabled = true;
      Fields bf(diag_, *v, &kBreakerKeys);
      ok &= bf.ok();
      if (const Val* x = bf.Get("failure_threshold")) {
        auto p = Probability(*x);
        if (p && *p == 0) r_.Error(*x, "failure_threshold must be > 0");
        ok &= p && *p > 0;
        if (p) b.failure_threshold = *p;
      }
      auto count = [&](const char* key, uint32_t* out) {
        if (const Val* x = bf.Get(key)) {
          auto n = Int(*x, 1, 1000000);
          ok &= n.has_value();
          if (n) *out = static_cast<uint32_t>(*n);
        }
      };
      count("window", &b.window);
      count("minimum_calls", &b.minimum_calls);
      count("half_open_calls", &b.half_open_calls);
      if (const Val* x = bf.Get("open_for")) {
        auto d = PositiveDuration(*x);
        ok &= d.has_value();
        if (d) b.open_duration = *d;
      }
      if (b.minimum_calls > b.window) {
        r_.Error(bf.self(), "minimum_calls (" + std::to_string(b.minimum_calls) +
                                ") exceeds window (" + std::to_string(b.window) + ")");
        ok = false;
      }
    }
    return ok;
  }

  // timeout, retry, circuit_breaker, on_error, fallback of a call (doc/topology.md#resilience).
  bool ParseResilience(const Fields& f, sim::CallSpec& call) {
    bool ok = true;
    if (const Val* v = f.Get("timeout")) {
      auto d = PositiveDuration(*v);
      ok &= d.has_value();
      if (d) call.timeout = *d;
    }
    if (const Val* v = f.Get("retry")) ok &= ParseRetry(v, call.retry);
    if (const Val* v = f.Get("circuit_breaker")) ok &= ParseBreaker(v, call.breaker);
    const Val* on_error = f.Get("on_error");
    const Val* fallback = f.Get("fallback");
    if (on_error) {
      auto c = Choice(*on_error, kOnError);
      ok &= c.has_value();
      if (c) call.on_error = static_cast<sim::OnError>(*c);
    }
    if (fallback) {
      auto d = Dist(*fallback, Need::kNonNegative);
      ok &= d.has_value();
      if (d) call.fallback = *d;
      if (!on_error) call.on_error = sim::OnError::kFallback;
      if (on_error && call.on_error != sim::OnError::kFallback) {
        r_.Error(*fallback,
                 "'fallback' needs on_error: fallback, got on_error: " + on_error->node.Scalar());
        ok = false;
      }
    }
    return ok;
  }

  std::optional<sim::Step> ParseStep(const Val& v, uint32_t op) {
    if (!v.node.IsMap()) {
      r_.Error(v, "expected a step such as {work: 2ms} or {call: service.operation}, got " +
                      Show(v.node));
      return std::nullopt;
    }
    Fields f(diag_, v, &kStepKeys);
    Keys kinds;
    for (const auto& e : f.entries())
      if (std::find(kStepKinds.begin(), kStepKinds.end(), e.key) != kStepKinds.end())
        kinds.push_back(e.key);
    if (kinds.size() != 1) {
      r_.Error(v, kinds.empty() ? "a step needs one of " + JoinList(kStepKinds)
                                : "a step has exactly one of " + JoinList(kStepKinds) + "; found " +
                                      JoinList(kinds));
      return std::nullopt;
    }
    const std::string& kind = kinds[0];
    const Val& body = *f.Get(kind);
    if (kind != "call") {
      for (const std::string& key : kCallOnlyKeys)
        if (const Fields::Entry* c = f.Find(key))
          r_.Error(c->key_val, Quote(key) + " applies to call steps only");
    }
    if (kind == "call") return CallStep(body, op, &f);

    sim::Step s;
    if (const Val* p = f.Get("probability"))
      if (auto x = Probability(*p)) s.probability = *x;
    if (kind == "work") {
      s.kind = sim::Step::Kind::kWork;
      auto d = Dist(body, Need::kPositive);
      if (!d) return std::nullopt;
      s.work = *d;
    } else if (kind == "parallel") {
      s.kind = sim::Step::Kind::kParallel;
      ParseStepList(body, op, s.children);
    } else if (kind == "publish") {
      s.kind = sim::Step::Kind::kPublish;
      auto topic = Str(body);
      if (!topic) return std::nullopt;
      auto it = topic_index_.find(*topic);
      if (it == topic_index_.end()) {
        r_.Error(body, "unknown topic " + Quote(*topic) + DidYouMean(*topic, topic_names_));
        return std::nullopt;
      }
      s.topic = it->second;
    } else {  // span
      s.kind = sim::Step::Kind::kSpan;
      Fields sf(diag_, body, &kSpanKeys);
      if (!sf.ok()) return std::nullopt;
      if (auto n = Name(sf)) s.span_name = S(*n);
      if (const Val* a = sf.Get("attributes")) s.attrs = ParseLiteralMap(*a);
      if (const Val* st = Require(sf, "steps")) ParseStepList(*st, op, s.children);
    }
    return s;
  }
};

}  // namespace

void ParseProgram(CompileState& st, const Fields& f, uint32_t op) {
  ProgramBuilder(st).ParseProgram(f, op);
}

}  // namespace tracesim::topologies::compiler
