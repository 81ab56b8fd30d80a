#include "metrics/prometheus.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tracesim::metrics {
namespace {

bool IsNameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool IsNameChar(char c, bool colon) { return IsNameStart(c, colon) || (c >= '0' && c <= '9'); }

void AppendEscapedHelp(std::string_view help, std::string* out) {
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

const char* TypeName(int type) {
  static const char* const kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

// "{key}" or "{key,extra}" or "{extra}" or "".
void AppendLabelBlock(const std::string& key, std::string_view extra, std::string* out) {
  if (key.empty() && extra.empty()) return;
  out->push_back('{');
  out->append(key);
  if (!key.empty() && !extra.empty()) out->push_back(',');
  out->append(extra);
  out->push_back('}');
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0], true)) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c, true); });
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0], false)) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c, false); });
}

void AppendEscapedLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

void AppendSampleValue(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, end);
  }
}

BucketHistogram::BucketHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void BucketHistogram::Observe(double v) noexcept {
  // First bound >= v: buckets are "le" (less than or equal).
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> BucketHistogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

sim::Result<MetricsRegistry::Family*> MetricsRegistry::FamilyFor(std::string_view name,
                                                                 std::string_view help, Type type,
                                                                 Labels* labels,
                                                                 std::string* label_key) {
  if (!IsValidMetricName(name)) {
    return sim::Status::InvalidArgument("invalid metric name '" + std::string(name) +
                                        "': must match [a-zA-Z_:][a-zA-Z0-9_:]*");
  }
  std::sort(labels->begin(), labels->end());
  for (size_t i = 0; i < labels->size(); ++i) {
    const std::string& ln = (*labels)[i].first;
    if (!IsValidLabelName(ln)) {
      return sim::Status::InvalidArgument("metric '" + std::string(name) +
                                          "': invalid label name '" + ln +
                                          "': must match [a-zA-Z_][a-zA-Z0-9_]*, no '__' prefix");
    }
    if (type == Type::kHistogram && ln == "le") {
      return sim::Status::InvalidArgument("histogram '" + std::string(name) +
                                          "': label name 'le' is reserved");
    }
    if (i > 0 && (*labels)[i - 1].first == ln) {
      return sim::Status::InvalidArgument("metric '" + std::string(name) + "': duplicate label '" +
                                          ln + "'");
    }
  }
  label_key->clear();
  for (size_t i = 0; i < labels->size(); ++i) {
    if (i > 0) label_key->push_back(',');
    label_key->append((*labels)[i].first);
    label_key->append("=\"");
    AppendEscapedLabelValue((*labels)[i].second, label_key);
    label_key->push_back('"');
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    it =
        families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, {}}).first;
    return &it->second;
  }
  if (it->second.type != type) {
    return sim::Status::InvalidArgument("metric '" + std::string(name) +
                                        "' already registered as a " +
                                        TypeName(static_cast<int>(it->second.type)));
  }
  if (it->second.help != help) {
    return sim::Status::InvalidArgument("metric '" + std::string(name) +
                                        "' already registered with another help text");
  }
  return &it->second;
}

sim::Result<Counter*> MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                                  Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key;
  TRACESIM_ASSIGN_OR_RETURN(Family * f, FamilyFor(name, help, Type::kCounter, &labels, &key));
  auto& slot = f->counters[key];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

sim::Result<Gauge*> MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                              Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key;
  TRACESIM_ASSIGN_OR_RETURN(Family * f, FamilyFor(name, help, Type::kGauge, &labels, &key));
  auto& slot = f->gauges[key];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

sim::Result<BucketHistogram*> MetricsRegistry::AddHistogram(std::string_view name,
                                                            std::string_view help,
                                                            std::vector<double> bounds,
                                                            Labels labels) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
      return sim::Status::InvalidArgument("histogram '" + std::string(name) +
                                          "': bounds must be finite and strictly increasing");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string key;
  const bool existed = families_.find(name) != families_.end();
  TRACESIM_ASSIGN_OR_RETURN(Family * f, FamilyFor(name, help, Type::kHistogram, &labels, &key));
  if (!existed) {
    f->bounds = bounds;
  } else if (f->bounds != bounds) {
    return sim::Status::InvalidArgument("histogram '" + std::string(name) +
                                        "' already registered with other bucket bounds");
  }
  auto& slot = f->histograms[key];
  if (!slot) slot = std::make_unique<BucketHistogram>(std::move(bounds));
  return slot.get();
}

std::string MetricsRegistry::ContentType() const {
  return "text/plain; version=0.0.4; charset=utf-8";
}

std::string MetricsRegistry::RenderText() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& family : families_) {
    // Not a structured binding: clang 14 (the fuzz/sanitizer preset) cannot capture one below.
    const auto& name = family.first;
    const auto& f = family.second;
    out.append("# HELP ").append(name).push_back(' ');
    AppendEscapedHelp(f.help, &out);
    out.append("\n# TYPE ").append(name).push_back(' ');
    out.append(TypeName(static_cast<int>(f.type))).push_back('\n');
    auto sample = [&](const std::string& suffix, const std::string& key, std::string_view extra,
                      double v) {
      out.append(name).append(suffix);
      AppendLabelBlock(key, extra, &out);
      out.push_back(' ');
      AppendSampleValue(v, &out);
      out.push_back('\n');
    };
    for (const auto& [key, c] : f.counters) sample("", key, "", c->Value());
    for (const auto& [key, g] : f.gauges) sample("", key, "", g->Value());
    for (const auto& [key, h] : f.histograms) {
      const std::vector<uint64_t> counts = h->BucketCounts();
      uint64_t cumulative = 0;
      std::string le;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        le.assign("le=\"");
        if (i < h->bounds().size()) {
          AppendSampleValue(h->bounds()[i], &le);
        } else {
          le.append("+Inf");
        }
        le.push_back('"');
        sample("_bucket", key, le, static_cast<double>(cumulative));
      }
      sample("_sum", key, "", h->Sum());
      sample("_count", key, "", static_cast<double>(cumulative));
    }
  }
  return out;
}

}  // namespace tracesim::metrics
