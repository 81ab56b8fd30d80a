#include "config/distribution.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracesim::config {
namespace {

using sim::Distribution;

const Keys kDistKinds = {"constant", "uniform", "normal", "exponential", "lognormal", "empirical"};
const Keys kDistKeys = {"constant",  "uniform",   "normal", "exponential",
                        "lognormal", "empirical", "min",    "max"};
const Keys kCountKeys = {"constant", "poisson", "uniform", "min", "max"};

// The grammar over one Reader: Dist() picks the kind, one function per kind reads it.
class DistReader {
 public:
  explicit DistReader(Reader& r) : r_(r) {}

  std::optional<double> DurationNs(const Node& v, Need need) {
    auto d = r_.Duration(v, need);
    if (!d) return std::nullopt;
    return static_cast<double>(d->nanos());
  }

  std::optional<Distribution> Check(const Node& v, sim::Result<Distribution> r) {
    if (!r.ok()) {
      r_.Error(v, r.status().message());
      return std::nullopt;
    }
    return std::move(r).value();
  }

  // A duration distribution: "2ms" or {constant|uniform|normal|exponential|lognormal|empirical}.
  std::optional<Distribution> Dist(const Node& v, Need need) {
    if (v.node.IsScalar()) {
      auto ns = DurationNs(v, need);
      if (!ns) return std::nullopt;
      return Distribution::Constant(*ns);
    }
    if (!v.node.IsMap()) {
      r_.Error(v,
               "expected a duration or a distribution such as "
               "{lognormal: {median: 2ms, p99: 9ms}}, got " +
                   Show(v.node));
      return std::nullopt;
    }
    Map f(r_.diag(), v, &kDistKeys);
    const Map::Entry* kind = nullptr;
    int kinds = 0;
    for (const auto& e : f.entries()) {
      if (std::find(kDistKinds.begin(), kDistKinds.end(), e.key) != kDistKinds.end()) {
        kind = &e;
        ++kinds;
      }
    }
    const Node* min = f.Get("min");
    const Node* max = f.Get("max");
    if (kinds == 0 && (min || max)) {
      if (!min || !max) {
        r_.Error(v, "a {min, max} distribution needs both 'min' and 'max'");
        return std::nullopt;
      }
      auto lo = DurationNs(*min, Need::kNonNegative);
      auto hi = DurationNs(*max, need);
      if (!lo || !hi) return std::nullopt;
      return Check(v, Distribution::Uniform(*lo, *hi));
    }
    if (kinds != 1 || min || max) {
      if (f.ok())
        r_.Error(v,
                 "a distribution has exactly one of " + JoinList(kDistKinds) + " (or min and max)");
      return std::nullopt;
    }
    const Node& p = kind->value;
    if (kind->key == "constant") {
      auto ns = DurationNs(p, need);
      if (!ns) return std::nullopt;
      return Distribution::Constant(*ns);
    }
    if (kind->key == "uniform") return Uniform(p, need);
    if (kind->key == "normal") return Normal(p);
    if (kind->key == "exponential") return Exponential(p);
    if (kind->key == "lognormal") return LogNormal(p);
    return Empirical(p);
  }

  // {uniform: [min, max]} or {uniform: {min:, max:}}.
  std::optional<Distribution> Uniform(const Node& p, Need need) {
    std::optional<double> lo, hi;
    if (p.node.IsSequence() && p.node.size() == 2) {
      lo = DurationNs(Node::At(p.node[0], IndexPath(p.path, 0), p), Need::kNonNegative);
      hi = DurationNs(Node::At(p.node[1], IndexPath(p.path, 1), p), need);
    } else if (p.node.IsMap()) {
      static const Keys kMinMax = {"min", "max"};
      Map mm(r_.diag(), p, &kMinMax);
      const Node* a = r_.Require(mm, "min");
      const Node* b = r_.Require(mm, "max");
      if (a) lo = DurationNs(*a, Need::kNonNegative);
      if (b) hi = DurationNs(*b, need);
    } else {
      r_.Error(p, "expected [min, max] or {min:, max:}, got " + Show(p.node));
      return std::nullopt;
    }
    if (!lo || !hi) return std::nullopt;
    return Check(p, Distribution::Uniform(*lo, *hi));
  }

