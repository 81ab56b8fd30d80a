#include "sampling/collector/probabilistic_processor.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "config/reader.h"
#include "sampling/core/consistent_tracestate.h"
#include "sampling/core/head_format.h"
#include "sim/base/suggest.h"

namespace tracesim::sampling {
namespace {

constexpr uint32_t kNumHashBuckets = 0x4000;  // 14 bits
constexpr uint32_t kBucketMask = kNumHashBuckets - 1;
constexpr int kNumHashBucketsLg2 = 14;
constexpr uint64_t kAllProbabilitiesRandomness = kMaxThreshold - 1;

const std::vector<std::string> kKeys = {
    "sampling_percentage", "hash_seed",        "mode",           "fail_closed",
    "sampling_precision",  "attribute_source", "from_attribute", "sampling_priority"};

struct Violation {
  std::string key;
  std::string message;
};

// The component's Validate(), returning the key it concerns.
std::optional<Violation> FindViolation(const ProbabilisticSamplerConfig& c) {
  double pct = static_cast<double>(c.sampling_percentage);
  if (std::isinf(pct) || std::isnan(pct)) {
    return Violation{"sampling_percentage", "sampling rate is invalid: " + FormatGoF(pct) + "%"};
  }
  double ratio = pct / 100.0;
  if (ratio < 0) {
    return Violation{"sampling_percentage", "sampling rate is negative: " + FormatGoF(pct) + "%"};
  }
  if (ratio != 0 && ratio < kMinSamplingProbability) {
    return Violation{"sampling_percentage",
                     "sampling rate is too small: " + FormatGoG(pct, 32) + "%"};
  }
  if (!c.attribute_source.empty() && c.attribute_source != "traceID" &&
      c.attribute_source != "record") {
    return Violation{"attribute_source", "invalid attribute source: " + c.attribute_source +
                                             ". Expected: traceID or record"};
  }
  if (c.sampling_precision == 0) {
    return Violation{"sampling_precision", "invalid sampling precision: 0"};
  }
  if (c.sampling_precision > kThresholdHexDigits) {
    return Violation{"sampling_precision", "sampling precision is too great, should be <= 14: " +
                                               std::to_string(c.sampling_precision)};
  }
  if (c.sampling_precision < 0) {
    // The component lets negative values through Validate() and then computes meaningless
    // thresholds; tracesim rejects them.
    return Violation{"sampling_precision", "sampling precision must be in [1, 14], got " +
                                               std::to_string(c.sampling_precision)};
  }
  return std::nullopt;
}

enum class Priority { kDefer, kMustSample, kDoNotSample };

Priority FromNumber(double v) {
  if (v == 0.0) return Priority::kDoNotSample;
  if (v > 0.0) return Priority::kMustSample;
  return Priority::kDefer;
}

// parseSpanSamplingPriority: int, double, or a string that parses as a float.
Priority SpanPriority(const sim::Model& model, const sim::Span& span) {
  const sim::StrId key = model.well_known.sampling_priority;  // Model::Finalize
  if (key == sim::kEmptyStr) return Priority::kDefer;
  const sim::AttrValue* v = span.FindAttr(key);
  if (!v) return Priority::kDefer;
  switch (v->type) {
    case sim::AttrValue::Type::kInt:
      return FromNumber(static_cast<double>(v->i));
    case sim::AttrValue::Type::kDouble:
      return FromNumber(v->d);
    case sim::AttrValue::Type::kString: {
      double d = 0;
      if (ParseGoFloat(model.strings.Get(v->str), &d)) return FromNumber(d);
      return Priority::kDefer;
    }
    case sim::AttrValue::Type::kPrefixedInt:
      // Rendered as prefix + integer: a number only when the prefix is empty.
      if (v->str == sim::kEmptyStr) return FromNumber(static_cast<double>(v->i));
      return Priority::kDefer;
    default:
      return Priority::kDefer;
  }
}

}  // namespace

std::string_view ProbabilisticModeName(ProbabilisticMode m) {
  switch (m) {
    case ProbabilisticMode::kUnset:
      return "";
    case ProbabilisticMode::kHashSeed:
      return "hash_seed";
    case ProbabilisticMode::kProportional:
      return "proportional";
    case ProbabilisticMode::kEqualizing:
      return "equalizing";
  }
  return "";
}

std::string_view ProbabilisticErrorName(ProbabilisticError e) {
  switch (e) {
    case ProbabilisticError::kNone:
      return "";
    case ProbabilisticError::kMissingRandomness:
      return "missing randomness";
    case ProbabilisticError::kInconsistentThreshold:
      return "inconsistent arriving threshold: item should not have been sampled";
    case ProbabilisticError::kTraceStateInvalid:
      return "invalid tracestate ot entry";
    case ProbabilisticError::kRandomnessInUse:
      return "item has sampling randomness, equalizing or proportional mode recommended";
    case ProbabilisticError::kThresholdInUse:
      return "item has sampling threshold, equalizing or proportional mode recommended";
  }
  return "";
}

sim::Status ProbabilisticSamplerConfig::Validate() const {
  if (std::optional<Violation> v = FindViolation(*this)) {
    return sim::Status::InvalidArgument(v->key + ": " + v->message);
  }
  return sim::Status::Ok();
}

ProbabilisticMode ProbabilisticSamplerConfig::EffectiveMode() const {
  if (mode != ProbabilisticMode::kUnset) return mode;
  if (hash_seed != 0) return ProbabilisticMode::kHashSeed;
  return default_mode == ProbabilisticMode::kUnset ? ProbabilisticMode::kHashSeed : default_mode;
}

namespace {

// Decodes one key's scalar `text` into `c` (the component reads its keys with Go's strconv).
void DecodeKey(const std::string& key, const config::Node& v, config::Reader& r,
               ProbabilisticSamplerConfig& c) {
  const std::string& s = v.node.Scalar();
  if (key == "sampling_percentage") {
    double d = 0;
    if (!ParseGoFloat(s, &d)) {
      r.Error(v, "cannot parse '" + s + "' as a float32");
    } else {
      c.sampling_percentage = static_cast<float>(d);
    }
  } else if (key == "hash_seed") {
    int64_t i = 0;
    if (!ParseGoInt(s, &i) || i < 0 || i > int64_t{0xFFFFFFFF}) {
      r.Error(v, "cannot parse '" + s + "' as a uint32 (an integer in [0, 4294967295])");
    } else {
      c.hash_seed = static_cast<uint32_t>(i);
    }
  } else if (key == "mode") {
    static const config::Keys kModes = {"hash_seed", "proportional", "equalizing"};
    if (s == "hash_seed") {
      c.mode = ProbabilisticMode::kHashSeed;
    } else if (s == "proportional") {
      c.mode = ProbabilisticMode::kProportional;
    } else if (s == "equalizing") {
      c.mode = ProbabilisticMode::kEqualizing;
    } else if (s.empty()) {
      c.mode = ProbabilisticMode::kUnset;
    } else {
      r.Error(v,
              "unsupported sampler mode \"" + s + "\"" + sim::DidYouMean(s, kModes) +
                  " (allowed: hash_seed, proportional, equalizing)",
              sim::ClosestMatch(s, kModes));
    }
  } else if (key == "fail_closed") {
    if (!ParseGoBool(s, &c.fail_closed)) r.Error(v, "cannot parse '" + s + "' as a bool");
  } else if (key == "sampling_precision") {
    int64_t i = 0;
    if (!ParseGoInt(s, &i) || i < std::numeric_limits<int>::min() ||
        i > std::numeric_limits<int>::max()) {
      r.Error(v, "cannot parse '" + s + "' as an int");
    } else {
      c.sampling_precision = static_cast<int>(i);
    }
  } else if (key == "attribute_source") {
    c.attribute_source = s;
  } else if (key == "from_attribute") {
    c.from_attribute = s;
  } else if (key == "sampling_priority") {
    c.sampling_priority = s;
  }
}

}  // namespace

std::optional<ProbabilisticSamplerConfig> ParseProbabilisticSamplerConfig(
    const config::Node& block, config::Diagnostics& diag) {
  ProbabilisticSamplerConfig c;
  config::Reader r(diag);
  const size_t errors_before = diag.error_count();
  config::Map m;
  if (block.node.IsDefined() && !block.node.IsNull()) {
    if (!block.node.IsMap()) {
      r.Error(block, "must be a mapping of processor settings");
      return std::nullopt;
    }
    m = r.ReadMap(block, &kKeys);  // unknown keys: the Collector decodes strictly
    for (const config::Map::Entry& e : m.entries()) {
      if (e.value.node.IsNull()) continue;  // `key:` with no value keeps the default
      if (!e.value.node.IsScalar()) {
        r.Error(e.value, std::string("must be a single value, got ") +
                             (e.value.node.IsMap() ? "a mapping" : "a list"));
        continue;
      }
      DecodeKey(e.key, e.value, r, c);
    }
  }
  if (diag.error_count() != errors_before) return std::nullopt;
  if (std::optional<Violation> v = FindViolation(c)) {
    const config::Map::Entry* e = m.Find(v->key);
    config::Node at = e != nullptr ? e->key_val : block;
    at.path = config::JoinPath(block.path, v->key);
    r.Error(at, v->message);
    return std::nullopt;
  }
  if (m.Find("sampling_percentage") == nullptr) {
    r.Warning(block, "sampling_percentage is not set; the component's default 0 drops every span");
  } else if (c.sampling_percentage > 100) {
    r.Warning(m.Find("sampling_percentage")->value,
              FormatGoG(c.sampling_percentage, 32) + " is treated as 100");
  }
  if (c.hash_seed != 0 && c.EffectiveMode() != ProbabilisticMode::kHashSeed) {
    r.Warning(m.Find("hash_seed")->value,
              "only used in hash_seed mode (mode is " +
                  std::string(ProbabilisticModeName(c.EffectiveMode())) + ")");
  }
  return c;
}

namespace {
// Moves the warnings of `diag` after `from` into `out`.
std::vector<config::Diagnostic> WarningsOf(const config::Diagnostics& diag, size_t from) {
  std::vector<config::Diagnostic> out;
  for (size_t i = from; i < diag.items().size(); ++i) {
    if (diag.items()[i].severity == config::Severity::kWarning) out.push_back(diag.items()[i]);
  }
  return out;
}
}  // namespace

sim::Result<ProbabilisticParse> ParseProbabilisticSamplerConfig(const YAML::Node& block,
                                                                std::string_view source,
                                                                std::string_view path) {
  config::Diagnostics diag{std::string(source)};
  std::optional<ProbabilisticSamplerConfig> c = ParseProbabilisticSamplerConfig(
      config::Node::At(block, std::string(path), config::Node{}), diag);
  if (!c) return diag.ToStatus();
  return ProbabilisticParse{*c, WarningsOf(diag, 0)};
}

std::vector<std::pair<std::string, ProbabilisticParse>> ParseCollectorProbabilisticSamplers(
    const CollectorConfig& doc, config::Diagnostics& diag) {
  std::vector<std::pair<std::string, ProbabilisticParse>> out;
  if (!doc.root()["processors"]) return out;  // only under `processors:`
  for (const ProcessorBlock& b : doc.FindProcessors("probabilistic_sampler", "", diag)) {
    const size_t from = diag.items().size();
    std::optional<ProbabilisticSamplerConfig> c = ParseProbabilisticSamplerConfig(b.Value(), diag);
    if (c) out.emplace_back(b.id, ProbabilisticParse{*c, WarningsOf(diag, from)});
  }
  return out;
}

sim::Result<std::vector<std::pair<std::string, ProbabilisticParse>>>
LoadCollectorProbabilisticSamplers(const std::string& path) {
  config::Diagnostics diag(path);
  std::optional<CollectorConfig> doc = CollectorConfig::Load(path, diag);
  if (!doc) return diag.ToStatus();
  auto out = ParseCollectorProbabilisticSamplers(*doc, diag);
  if (diag.has_errors()) return diag.ToStatus();
  return out;
}

uint32_t ProbabilisticHash(std::span<const uint8_t> bytes, uint32_t seed) {
  uint32_t h = 2166136261u;
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 16777619u;
  };
  for (int i = 0; i < 4; ++i) mix(static_cast<uint8_t>(seed >> (8 * i)));
  for (uint8_t b : bytes) mix(b);
  return h;
}

