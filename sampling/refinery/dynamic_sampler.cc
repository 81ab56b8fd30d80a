#include "sampling/refinery/dynamic_sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "sim/base/rng.h"
#include "sim/model/span_kind.h"

namespace tracesim::sampling {

namespace {

// Go's math.Max: NaN if either argument is NaN.
double GoMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

uint32_t ToRate(double r) {
  if (std::isnan(r) || r < 1) return 1;
  if (r >= 4294967295.0) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(r);
}

}  // namespace

std::map<std::string, uint32_t, std::less<>> DynamicSampleRates(
    double goal_ratio, const std::map<std::string, double, std::less<>>& counts) {
  std::map<std::string, uint32_t, std::less<>> rates;
  size_t keys_remaining = counts.size();
  double extra = 0;
  for (const auto& [key, raw] : counts) {  // std::map: lexicographic order, as sort.Strings
    const double count = GoMax(1, raw);
    double goal = GoMax(1, std::log10(count) * goal_ratio);
    const double extra_for_key = extra / static_cast<double>(keys_remaining);
    goal += extra_for_key;
    extra -= extra_for_key;
    --keys_remaining;
    if (count <= goal) {
      rates[key] = 1;
      extra += goal - count;
    } else {
      const uint32_t rate = ToRate(std::ceil(count / goal));
      rates[key] = rate;
      extra += goal - (count / static_cast<double>(rate));
    }
  }
  return rates;
}

bool DynamicKeep(const sim::TraceId& trace_id, uint32_t rate) noexcept {
  if (rate <= 1) return true;
  uint8_t bytes[16];
  trace_id.ToBytes(bytes);
  uint64_t h = 14695981039346656037ULL;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  uint64_t state = h;
  const uint32_t h32 = static_cast<uint32_t>(sim::SplitMix64(state) >> 32);
  return h32 <= std::numeric_limits<uint32_t>::max() / rate;
}

// ---------------------------------------------------------------------------------------------

sim::Status DynamicSamplerOptions::Validate() const {
  if (sample_rate < 1) return sim::Status::InvalidArgument("sample_rate: must be >= 1");
  if (clear_frequency <= sim::Duration()) {
    return sim::Status::InvalidArgument("clear_frequency: must be > 0");
  }
  return sim::Status::Ok();
}

DynamicSampler::DynamicSampler(const DynamicSamplerOptions& options, sim::Time start)
    : options_(options), next_clear_(start + options.clear_frequency) {}

void DynamicSampler::AdvanceTo(sim::Time now) {
  while (next_clear_ <= now) {
    next_clear_ = next_clear_ + options_.clear_frequency;
    UpdateMaps();
  }
}

void DynamicSampler::UpdateMaps() {
  std::map<std::string, double, std::less<>> counts;
  counts.swap(current_);
  if (counts.empty()) {
    saved_.clear();  // no traffic in the window: every key gets rate 1 (have_data_ stays)
    return;
  }
  double sum = 0, log_sum = 0;
  for (const auto& [k, c] : counts) {
    sum += c;
    log_sum += std::log10(c);
  }
  const double goal_count = sum / static_cast<double>(options_.sample_rate);
  saved_ = DynamicSampleRates(goal_count / log_sum, counts);
  have_data_ = true;
}

uint32_t DynamicSampler::SampleRateFor(std::string_view key, sim::Time now, uint32_t count) {
  AdvanceTo(now);
  auto it = current_.find(key);
  if (it != current_.end()) {
    it->second += count;
  } else if (options_.max_keys == 0 || current_.size() < options_.max_keys) {
    current_.emplace(std::string(key), static_cast<double>(count));
  } else {
    ++uncounted_;
  }
  if (!have_data_) return options_.sample_rate;
  auto s = saved_.find(key);
  return s != saved_.end() ? s->second : 1;
}

// ---------------------------------------------------------------------------------------------

sim::Status EmaDynamicSamplerOptions::Validate() const {
  if (goal_sample_rate < 1) return sim::Status::InvalidArgument("goal_sample_rate: must be >= 1");
  if (adjustment_interval <= sim::Duration()) {
    return sim::Status::InvalidArgument("adjustment_interval: must be > 0");
  }
  if (!(weight > 0 && weight < 1)) {
    return sim::Status::InvalidArgument("weight: must be in (0, 1), got " + std::to_string(weight));
  }
  if (!(age_out_value >= 0)) return sim::Status::InvalidArgument("age_out_value: must be >= 0");
  if (std::isnan(burst_multiple)) {
    return sim::Status::InvalidArgument("burst_multiple: must be a number");
  }
  return sim::Status::Ok();
}

EmaDynamicSampler::EmaDynamicSampler(const EmaDynamicSamplerOptions& options, sim::Time start)
    : options_(options), next_update_(start + options.adjustment_interval) {
  if (options_.age_out_value == 0) options_.age_out_value = options_.weight;
}

void EmaDynamicSampler::AdvanceTo(sim::Time now) {
  while (next_update_ <= now) {
    next_update_ = next_update_ + options_.adjustment_interval;
    UpdateMaps();
    ++interval_count_;
  }
}

void EmaDynamicSampler::UpdateMaps() {
  if (current_.empty()) return;  // no traffic: the average does not decay
  std::map<std::string, double, std::less<>> counts;
  counts.swap(current_);
  burst_sum_ = 0;
  const double a = options_.weight;
  // Existing keys: decay (by 0 when unseen), age out below the threshold.
  for (auto it = ema_.begin(); it != ema_.end();) {
    auto c = counts.find(it->first);
    const double value = c != counts.end() ? c->second : 0.0;
    const double avg = value * a + (1.0 - a) * it->second;
    if (c != counts.end()) counts.erase(c);
    if (avg < options_.age_out_value) {
      it = ema_.erase(it);
    } else {
      it->second = avg;
      ++it;
    }
  }
  for (const auto& [k, v] : counts) {
    const double avg = v * a;
    if (avg >= options_.age_out_value) ema_[k] = avg;
  }
  double sum = 0, log_sum = 0;
  for (const auto& [k, v] : ema_) {
    sum += std::max(1.0, v);
    log_sum += std::log10(std::max(1.0, v));
  }
  burst_threshold_ = sum * options_.burst_multiple;
  const double goal_count = sum / static_cast<double>(options_.goal_sample_rate);
  saved_ = DynamicSampleRates(goal_count / log_sum, ema_);
  have_data_ = true;
}

uint32_t EmaDynamicSampler::SampleRateFor(std::string_view key, sim::Time now, uint32_t count) {
  AdvanceTo(now);
  auto it = current_.find(key);
  if (it != current_.end()) {
    it->second += count;
    burst_sum_ += count;
  } else if (options_.max_keys == 0 || current_.size() < options_.max_keys) {
    current_.emplace(std::string(key), static_cast<double>(count));
    burst_sum_ += count;
  } else {
    ++uncounted_;
  }
  const bool burst = burst_threshold_ > 0 && burst_sum_ >= burst_threshold_ &&
                     interval_count_ >= options_.burst_detection_delay;
  uint32_t rate = options_.goal_sample_rate;
  if (have_data_) {
    auto s = saved_.find(key);
    rate = s != saved_.end() ? s->second : 1;
  }
  if (burst) {
    // Refinery signals the updater, which recomputes at once and restarts its ticker; the
    // event that triggered it already got the old rate.
    burst_sum_ = 0;
    ++bursts_;
    UpdateMaps();
    next_update_ = now + options_.adjustment_interval;
  }
  return rate;
}

// ---------------------------------------------------------------------------------------------

namespace {

// husky getSpanStatusCode: the OTLP code as an integer.
std::string_view StatusName(sim::StatusCode c) {
  switch (c) {
    case sim::StatusCode::kOk:
      return "1";
    case sim::StatusCode::kError:
      return "2";
    case sim::StatusCode::kUnset:
      break;
  }
  return "0";
}

std::string Render(const sim::Model& m, const sim::AttrValue& v) {
  char buf[64];
  switch (v.type) {
    case sim::AttrValue::Type::kString:
      return std::string(m.strings.Get(v.str));
    case sim::AttrValue::Type::kBool:
      return v.b ? "true" : "false";
    case sim::AttrValue::Type::kInt: {
      auto r = std::to_chars(buf, buf + sizeof(buf), v.i);
      return std::string(buf, r.ptr);
    }
    case sim::AttrValue::Type::kDouble: {
      auto r = std::to_chars(buf, buf + sizeof(buf), v.d);
      return std::string(buf, r.ptr);
    }
    case sim::AttrValue::Type::kPrefixedInt: {
      auto r = std::to_chars(buf, buf + sizeof(buf), v.i);
      return std::string(m.strings.Get(v.str)) + std::string(buf, r.ptr);
    }
    case sim::AttrValue::Type::kNone:
      break;
  }
  return "";
}

// The resource attribute `key` of `span`'s resource (service.name is one).
bool ResourceValue(const sim::Model& m, const sim::Span& span, std::string_view field,
                   sim::StrId key, std::string* out) {
  if (field == "service.name" && span.service < m.services.size()) {
    *out = std::string(m.strings.Get(m.services[span.service].name));
    return true;
  }
  if (key == sim::kEmptyStr || span.resource >= m.resources.size()) return false;
  for (const sim::Attr& a : m.resources[span.resource].attrs) {
    if (a.key == key) {
      *out = Render(m, a.value);
      return true;
    }
  }
  return false;
}

// The value of `field` on the husky event of `span`; false when it has none. Span attributes
// override resource ones (husky copies the resource first).
bool SpanFieldValue(const sim::Model& m, const sim::Span& span, std::string_view field,
                    sim::StrId key, std::string* out) {
  if (field == "name") {
    *out = std::string(m.strings.Get(span.name));
    return true;
  }
  if (field == "span.kind" || field == "type") {
    *out = std::string(sim::SpanKindName(span.kind));
    return true;
  }
  if (field == "status_code") {
    *out = std::string(StatusName(span.status));
    return true;
  }
  if (field == "error") {
    if (span.status != sim::StatusCode::kError) return false;
    *out = "true";
    return true;
  }
  if (key != sim::kEmptyStr) {
    if (const sim::AttrValue* v = span.FindAttr(key)) {
      *out = Render(m, *v);
      return true;
    }
  }
  return ResourceValue(m, span, field, key, out);
}

// The same on the husky event of one of `span`'s span events (`event`) or links (nullptr).
bool EventFieldValue(const sim::Model& m, const sim::Span& span, const sim::SpanEvent* event,
                     std::string_view field, sim::StrId key, std::string* out) {
  if (field == "parent_name") {
    *out = std::string(m.strings.Get(span.name));
    return true;
  }
  if (field == "meta.annotation_type") {
    *out = event != nullptr ? "span_event" : "link";
    return true;
  }
  if (field == "error") {
    if (span.status != sim::StatusCode::kError) return false;
    *out = "true";
    return true;
  }
  if (event != nullptr && field == "name") {
    *out = std::string(m.strings.Get(event->name));
    return true;
  }
  if (event != nullptr && key != sim::kEmptyStr) {
    for (uint8_t i = 0; i < event->attr_count; ++i) {
      if (event->attrs[i].key == key) {
        *out = Render(m, event->attrs[i].value);
        return true;
      }
    }
  }
  return ResourceValue(m, span, field, key, out);
}

constexpr size_t kMaxKeyLength = 100;  // trace_key.go maxKeyLength

}  // namespace

DynamicKeyBuilder::DynamicKeyBuilder(std::vector<std::string> fields, bool use_trace_length)
    : use_trace_length_(use_trace_length) {
  std::sort(fields.begin(), fields.end());
  for (std::string& f : fields) {
    if (f.rfind("root.", 0) == 0) {
      root_fields_.push_back(f.substr(5));
    } else {
      fields_.push_back(std::move(f));
    }
  }
}

std::string DynamicKeyBuilder::Build(const sim::TraceView& trace) const {
  const sim::Model& m = *trace.model;
  std::vector<std::set<std::string>> values(fields_.size());
  size_t unique = 0;
  std::string v;
  // distinctValue.AddAsString: a new value counts; the 100th is not kept. A present field with
  // 100 counted stops the scan (the `break outer`).
  auto add = [&](size_t i) {
    if (unique >= kMaxKeyLength) return false;
    if (values[i].count(v) == 0) {
      ++unique;
      if (unique < kMaxKeyLength) values[i].insert(v);
    }
    return true;
  };
  bool stop = false;
  for (size_t i = 0; i < fields_.size() && !stop; ++i) {
    const sim::StrId key = m.strings.Find(fields_[i]);
    for (const sim::Span& s : trace.spans) {
      // husky's order: the span's events, its links, then the span.
      for (uint32_t e = 0; e < s.event_count && !stop; ++e) {
        const sim::SpanEvent& ev = trace.events[s.first_event + e];
        if (EventFieldValue(m, s, &ev, fields_[i], key, &v)) stop = !add(i);
      }
      for (uint32_t l = 0; l < s.link_count && !stop; ++l) {
        if (EventFieldValue(m, s, nullptr, fields_[i], key, &v)) stop = !add(i);
      }
      if (!stop && SpanFieldValue(m, s, fields_[i], key, &v)) stop = !add(i);
      if (stop) break;
    }
  }
  std::string out;
  for (const std::set<std::string>& vs : values) {
    if (vs.empty()) continue;
    for (const std::string& x : vs) out += x + "\xE2\x80\xA2";  // "•"
    out += ",";
  }
  const sim::Span* root = nullptr;
  for (const sim::Span& s : trace.spans) {
    if (s.parent_span_id == 0) {
      root = &s;
      break;
    }
  }
  if (root != nullptr) {
    for (const std::string& f : root_fields_) {
      if (SpanFieldValue(m, *root, f, m.strings.Find(f), &v)) out += v + ",";
    }
  }
  if (use_trace_length_) {
    uint32_t n = 0;
    for (const sim::Span& s : trace.spans) n += RefineryEventCount(1, s.event_count, s.link_count);
    out += std::to_string(n);
  }
  return out;
}

}  // namespace tracesim::sampling