  std::optional<Distribution> Normal(const Node& p) {
    static const Keys kNormal = {"mean", "stddev"};
    Map nf(r_.diag(), p, &kNormal);
    const Node* mean = r_.Require(nf, "mean");
    const Node* sd = r_.Require(nf, "stddev");
    std::optional<double> a, b;
    if (mean) a = DurationNs(*mean, Need::kPositive);
    if (sd) b = DurationNs(*sd, Need::kNonNegative);
    if (!a || !b) return std::nullopt;
    return Check(p, Distribution::Normal(*a, *b));
  }

  // {exponential: 4ms} or {exponential: {mean: 4ms}}.
  std::optional<Distribution> Exponential(const Node& p) {
    const Node* mean = &p;
    Map ef;
    if (p.node.IsMap()) {
      static const Keys kExp = {"mean"};
      ef = Map(r_.diag(), p, &kExp);
      mean = r_.Require(ef, "mean");
      if (mean == nullptr) return std::nullopt;
    }
    auto a = DurationNs(*mean, Need::kPositive);
    if (!a) return std::nullopt;
    return Check(p, Distribution::Exponential(*a));
  }

  std::optional<Distribution> LogNormal(const Node& p) {
    static const Keys kLog = {"median", "p99"};
    Map lf(r_.diag(), p, &kLog);
    const Node* med = r_.Require(lf, "median");
    const Node* p99 = r_.Require(lf, "p99");
    std::optional<double> a, b;
    if (med) a = DurationNs(*med, Need::kPositive);
    if (p99) b = DurationNs(*p99, Need::kPositive);
    if (!a || !b) return std::nullopt;
    return Check(p, Distribution::LogNormal(*a, *b));
  }

  // {empirical: {p50: .., p90: .., p99: .., p999: .., min: ..}}.
  std::optional<Distribution> Empirical(const Node& p) {
    Map ef(r_.diag(), p, nullptr);
    if (!ef.ok()) return std::nullopt;
    std::vector<std::pair<double, double>> points;
    double min_ns = -1;
    bool bad = false;
    for (const auto& e : ef.entries()) {
      if (e.key == "min") {
        auto ns = DurationNs(e.value, Need::kNonNegative);
        if (ns) min_ns = *ns;
        bad |= !ns;
        continue;
      }
      std::optional<double> q = PercentileKey(e.key);
      if (!q) {
        r_.Error(e.key_val, "unknown key " + Quote(e.key) +
                                "; expected percentiles such as p50, p90, p99, p999 (or min)");
        bad = true;
        continue;
      }
      auto ns = DurationNs(e.value, Need::kPositive);
      if (ns) points.emplace_back(*q, *ns);
      bad |= !ns;
    }
    if (bad) return std::nullopt;
    std::sort(points.begin(), points.end());
    return Check(p, Distribution::Empirical(std::move(points), min_ns));
  }

  // "p50" -> 0.5, "p999" -> 0.999, "p99.9" -> 0.999, "p5" -> 0.05.
  static std::optional<double> PercentileKeyOf(const std::string& key) {
    if (key.size() < 2 || key[0] != 'p') return std::nullopt;
    std::string digits = key.substr(1);
    double percent;
    if (digits.find('.') != std::string::npos) {
      auto d = ParseNumber(digits);
      if (!d) return std::nullopt;
      percent = *d;
    } else {
      if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      std::string text = digits.size() <= 2 ? digits : digits.substr(0, 2) + "." + digits.substr(2);
      auto d = ParseNumber(text);
      if (!d) return std::nullopt;
      percent = *d;
    }
    if (percent <= 0 || percent >= 100) return std::nullopt;
    return percent / 100;
  }