uint32_t HashSeedBucket(const sim::TraceId& id, uint32_t seed) {
  uint8_t bytes[16];
  id.ToBytes(bytes);
  return ProbabilisticHash(bytes, seed) & kBucketMask;
}

uint64_t HashSeedRandomness(const sim::TraceId& id, uint32_t seed) {
  uint8_t bytes[16];
  id.ToBytes(bytes);
  uint32_t hashed32 = ProbabilisticHash(bytes, seed);
  uint64_t hashed = hashed32 & kBucketMask;
  uint64_t rprime14 = kNumHashBuckets - 1 - hashed;
  uint64_t unused18 = hashed32 >> (32 - kNumHashBucketsLg2);
  uint64_t mixed28 = unused18 ^ (unused18 << 10);
  return (rprime14 << 42) | (mixed28 << 14) | hashed;
}

uint64_t ProbabilisticSamplerProcessor::HashRandomness(const sim::TraceId& id) const noexcept {
  HashMemo& m = hash_memo_[(id.lo ^ id.hi) & (hash_memo_.size() - 1)];
  if (!m.valid || !(m.id == id)) {
    m.id = id;
    m.randomness = HashSeedRandomness(id, hash_seed_);
    m.valid = true;
  }
  return m.randomness;
}

ProbabilisticSamplerProcessor::ProbabilisticSamplerProcessor(
    const ProbabilisticSamplerConfig& config)
    : mode_(config.EffectiveMode()),
      fail_closed_(config.fail_closed),
      hash_seed_(config.hash_seed),
      precision_(config.sampling_precision) {
  float pct = config.sampling_percentage;
  if (pct > 100) pct = 100;
  if (!(pct > 0)) {
    never_ = true;
    return;
  }
  double ratio = static_cast<double>(pct) / 100;
  if (ratio < kMinSamplingProbability) ratio = kMinSamplingProbability;
  ratio_ = ratio;
  switch (mode_) {
    case ProbabilisticMode::kEqualizing: {
      sim::Result<uint64_t> t = ProbabilityToThreshold(ratio, precision_);
      fixed_threshold_ = t.ok() ? *t : 0;
      break;
    }
    case ProbabilisticMode::kProportional:
      break;
    default: {  // hash_seed: float32 multiply, truncated (the original component's arithmetic)
      uint32_t scaled = static_cast<uint32_t>(pct * 163.84f);
      if (scaled == 0) {
        never_ = true;
        return;
      }
      fixed_threshold_ = static_cast<uint64_t>(kNumHashBuckets - scaled) << 42;
      break;
    }
  }
}

