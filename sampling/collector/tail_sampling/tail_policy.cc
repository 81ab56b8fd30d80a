#include "sampling/collector/tail_sampling/tail_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tracesim::sampling {
namespace {

constexpr char kDefaultSalt[] = "default-hash-seed";

// The string a value has on the wire (kPrefixedInt renders as text); "" for non-strings, as
// pcommon Value.Str() returns for other types.
std::string_view StrOf(const sim::Model& m, const sim::AttrValue& v, char* buf, size_t cap) {
  if (v.type == sim::AttrValue::Type::kString) return m.strings.Get(v.str);
  if (v.type == sim::AttrValue::Type::kPrefixedInt) {
    std::string_view p = m.strings.Get(v.str);
    int n = std::snprintf(buf, cap, "%.*s%lld", static_cast<int>(std::min<size_t>(p.size(), 200)),
                          p.data(), static_cast<long long>(v.i));
    return std::string_view(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), cap - 1) : 0);
  }
  return {};
}

// W3C tracestate lookup: the value of list member `key`; false when absent or unparsable.
bool TraceStateValue(std::string_view ts, std::string_view key, std::string_view* out) {
  bool found = false;
  while (!ts.empty()) {
    size_t comma = ts.find(',');
    std::string_view member = ts.substr(0, comma);
    ts = comma == std::string_view::npos ? std::string_view() : ts.substr(comma + 1);
    while (!member.empty() && (member.front() == ' ' || member.front() == '\t'))
      member.remove_prefix(1);
    while (!member.empty() && (member.back() == ' ' || member.back() == '\t'))
      member.remove_suffix(1);
    if (member.empty()) continue;
    size_t eq = member.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 >= member.size()) return false;
    if (!found && member.substr(0, eq) == key) {
      *out = member.substr(eq + 1);
      found = true;
    }
  }
  return found;
}

}  // namespace

std::string_view TailDecisionName(TailDecision d) {
  switch (d) {
    case TailDecision::kUnspecified:
      return "Unspecified";
    case TailDecision::kPending:
      return "Pending";
    case TailDecision::kSampled:
      return "Sampled";
    case TailDecision::kNotSampled:
      return "NotSampled";
    case TailDecision::kDropped:
      return "Dropped";
    case TailDecision::kError:
      return "Error";
    case TailDecision::kInvertSampled:
      return "InvertSampled";
    case TailDecision::kInvertNotSampled:
      return "InvertNotSampled";
  }
  return "?";
}

TailDecision CombineDecisions(TailDecisionMask seen) noexcept {
  if (seen & Bit(TailDecision::kDropped)) return TailDecision::kDropped;
  if (seen & Bit(TailDecision::kInvertNotSampled)) return TailDecision::kNotSampled;
  if (seen & Bit(TailDecision::kSampled)) return TailDecision::kSampled;
  if ((seen & Bit(TailDecision::kInvertSampled)) && !(seen & Bit(TailDecision::kNotSampled))) {
    return TailDecision::kSampled;
  }
  return TailDecision::kNotSampled;
}