  // A count distribution: 3, {constant: 3}, {poisson: 3}, {uniform: [1, 5]}, {min: 1, max: 5}.
  std::optional<Distribution> Count(const Node& v) {
    constexpr int64_t kMax = 1000000;
    if (v.node.IsScalar()) {
      auto n = r_.Int(v, 0, kMax);
      if (!n) return std::nullopt;
      return Distribution::Constant(static_cast<double>(*n));
    }
    if (!v.node.IsMap()) {
      r_.Error(
          v, "expected a count such as 3, {poisson: 3} or {uniform: [1, 5]}, got " + Show(v.node));
      return std::nullopt;
    }
    Map f(r_.diag(), v, &kCountKeys);
    if (!f.ok()) return std::nullopt;
    auto uniform = [&](const Node& at, std::optional<int64_t> lo,
                       std::optional<int64_t> hi) -> std::optional<Distribution> {
      if (!lo || !hi) return std::nullopt;
      if (*hi < *lo) {
        r_.Error(at, "uniform 'max' (" + std::to_string(*hi) + ") is below 'min' (" +
                         std::to_string(*lo) + ")");
        return std::nullopt;
      }
      // Rounded draws: each integer in [lo, hi] equally likely (lo = 0 at half weight).
      double a = std::max(0.0, static_cast<double>(*lo) - 0.5);
      double b = static_cast<double>(*hi) + 0.4999;
      if (*lo == *hi) return Distribution::Constant(static_cast<double>(*lo));
      return Check(at, Distribution::Uniform(a, b));
    };
    if (f.entries().size() == 2 && f.Get("min") && f.Get("max"))
      return uniform(v, r_.Int(*f.Get("min"), 0, kMax), r_.Int(*f.Get("max"), 0, kMax));
    if (f.entries().size() != 1 || f.Get("min") || f.Get("max")) {
      r_.Error(v, "a count has exactly one of constant, poisson, uniform (or min and max)");
      return std::nullopt;
    }
    const auto& e = f.entries()[0];
    if (e.key == "constant") {
      auto n = r_.Int(e.value, 0, kMax);
      if (!n) return std::nullopt;
      return Distribution::Constant(static_cast<double>(*n));
    }
    if (e.key == "poisson") {
      auto mean = r_.Number(e.value);
      if (!mean) return std::nullopt;
      return Check(e.value, Distribution::Poisson(*mean));
    }
    const Node& p = e.value;
    if (p.node.IsSequence() && p.node.size() == 2) {
      return uniform(p, r_.Int(Node::At(p.node[0], IndexPath(p.path, 0), p), 0, kMax),
                     r_.Int(Node::At(p.node[1], IndexPath(p.path, 1), p), 0, kMax));
    }
    r_.Error(p, "expected [min, max], got " + Show(p.node));
    return std::nullopt;
  }

 private:
  Reader& r_;
};

}  // namespace

std::optional<sim::Distribution> ReadDistribution(Reader& r, const Node& v, Need need) {
  return DistReader(r).Dist(v, need);
}

std::optional<sim::Distribution> ReadCount(Reader& r, const Node& v) {
  return DistReader(r).Count(v);
}

std::optional<double> PercentileKey(const std::string& key) {
  return DistReader::PercentileKeyOf(key);
}

sim::Result<sim::Distribution> ParseDistribution(const YAML::Node& node, bool positive) {
  Diagnostics diag("");
  Reader r(diag);
  std::optional<Distribution> d;
  try {
    d = ReadDistribution(r, Node::Root(node), positive ? Need::kPositive : Need::kNonNegative);
  } catch (const std::exception& e) {
    return sim::Status::InvalidArgument(std::string("cannot read the distribution: ") + e.what());
  }
  if (!d) {
    return sim::Status::InvalidArgument(diag.items().empty() ? "invalid distribution"
                                                             : diag.items().front().message);
  }
  return *d;
}

}  // namespace tracesim::config