ProbabilisticDecision ProbabilisticSamplerProcessor::Decide(
    const sim::Model& model, const sim::Span& span, uint64_t incoming_threshold,
    std::optional<uint64_t> incoming_randomness) const {
  ProbabilisticInput in;
  in.threshold = incoming_threshold;
  in.randomness = incoming_randomness;
  return Decide(model, span, in);
}

// The working state of one decision: the span's `ot` values as the processor will write them back
// (the carrier), the randomness it decides on, and the error so far.
struct ProbabilisticSamplerProcessor::Carrier {
  bool carrier;  // the tracestate is written back (false: left alone)
  uint64_t th;   // kNoThreshold = none
  bool has_rv;
  uint64_t rv;
  uint64_t rnd = kAllProbabilitiesRandomness;
  ProbabilisticError err;
  std::string_view policy = "missing_randomness";
};

ProbabilisticDecision ProbabilisticSamplerProcessor::Decide(const sim::Model& model,
                                                            const sim::Span& span,
                                                            const ProbabilisticInput& in) const {
  Carrier c{.carrier = in.tracestate_valid,
            .th = in.tracestate_valid ? in.threshold : kNoThreshold,
            .has_rv = in.tracestate_valid && in.randomness.has_value(),
            .rv = 0,
            .err = in.tracestate_valid ? ProbabilisticError::kNone
                                       : ProbabilisticError::kTraceStateInvalid};
  if (c.has_rv) c.rv = *in.randomness & kRandomnessMask;
  ReadRandomness(span, c);
  uint64_t threshold = Threshold(c);

  ProbabilisticDecision d;
  d.policy = c.policy;
  switch (SpanPriority(model, span)) {
    case Priority::kDoNotSample:
      threshold = kMaxThreshold;
      d.policy = "sampling_priority";
      break;
    case Priority::kMustSample:
      threshold = 0;
      d.policy = "sampling_priority";
      break;
    case Priority::kDefer:
      break;
  }

  d.keep = c.rnd >= threshold;
  if (d.keep && c.carrier) {
    // updateThreshold never lowers an existing th (that would raise the probability).
    if (!(c.th != kNoThreshold && c.th > threshold))
      c.th = threshold >= kMaxThreshold ? kNoThreshold : threshold;
  }
  if (!c.carrier) {  // tracestate left alone
    c.th = in.tracestate_valid ? in.threshold : kNoThreshold;
    c.has_rv = in.tracestate_valid && in.randomness.has_value();
    c.rv = c.has_rv ? (*in.randomness & kRandomnessMask) : 0;
  }
  d.threshold = c.th;
  d.has_randomness = c.has_rv;
  d.randomness = c.rv;
  d.error = c.err;
  return d;
}

