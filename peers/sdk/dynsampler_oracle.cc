#include "peers/sdk/dynsampler_oracle.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "peers/sdk/sdk_oracle.h"

namespace tracesim::peers_sdk {

std::vector<DynScenario> DynScenarios() {
  std::vector<DynScenario> out;
  DynScenario d;
  d.name = "dynamic";
  d.seed = 21;
  out.push_back(d);

  DynScenario many = d;
  many.name = "dynamic-max-keys-500";
  many.dynamic.max_keys = 500;
  many.keys = 700;
  many.traces_per_second = 400;
  many.duration_s = 120;
  many.seed = 22;
  out.push_back(many);

  DynScenario ema;
  ema.name = "ema-burst";
  ema.ema = true;
  ema.ema_options.age_out_value = 0.5;  // dynsampler-go's default: the weight
  ema.burst_from_s = 100;
  ema.duration_s = 240;
  ema.seed = 23;
  out.push_back(ema);
  return out;
}

namespace {

double Uniform(SplitMix64& rng) { return static_cast<double>(rng.Next() >> 11) * 0x1p-53; }

}  // namespace

DynFeed GenerateDynFeed(const DynScenario& sc) {
  DynFeed f;
  f.ema = sc.ema;
  f.dynamic = sc.dynamic;
  f.ema_options = sc.ema_options;
  SplitMix64 rng(sc.seed);
  std::vector<double> cumulative;
  double total = 0;
  for (int i = 0; i < sc.keys; ++i) cumulative.push_back(total += 1.0 / (i + 1));
  double t = 0;
  const double end = static_cast<double>(sc.duration_s) * 1e9;
  for (;;) {
    const bool burst =
        sc.burst_from_s >= 0 && t >= sc.burst_from_s * 1e9 && t < (sc.burst_from_s + 20) * 1e9;
    t += -std::log1p(-Uniform(rng)) / (sc.traces_per_second * (burst ? 6 : 1)) * 1e9;
    if (t >= end) break;
    const double u = Uniform(rng) * total;
    size_t k = 0;
    while (k + 1 < cumulative.size() && cumulative[k] < u) ++k;
    // Keys as Refinery builds them: sorted values joined with ",", fields with "•".
    const char* status = k % 3 == 0 ? "200" : k % 3 == 1 ? "404" : "500";
    DynCall c;
    c.t_ns = static_cast<int64_t>(t);
    c.key = "svc" + std::to_string(k) + "•" + status;
    c.count = 1 + static_cast<uint32_t>(Uniform(rng) * 12);  // spans, events and links
    f.calls.push_back(std::move(c));
  }
  return f;
}

std::string DynFeedToText(const DynFeed& f) {
  std::ostringstream o;
  char buf[64];
  auto opt = [&](const char* key, double v) {
    std::snprintf(buf, sizeof buf, "%.17g", v);
    o << "# " << key << ' ' << buf << '\n';
  };
  o << "# sampler " << (f.ema ? "ema" : "dynamic") << '\n';
  if (f.ema) {
    const sampling::EmaDynamicSamplerOptions& e = f.ema_options;
    opt("goal_sample_rate", e.goal_sample_rate);
    opt("adjustment_interval_ns", static_cast<double>(e.adjustment_interval.nanos()));
    opt("weight", e.weight);
    opt("age_out_value", e.age_out_value);
    opt("burst_multiple", e.burst_multiple);
    opt("burst_detection_delay", e.burst_detection_delay);
    opt("max_keys", e.max_keys);
  } else {
    opt("goal_sample_rate", f.dynamic.sample_rate);
    opt("clear_frequency_ns", static_cast<double>(f.dynamic.clear_frequency.nanos()));
    opt("max_keys", f.dynamic.max_keys);
  }
  for (const DynCall& c : f.calls) o << "C " << c.t_ns << ' ' << c.key << ' ' << c.count << '\n';
  return o.str();
}

sim::Result<DynFeed> ParseDynFeed(const std::string& text) {
  DynFeed f;
  std::map<std::string, std::string> opts;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string tag;
    if (!(ls >> tag)) continue;
    if (tag == "#") {
      std::string k, v;
      if (ls >> k >> v) opts[k] = v;
    } else if (tag == "C") {
      DynCall c;
      if (!(ls >> c.t_ns >> c.key >> c.count)) {
        return sim::Status::InvalidArgument("bad call line: " + line);
      }
      f.calls.push_back(std::move(c));
    }
  }
  auto num = [&](const char* k) { return std::strtod(opts[k].c_str(), nullptr); };
  f.ema = opts["sampler"] == "ema";
  if (f.ema) {
    sampling::EmaDynamicSamplerOptions& e = f.ema_options;
    e.goal_sample_rate = static_cast<uint32_t>(num("goal_sample_rate"));
    e.adjustment_interval =
        sim::Duration::Nanos(static_cast<int64_t>(num("adjustment_interval_ns")));
    e.weight = num("weight");
    e.age_out_value = num("age_out_value");
    e.burst_multiple = num("burst_multiple");
    e.burst_detection_delay = static_cast<uint32_t>(num("burst_detection_delay"));
    e.max_keys = static_cast<uint32_t>(num("max_keys"));
    TRACESIM_RETURN_IF_ERROR(e.Validate());
  } else {
    f.dynamic.sample_rate = static_cast<uint32_t>(num("goal_sample_rate"));
    f.dynamic.clear_frequency =
        sim::Duration::Nanos(static_cast<int64_t>(num("clear_frequency_ns")));
    f.dynamic.max_keys = static_cast<uint32_t>(num("max_keys"));
    TRACESIM_RETURN_IF_ERROR(f.dynamic.Validate());
  }
  return f;
}

std::vector<uint32_t> ReplayDynTracesim(const DynFeed& f) {
  std::vector<uint32_t> rates;
  rates.reserve(f.calls.size());
  if (f.ema) {
    sampling::EmaDynamicSampler s(f.ema_options);
    for (const DynCall& c : f.calls) {
      rates.push_back(s.SampleRateFor(c.key, sim::Time::FromNanos(c.t_ns), c.count));
    }
  } else {
    sampling::DynamicSampler s(f.dynamic);
    for (const DynCall& c : f.calls) {
      rates.push_back(s.SampleRateFor(c.key, sim::Time::FromNanos(c.t_ns), c.count));
    }
  }
  return rates;
}

}  // namespace tracesim::peers_sdk
