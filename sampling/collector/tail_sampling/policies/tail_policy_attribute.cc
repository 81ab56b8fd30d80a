// Attribute policies: numeric_attribute, string_attribute, boolean_attribute (the Collector's
// numeric_tag_filter.go, string_tag_filter.go, boolean_tag_filter.go): a trace matches when a
// resource or span attribute with the key matches.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sampling/collector/tail_sampling/config/go_regexp.h"
#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

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

// The shared part: key lookup, the resource-then-span scan, invert_match. `Match` is the
// family's value test (the derived class, CRTP: no virtual call per attribute).
template <class Derived>
class AttributePolicy : public TailPolicy {
 public:
  AttributePolicy(const TailPolicyConfig& config, const sim::Model& model,
                  const TailPolicyOptions& options, const std::string& key, bool invert_match,
                  bool skip_empty_span_strings)
      : TailPolicy(config, options),
        model_(&model),
        key_(model.strings.Find(key)),
        key_known_(key_ != sim::kEmptyStr || key.empty()),
        invert_match_(invert_match),
        skip_empty_span_strings_(skip_empty_span_strings) {}

 protected:
  const sim::Model& model() const { return *model_; }

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    const bool hit = AnySpanOrResource(t);
    if (invert_match_) return Invert(hit);
    return hit ? TailDecision::kSampled : TailDecision::kNotSampled;
  }

  bool AnySpanOrResource(const TailTraceData& t) {
    if (!key_known_) return false;
    const sim::Model& m = *t.model;
    Derived& self = static_cast<Derived&>(*this);
    uint32_t last_resource = sim::kNone - 1;
    for (const sim::Span& s : t.spans) {
      if (s.resource != last_resource) {  // resource attributes first, once per batch
        last_resource = s.resource;
        if (s.resource < m.resources.size()) {
          for (const sim::Attr& a : m.resources[s.resource].attrs) {
            if (a.key == key_ && self.Match(a.value)) return true;
          }
        }
      }
      const sim::AttrValue* v = s.FindAttr(key_);
      if (v == nullptr) continue;
      if (skip_empty_span_strings_) {
        char buf[256];
        if (StrOf(m, *v, buf, sizeof(buf)).empty()) continue;
      }
      if (self.Match(*v)) return true;
    }
    return false;
  }

  TailDecision Invert(bool matched) const noexcept {
    if (options().disable_invert_decisions) {
      return matched ? TailDecision::kNotSampled : TailDecision::kSampled;
    }
    return matched ? TailDecision::kInvertNotSampled : TailDecision::kInvertSampled;
  }

  const sim::Model* model_;
  sim::StrId key_;
  bool key_known_;
  bool invert_match_;
  bool skip_empty_span_strings_;
};

class NumericAttributePolicy final : public AttributePolicy<NumericAttributePolicy> {
 public:
  NumericAttributePolicy(const TailPolicyConfig& c, const sim::Model& m, const TailPolicyOptions& o)
      : AttributePolicy(c, m, o, c.numeric_attribute.key, c.numeric_attribute.invert_match, false) {
  }
  bool Match(const sim::AttrValue& v) const {
    // pcommon Value.Int(): 0 for anything that is not an int.
    int64_t x = v.type == sim::AttrValue::Type::kInt ? v.i : 0;
    const auto& c = config().numeric_attribute;
    if (c.min_value != 0 && x < c.min_value) return false;
    if (c.max_value != 0 && x > c.max_value) return false;
    return true;
  }
};

class BooleanAttributePolicy final : public AttributePolicy<BooleanAttributePolicy> {
 public:
  BooleanAttributePolicy(const TailPolicyConfig& c, const sim::Model& m, const TailPolicyOptions& o)
      : AttributePolicy(c, m, o, c.boolean_attribute.key, c.boolean_attribute.invert_match, false) {
  }
  bool Match(const sim::AttrValue& v) const {
    bool b = v.type == sim::AttrValue::Type::kBool ? v.b : false;  // Value.Bool()
    return b == config().boolean_attribute.value;
  }
};

class StringAttributePolicy final : public AttributePolicy<StringAttributePolicy> {
 public:
  StringAttributePolicy(const TailPolicyConfig& c, const sim::Model& m, const TailPolicyOptions& o)
      : AttributePolicy(c, m, o, c.string_attribute.key, c.string_attribute.invert_match, true) {}

  // Compiles the regular expressions (enabled_regex_matching). Errors name the bad one.
  sim::Status Compile() {
    const auto& c = config().string_attribute;
    if (!c.enabled_regex_matching) return sim::Status::Ok();
    for (const std::string& v : c.values) {
      auto re = GoRegexp::Compile(v);  // regexp.Compile: RE2 syntax
      if (!re.ok()) {
        return sim::Status::InvalidArgument("policy \"" + config().name +
                                            "\": invalid regular expression \"" + v +
                                            "\" (Go RE2 syntax): " + re.status().message());
      }
      regexes_.push_back(std::move(re).value());
    }
    memo_cap_ = c.cache_max_size > 0 ? static_cast<size_t>(c.cache_max_size) : 128;
    return sim::Status::Ok();
  }

  bool Match(const sim::AttrValue& v) {
    char buf[256];
    return StringMatches(StrOf(model(), v, buf, sizeof(buf)));
  }

 private:
  bool StringMatches(std::string_view s) {
    const auto& c = config().string_attribute;
    if (!c.enabled_regex_matching) {
      for (const std::string& v : c.values)
        if (!v.empty() && v == s) return true;
      return false;
    }
    auto it = regex_memo_.find(s);  // heterogeneous: no allocation on a hit
    if (it != regex_memo_.end()) return it->second;
    bool hit = false;
    for (const GoRegexp& re : regexes_) {
      if (re.Match(s)) {  // unanchored, like Go MatchString
        hit = true;
        break;
      }
    }
    // Bounded like the Collector's LRU; eviction order does not change results.
    if (regex_memo_.size() >= memo_cap_) regex_memo_.clear();
    regex_memo_.emplace(std::string(s), hit);
    return hit;
  }

  struct MemoHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<GoRegexp> regexes_;
  std::unordered_map<std::string, bool, MemoHash, std::equal_to<>> regex_memo_;
  size_t memo_cap_ = 128;
};

}  // namespace

PolicyResult MakeAttributePolicy(const TailPolicyConfig& config, const sim::Model& model,
                                 const TailPolicyOptions& options) {
  switch (config.type) {
    case TailPolicyType::kNumericAttribute:
      return std::unique_ptr<TailPolicy>(new NumericAttributePolicy(config, model, options));
    case TailPolicyType::kBooleanAttribute:
      return std::unique_ptr<TailPolicy>(new BooleanAttributePolicy(config, model, options));
    case TailPolicyType::kStringAttribute: {
      auto p = std::make_unique<StringAttributePolicy>(config, model, options);
      TRACESIM_RETURN_IF_ERROR(p->Compile());
      return std::unique_ptr<TailPolicy>(std::move(p));
    }
    default:
      return sim::Status::Internal("not an attribute policy");
  }
}

}  // namespace tracesim::sampling::tail_policies