// Sets c.rnd (the randomness decided on) and c.policy by the mode, and the errors that make it
// unusable: missing randomness, hash_seed meeting an rv or th, an inconsistent incoming th.
void ProbabilisticSamplerProcessor::ReadRandomness(const sim::Span& span, Carrier& c) const {
  bool missing = false;
  if (never_) {
    c.policy = "sampling_priority";  // the never sampler's stand-in randomness
  } else if (mode_ == ProbabilisticMode::kHashSeed) {
    if (span.trace_id.valid()) {
      c.rnd = HashRandomness(span.trace_id);
      c.policy = "trace_id_hash";
    } else {
      missing = true;
    }
    if (c.err == ProbabilisticError::kNone) {
      if (c.has_rv) {
        c.err = ProbabilisticError::kRandomnessInUse;
        c.carrier = false;
      } else if (c.th != kNoThreshold) {
        c.err = ProbabilisticError::kThresholdInUse;
        c.carrier = false;
      } else {
        c.has_rv = true;  // the hash becomes the span's explicit randomness
        c.rv = c.rnd;
      }
    }
  } else {
    if (c.err != ProbabilisticError::kNone) {
      missing = true;
    } else if (c.has_rv) {
      c.rnd = c.rv;
      c.policy = "sampling_randomness";
    } else if (span.trace_id.valid()) {
      c.rnd = span.trace_id.Randomness56();
      c.policy = "trace_id_w3c";
    } else {
      missing = true;
    }
  }

  if (c.err == ProbabilisticError::kNone) {
    if (missing) {
      c.err = ProbabilisticError::kMissingRandomness;
    } else if (c.carrier && c.th != kNoThreshold && c.rnd < c.th) {
      c.th = kNoThreshold;  // cleared, as the spec recommends for an inconsistent th
      c.err = ProbabilisticError::kInconsistentThreshold;
    }
  }
}