uint64_t TailProbabilisticHash(std::string_view salt, const sim::TraceId& id) noexcept {
  uint64_t h = 14695981039346656037ull;
  for (char c : salt) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  uint8_t b[16];
  id.ToBytes(b);
  for (uint8_t c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t TailProbabilisticThreshold(double sampling_percentage) noexcept {
  double ratio = sampling_percentage / 100.0;
  if (!(ratio > 0)) return 0;  // also NaN
  // big.Float: a 64-bit-mantissa product rounded to nearest even, then truncated to uint64.
  long double product = static_cast<long double>(ratio) *
                        static_cast<long double>(std::numeric_limits<uint64_t>::max());
  if (product >= 18446744073709551615.0L) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(product);
}

sim::Result<std::unique_ptr<TailPolicy>> TailPolicy::Create(const TailPolicyConfig& config,
                                                            const sim::Model& model,
                                                            const TailPolicyOptions& options) {
  std::unique_ptr<TailPolicy> p(new TailPolicy());
  p->config_ = config;
  p->config_.sub_policies.clear();
  p->options_ = options;
  p->model_ = &model;
  auto set_key = [&](const std::string& key) {
    p->key_ = model.strings.Find(key);
    p->key_known_ = p->key_ != sim::kEmptyStr || key.empty();
  };
  switch (config.type) {
    case TailPolicyType::kNumericAttribute:
      set_key(config.numeric_attribute.key);
      break;
    case TailPolicyType::kStringAttribute: {
      set_key(config.string_attribute.key);
      if (config.string_attribute.enabled_regex_matching) {
        for (const std::string& v : config.string_attribute.values) {
          try {
            p->regexes_.emplace_back(v, std::regex::ECMAScript);
          } catch (const std::regex_error&) {
            return sim::Status::InvalidArgument("policy \"" + config.name +
                                                "\": invalid regular expression \"" + v + "\"");
          }
        }
        p->memo_cap_ = config.string_attribute.cache_max_size > 0
                           ? static_cast<size_t>(config.string_attribute.cache_max_size)
                           : 128;
      }
      break;
    }
    case TailPolicyType::kBooleanAttribute:
      set_key(config.boolean_attribute.key);
      break;
    case TailPolicyType::kProbabilistic:
      p->salt_ =
          config.probabilistic.hash_salt.empty() ? kDefaultSalt : config.probabilistic.hash_salt;
      p->threshold_ = TailProbabilisticThreshold(config.probabilistic.sampling_percentage);
      break;
    case TailPolicyType::kStatusCode:
      for (const std::string& s : config.status_code.status_codes) {
        if (s == "UNSET") p->status_match_[0] = true;
        if (s == "OK") p->status_match_[1] = true;
        if (s == "ERROR") p->status_match_[2] = true;
      }
      break;
    case TailPolicyType::kOttlCondition:
      for (const std::string& c : config.ottl_condition.span) {
        auto r = OttlCondition::Parse(c, OttlCondition::Context::kSpan);
        if (!r.ok()) return r.status().WithContext("policy \"" + config.name + "\"");
        p->span_conds_.push_back(std::move(r).value());
      }
      for (const std::string& c : config.ottl_condition.spanevent) {
        auto r = OttlCondition::Parse(c, OttlCondition::Context::kSpanEvent);
        if (!r.ok()) return r.status().WithContext("policy \"" + config.name + "\"");
        p->event_conds_.push_back(std::move(r).value());
      }
      break;
    case TailPolicyType::kBytesLimiting:
      if (p->config_.bytes_limiting.burst_capacity == 0) {
        p->config_.bytes_limiting.burst_capacity = 2 * p->config_.bytes_limiting.bytes_per_second;
      }
      break;
    case TailPolicyType::kComposite: {
      const int64_t total = config.composite.max_total_spans_per_second;
      for (const TailPolicyConfig& s : config.sub_policies) {
        int64_t alloc = 0;  // not listed: 0 (code behaviour, issue #49828)
        for (const auto& [name, percent] : config.composite.rate_allocation) {
          if (name != s.name) continue;
          if (percent > 0) {
            alloc = static_cast<int64_t>(static_cast<double>(percent) / 100.0 *
                                         static_cast<double>(total));
          } else {
            alloc = config.sub_policies.empty()
                        ? 0
                        : total / static_cast<int64_t>(config.sub_policies.size());
          }
        }
        p->allocation_.push_back(alloc);
      }
      p->sub_count_.assign(p->allocation_.size(), 0);
      break;
    }
    default:
      break;
  }
  for (const TailPolicyConfig& s : config.sub_policies) {
    auto sub = Create(s, model, options);
    if (!sub.ok()) return sub.status();
    p->subs_.push_back(std::move(sub).value());
  }
  return p;
}

TailDecision TailPolicy::Invert(bool matched) const noexcept {
  if (options_.disable_invert_decisions) {
    return matched ? TailDecision::kNotSampled : TailDecision::kSampled;
  }
  return matched ? TailDecision::kInvertNotSampled : TailDecision::kInvertSampled;
}

bool TailPolicy::AnySpanOrResource(const TailTraceData& t,
                                   bool (TailPolicy::*match)(const sim::AttrValue&),
                                   bool skip_empty_span_strings) noexcept {
  if (!key_known_) return false;
  const sim::Model& m = *t.model;
  uint32_t last_resource = sim::kNone - 1;
  for (const sim::Span& s : t.spans) {
    if (s.resource != last_resource) {  // resource attributes first, once per batch
      last_resource = s.resource;
      if (s.resource < m.resources.size()) {
        for (const sim::Attr& a : m.resources[s.resource].attrs) {
          if (a.key == key_ && (this->*match)(a.value)) return true;
        }
      }
    }
    const sim::AttrValue* v = s.FindAttr(key_);
    if (v == nullptr) continue;
    if (skip_empty_span_strings) {
      char buf[256];
      if (StrOf(m, *v, buf, sizeof(buf)).empty()) continue;
    }
    if ((this->*match)(*v)) return true;
  }
  return false;
}

bool TailPolicy::MatchNumeric(const sim::AttrValue& v) {
  // pcommon Value.Int(): 0 for anything that is not an int.
  int64_t x = v.type == sim::AttrValue::Type::kInt ? v.i : 0;
  const auto& c = config_.numeric_attribute;
  if (c.min_value != 0 && x < c.min_value) return false;
  if (c.max_value != 0 && x > c.max_value) return false;
  return true;
}

bool TailPolicy::StringMatches(std::string_view s) {
  const auto& c = config_.string_attribute;
  if (!c.enabled_regex_matching) {
    for (const std::string& v : c.values)
      if (!v.empty() && v == s) return true;
    return false;
  }
  auto it = regex_memo_.find(s);  // heterogeneous: no allocation on a hit
  if (it != regex_memo_.end()) return it->second;
  bool hit = false;
  for (const std::regex& re : regexes_) {
    if (std::regex_search(s.begin(), s.end(), re)) {  // unanchored, like Go MatchString
      hit = true;
      break;
    }
  }
  // Bounded like the Collector's LRU; eviction order does not change results.
  if (regex_memo_.size() >= memo_cap_) regex_memo_.clear();
  regex_memo_.emplace(std::string(s), hit);
  return hit;
}

bool TailPolicy::MatchString(const sim::AttrValue& v) {
  char buf[256];
  return StringMatches(StrOf(*model_, v, buf, sizeof(buf)));
}

bool TailPolicy::MatchBool(const sim::AttrValue& v) {
  bool b = v.type == sim::AttrValue::Type::kBool ? v.b : false;  // Value.Bool()
  return b == config_.boolean_attribute.value;
}

TailDecision TailPolicy::Evaluate(const TailTraceData& t, int64_t now) noexcept {
  const sim::Model& m = *t.model;
  try {
    switch (config_.type) {
      case TailPolicyType::kAlwaysSample:
        return TailDecision::kSampled;
      case TailPolicyType::kLatency: {
        const int64_t lo = config_.latency.threshold_ms * 1'000'000;
        const int64_t hi = config_.latency.upper_threshold_ms * 1'000'000;
        int64_t min_start = std::numeric_limits<int64_t>::max();
        int64_t max_end = std::numeric_limits<int64_t>::min();
        for (const sim::Span& s : t.spans) {  // running window, in buffered order
          min_start = std::min(min_start, s.start_unix_nano);
          max_end = std::max(max_end, s.end_unix_nano);
          int64_t d = max_end - min_start;
          if (hi == 0) {
            if (d >= lo) return TailDecision::kSampled;
          } else if (lo < d && d <= hi) {
            return TailDecision::kSampled;
          }
        }
        return TailDecision::kNotSampled;
      }
      case TailPolicyType::kNumericAttribute: {
        bool hit = AnySpanOrResource(t, &TailPolicy::MatchNumeric, false);
        if (config_.numeric_attribute.invert_match) return Invert(hit);
        return hit ? TailDecision::kSampled : TailDecision::kNotSampled;
      }
      case TailPolicyType::kStringAttribute: {
        bool hit = AnySpanOrResource(t, &TailPolicy::MatchString, true);
        if (config_.string_attribute.invert_match) return Invert(hit);
        return hit ? TailDecision::kSampled : TailDecision::kNotSampled;
      }
      case TailPolicyType::kBooleanAttribute: {
        bool hit = AnySpanOrResource(t, &TailPolicy::MatchBool, false);
        if (config_.boolean_attribute.invert_match) return Invert(hit);
        return hit ? TailDecision::kSampled : TailDecision::kNotSampled;
      }
      case TailPolicyType::kProbabilistic:
        return TailProbabilisticHash(salt_, t.trace_id) <= threshold_ ? TailDecision::kSampled
                                                                      : TailDecision::kNotSampled;
      case TailPolicyType::kStatusCode:
        for (const sim::Span& s : t.spans) {
          auto code = static_cast<size_t>(s.status);
          if (code < 3 && status_match_[code]) return TailDecision::kSampled;
        }
        return TailDecision::kNotSampled;
      case TailPolicyType::kRateLimiting: {
        int64_t second = now >= 0 ? now / 1'000'000'000 : (now - 999'999'999) / 1'000'000'000;
        if (second != current_second_) {
          current_second_ = second;
          spans_in_second_ = 0;
        }
        int64_t if_sampled = spans_in_second_ + static_cast<int64_t>(t.span_count);
        if (if_sampled < config_.rate_limiting.spans_per_second) {
          spans_in_second_ = if_sampled;
          return TailDecision::kSampled;
        }
        return TailDecision::kNotSampled;
      }
      case TailPolicyType::kBytesLimiting: {
        const double rate = static_cast<double>(config_.bytes_limiting.bytes_per_second);
        const double burst = static_cast<double>(config_.bytes_limiting.burst_capacity);
        if (last_ns_ == INT64_MIN) {
          tokens_ = burst;  // x/time/rate: the first call refills from the zero time
        } else if (now > last_ns_) {
          tokens_ = std::min(burst, tokens_ + static_cast<double>(now - last_ns_) * 1e-9 * rate);
        }
        if (now > last_ns_) last_ns_ = now;
        const double n = static_cast<double>(t.size_bytes);
        if (n > burst || tokens_ < n) return TailDecision::kNotSampled;
        tokens_ -= n;
        return TailDecision::kSampled;
      }
      case TailPolicyType::kSpanCount: {
        const int64_t n = static_cast<int64_t>(t.span_count);
        const auto& c = config_.span_count;
        return n >= c.min_spans && (c.max_spans == 0 || n <= c.max_spans)
                   ? TailDecision::kSampled
                   : TailDecision::kNotSampled;
      }
      case TailPolicyType::kTraceState:
        for (const sim::Span& s : t.spans) {
          if (s.trace_state == sim::kEmptyStr) continue;
          std::string_view v;
          if (!TraceStateValue(m.strings.Get(s.trace_state), config_.trace_state.key, &v)) {
            continue;
          }
          for (const std::string& want : config_.trace_state.values)
            if (want == v) return TailDecision::kSampled;
        }
        return TailDecision::kNotSampled;
      case TailPolicyType::kTraceFlags:
        for (const sim::Span& s : t.spans)
          if (s.flags & sim::kFlagSampled) return TailDecision::kSampled;
        return TailDecision::kNotSampled;
      case TailPolicyType::kOttlCondition:
        for (const sim::Span& s : t.spans) {
          for (const OttlCondition& c : span_conds_)
            if (c.Evaluate(m, s, nullptr)) return TailDecision::kSampled;
          if (event_conds_.empty()) continue;
          for (uint32_t e = 0; e < s.event_count; ++e) {
            const size_t idx = static_cast<size_t>(s.first_event) + e;
            if (idx >= t.events.size()) break;
            for (const OttlCondition& c : event_conds_)
              if (c.Evaluate(m, s, &t.events[idx])) return TailDecision::kSampled;
          }
        }
        return TailDecision::kNotSampled;
      case TailPolicyType::kAnd:
        for (auto& sub : subs_) {
          TailDecision d = sub->Evaluate(t, now);
          if (d == TailDecision::kError) return TailDecision::kError;
          if (d == TailDecision::kNotSampled || d == TailDecision::kInvertNotSampled) {
            return TailDecision::kNotSampled;
          }
        }
        return TailDecision::kSampled;
      case TailPolicyType::kDrop:
        for (auto& sub : subs_) {
          TailDecision d = sub->Evaluate(t, now);
          if (d == TailDecision::kError) return TailDecision::kError;
          if (d == TailDecision::kNotSampled || d == TailDecision::kInvertNotSampled) {
            return TailDecision::kNotSampled;
          }
        }
        return TailDecision::kDropped;
      case TailPolicyType::kNot: {
        if (subs_.empty()) return TailDecision::kError;
        TailDecision d = subs_[0]->Evaluate(t, now);
        if (d == TailDecision::kSampled) return TailDecision::kNotSampled;
        if (d == TailDecision::kNotSampled) return TailDecision::kSampled;
        return d;
      }
      case TailPolicyType::kComposite: {
        int64_t second = now >= 0 ? now / 1'000'000'000 : (now - 999'999'999) / 1'000'000'000;
        if (second != current_second_) {
          current_second_ = second;
          std::fill(sub_count_.begin(), sub_count_.end(), 0);
        }
        const int64_t spans = static_cast<int64_t>(t.span_count);
        for (size_t i = 0; i < subs_.size(); ++i) {
          TailDecision d = subs_[i]->Evaluate(t, now);
          if (d == TailDecision::kError) return TailDecision::kError;
          if (d == TailDecision::kSampled || d == TailDecision::kInvertSampled) {
            if (sub_count_[i] + spans <= allocation_[i] &&
                sub_count_[i] + spans <= config_.composite.max_total_spans_per_second) {
              sub_count_[i] += spans;
              return TailDecision::kSampled;
            }
            return TailDecision::kNotSampled;  // no fall-through (issue #36959)
          }
        }
        return TailDecision::kNotSampled;
      }
    }
  } catch (...) {
    return TailDecision::kError;  // std::regex or allocation failure
  }
  return TailDecision::kError;
}

}  // namespace tracesim::sampling