// The threshold the mode sets before sampling.priority: on an error fail_closed decides.
uint64_t ProbabilisticSamplerProcessor::Threshold(const Carrier& c) const {
  if (c.err != ProbabilisticError::kNone) return fail_closed_ ? kMaxThreshold : 0;
  if (never_) return kMaxThreshold;
  if (mode_ == ProbabilisticMode::kEqualizing)
    return (c.th != kNoThreshold && fixed_threshold_ < c.th) ? c.th : fixed_threshold_;
  if (mode_ == ProbabilisticMode::kProportional) {
    double incoming = c.th != kNoThreshold ? ThresholdToProbability(c.th) : 1.0;
    sim::Result<uint64_t> t = ProbabilityToThreshold(incoming * ratio_, precision_);
    return t.ok() ? *t : kMaxThreshold;
  }
  return fixed_threshold_;
}

namespace {

bool LcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool LcAlphaNum(char c) { return LcAlpha(c) || (c >= '0' && c <= '9'); }
bool KeyChars(std::string_view k) {
  for (char c : k)
    if (!LcAlphaNum(c) && c != '_' && c != '-' && c != '*' && c != '/') return false;
  return true;
}
bool NonBlankValueChar(unsigned char c) {
  return (c >= 0x21 && c <= 0x2B) || (c >= 0x2D && c <= 0x3C) || (c >= 0x3E && c <= 0x7E);
}

// pkg/sampling NewW3CTraceState (v0.161.0), which the processor runs on every span's
// tracestate: isValidW3CTraceState's syntax (OWS-trimmed members, empty ones allowed; keys
// `lcalpha *(lcalpha/digit/_-*/)` or `(lcalpha/digit)*(...)@lcalpha*(...)`; values of 0x20..0x7E
// without ',' and '=', ending non-blank, at most 256), at most 1024 bytes, and scanKeyValues'
// limits: a 32nd member (empty ones count) is an error, and so is a key over 256 bytes, a tenant
// over 241 or a system over 14. An error makes the whole tracestate invalid, whatever its `ot`.
bool StrictW3CTraceState(std::string_view ts) {
  if (ts.size() > 1024) return false;
  int items = 0;
  while (!ts.empty()) {
    if (++items >= 32) return false;
    const size_t sep = ts.find(',');
    std::string_view m = ts.substr(0, sep);
    ts = sep == std::string_view::npos ? std::string_view() : ts.substr(sep + 1);
    while (!m.empty() && (m.front() == ' ' || m.front() == '\t')) m.remove_prefix(1);
    while (!m.empty() && (m.back() == ' ' || m.back() == '\t')) m.remove_suffix(1);
    if (m.empty()) continue;
    const size_t eq = m.find('=');
    if (eq == std::string_view::npos || eq < 1) return false;
    const std::string_view key = m.substr(0, eq), value = m.substr(eq + 1);
    if (key.size() > 256) return false;
    const size_t at = key.find('@');
    if (at != std::string_view::npos) {
      const std::string_view tenant = key.substr(0, at), system = key.substr(at + 1);
      if (tenant.empty() || system.empty() || !LcAlphaNum(tenant[0]) || !LcAlpha(system[0]) ||
          !KeyChars(tenant.substr(1)) || !KeyChars(system.substr(1)) || tenant.size() > 241 ||
          system.size() > 14) {
        return false;
      }
    } else if (!LcAlpha(key[0]) || !KeyChars(key.substr(1))) {
      return false;
    }
    if (value.empty() || value.size() > 256) return false;
    for (size_t k = 0; k + 1 < value.size(); ++k) {
      const unsigned char c = static_cast<unsigned char>(value[k]);
      if (c != 0x20 && !NonBlankValueChar(c)) return false;
    }
    if (!NonBlankValueChar(static_cast<unsigned char>(value.back()))) return false;
  }
  return true;
}

}  // namespace

ProbabilisticDecision ProbabilisticSamplerProcessor::DecideFromTraceState(
    const sim::Model& model, const sim::Span& span) const {
  ProbabilisticInput in;
  const std::string_view raw = model.strings.Get(span.trace_state);
  if (!StrictW3CTraceState(raw)) {
    in.tracestate_valid = false;
    return Decide(model, span, in);
  }
  bool found = false;
  std::string_view ot = FindOtMember(raw, &found);
  if (found) {
    OtValue v = ParseOtValue(ot, /*allow_uppercase_hex=*/true);
    if (!v.valid) {
      in.tracestate_valid = false;
    } else {
      in.threshold = v.threshold;
      if (v.has_randomness) in.randomness = v.randomness;
    }
  }
  return Decide(model, span, in);
}

}  // namespace tracesim::sampling
