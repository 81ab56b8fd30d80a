#include "sampling/lab/pricing/pricing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/base/suggest.h"

namespace tracesim::sampling {
namespace {

constexpr double kSecondsPerMonth = 30.0 * 86400.0;

const config::Keys kKeys = {"preset",
                            "storage_usd_per_gb_month",
                            "ingest_usd_per_gb",
                            "usd_per_million_spans",
                            "retention_days",
                            "metadata_bytes_per_trace",
                            "bill"};
const config::Keys kRetentionKeys = {"traces", "error_traces", "metadata"};
const config::Keys kBillNames = {"storage", "ingest", "spans"};

// A non-negative number at `v` into `*out`.
void NonNegative(config::Reader& r, const config::Node& v, double* out) {
  std::optional<double> x = r.Number(v);
  if (!x) return;
  if (*x < 0) {
    r.Error(v, "must be >= 0, got " + config::Show(v.node));
    return;
  }
  *out = *x;
}

void ParseBill(config::Reader& r, const config::Node& v, PricingOptions* p) {
  std::vector<config::Node> items;
  if (v.node.IsSequence()) {
    for (size_t i = 0; i < v.node.size(); ++i) items.push_back(v.Item(i));
  } else {
    items.push_back(v);
  }
  if (items.empty()) {
    r.Error(v, "must name at least one of storage, ingest, spans");
    return;
  }
  uint8_t bill = 0;
  for (const config::Node& item : items) {
    std::optional<size_t> k = r.Enum(item, kBillNames);
    if (!k) return;
    bill |= static_cast<uint8_t>(1u << *k);
  }
  p->bill = bill;
}

}  // namespace

sim::Status PricingOptions::Validate() const {
  for (double v : {storage_usd_per_gb_month, ingest_usd_per_gb, usd_per_million_spans, traces_days,
                   error_traces_days, metadata_days, metadata_bytes_per_trace}) {
    if (!(v >= 0) || !std::isfinite(v))
      return sim::Status::InvalidArgument("pricing values must be finite and >= 0");
  }
  if ((bill & (kStorage | kIngest | kSpans)) == 0 || (bill & ~(kStorage | kIngest | kSpans)) != 0)
    return sim::Status::InvalidArgument("pricing bill must name storage, ingest and/or spans");
  return sim::Status::Ok();
}

std::vector<std::string> PricingOptions::BillNames() const {
  std::vector<std::string> out;
  for (size_t k = 0; k < kBillNames.size(); ++k)
    if (bill >> k & 1) out.push_back(kBillNames[k]);
  return out;
}

std::string PricingLabel(const PricingOptions& p) {
  auto num = [](double v) {  // shortest form: 0.023, 30, 0.3
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " + ") + part; };
  if (p.bill & PricingOptions::kStorage) {
    std::string tiers = "traces " + num(p.traces_days) + " d";
    if (p.error_traces_days > p.traces_days)
      tiers += ", error traces " + num(p.error_traces_days) + " d";
    if (p.metadata_days > 0) {
      tiers += ", metadata " + num(p.metadata_days) + " d (" + num(p.metadata_bytes_per_trace) +
               " B/trace)";
    }
    add("storage of " + tiers + " at $" + num(p.storage_usd_per_gb_month) + "/GB-month");
  }
  if (p.bill & PricingOptions::kIngest) add("ingest at $" + num(p.ingest_usd_per_gb) + "/GB");
  if (p.bill & PricingOptions::kSpans)
    add("spans at $" + num(p.usd_per_million_spans) + "/million");
  return out;
}

const std::vector<std::string>& PricingPresetNames() {
  static const std::vector<std::string> kNames = {"object-storage", "tiered", "ingest", "per-span"};
  return kNames;
}

sim::Result<PricingOptions> PricingPreset(std::string_view name) {
  PricingOptions p;
  p.preset = std::string(name);
  if (name == "object-storage") return p;  // the defaults
  if (name == "tiered") {                  // full traces a week, errors a month, an index 90 days
    p.traces_days = 7;
    p.error_traces_days = 30;
    p.metadata_days = 90;
    return p;
  }
  if (name == "ingest") {  // a backend billing received bytes, retention included
    p.bill = PricingOptions::kIngest;
    return p;
  }
  if (name == "per-span") {  // a backend billing stored spans
    p.bill = PricingOptions::kSpans;
    return p;
  }
  return sim::Status::InvalidArgument("unknown pricing preset '" + std::string(name) + "'" +
                                      sim::DidYouMean(name, PricingPresetNames()) + " (one of " +
                                      config::JoinList(PricingPresetNames()) + ")");
}

void ParsePricing(const config::Node& v, config::Diagnostics& diag, PricingOptions* p) {
  config::Reader r(diag);
  config::Map m = r.ReadMap(v, &kKeys);
  if (!m.ok()) return;
  if (const config::Node* preset = m.Get("preset")) {  // first: the other keys override it
    if (std::optional<std::string> name = r.Str(*preset)) {
      sim::Result<PricingOptions> got = PricingPreset(*name);
      if (got.ok()) {
        *p = *got;
      } else {
        r.Error(*preset, got.status().message());
      }
    }
  }
  for (const config::Map::Entry& e : m.entries()) {
    if (e.key == "storage_usd_per_gb_month") NonNegative(r, e.value, &p->storage_usd_per_gb_month);
    if (e.key == "ingest_usd_per_gb") NonNegative(r, e.value, &p->ingest_usd_per_gb);
    if (e.key == "usd_per_million_spans") NonNegative(r, e.value, &p->usd_per_million_spans);
    if (e.key == "metadata_bytes_per_trace") NonNegative(r, e.value, &p->metadata_bytes_per_trace);
    if (e.key == "bill") ParseBill(r, e.value, p);
    if (e.key != "retention_days") continue;
    config::Map t = r.ReadMap(e.value, &kRetentionKeys);
    if (!t.ok()) continue;
    if (const config::Node* d = t.Get("traces")) NonNegative(r, *d, &p->traces_days);
    if (const config::Node* d = t.Get("error_traces")) NonNegative(r, *d, &p->error_traces_days);
    if (const config::Node* d = t.Get("metadata")) NonNegative(r, *d, &p->metadata_days);
  }
}

sim::Status ApplyPriceFlags(const std::vector<std::string>& settings, PricingOptions* pricing) {
  YAML::Node root(YAML::NodeType::Map);
  for (const std::string& s : settings) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      return sim::Status::InvalidArgument(
          "--price '" + s +
          "': expected KEY=VALUE, e.g. storage_usd_per_gb_month=0.02 "
          "or retention_days.traces=7");
    }
    const std::string key = s.substr(0, eq), value = s.substr(eq + 1);
    const size_t dot = key.find('.');
    if (dot == std::string::npos) {
      root[key] = value;
    } else {
      YAML::Node inner = root[key.substr(0, dot)];
      if (!inner.IsDefined() || inner.IsNull() || !inner.IsMap())
        inner = YAML::Node(YAML::NodeType::Map);
      inner[key.substr(dot + 1)] = value;
      root[key.substr(0, dot)] = inner;
    }
  }
  config::Diagnostics diag("--price");
  PricingOptions out = *pricing;
  ParsePricing(config::Node::Root(root), diag, &out);
  if (diag.has_errors()) {
    // "--price: retention_days.traces: must be >= 0, got '-1'", without a position.
    std::string text;
    for (const config::Diagnostic& d : diag.Sorted()) {
      if (!text.empty()) text += "\n";
      text += "--price: " + d.path + ": " + d.message;
    }
    return sim::Status::InvalidArgument(text);
  }
  *pricing = out;
  return pricing->Validate();
}

sim::Result<PricingOptions> ResolvePricing(const PricingOptions& base, std::string_view preset,
                                           const std::vector<std::string>& settings) {
  PricingOptions out = base;
  if (!preset.empty()) {
    sim::Result<PricingOptions> got = PricingPreset(preset);
    if (!got.ok()) return sim::Status::InvalidArgument("--pricing: " + got.status().message());
    out = *got;
  }
  TRACESIM_RETURN_IF_ERROR(ApplyPriceFlags(settings, &out));
  return out;
}

Costs Price(const PricingOptions& pr, const Kept& kept, double compression_ratio,
            double duration_s) {
  Costs c;
  const double per_month = duration_s > 0 ? kSecondsPerMonth / duration_s : 0;
  const double per_day = per_month / 30.0;
  c.compressed_bytes = kept.bytes * compression_ratio;
  c.gb_per_month = c.compressed_bytes * per_month / 1e9;
  c.spans_millions_per_month = kept.spans * per_month / 1e6;
  // Steady state: a tier holds `days` days of what enters it each day.
  const double gb_day = c.compressed_bytes * per_day / 1e9;
  const double error_gb_day = kept.error_trace_bytes * compression_ratio * per_day / 1e9;
  const double meta_gb_day = kept.traces * pr.metadata_bytes_per_trace * per_day / 1e9;
  c.stored_gb_traces = gb_day * pr.traces_days;
  c.stored_gb_error_traces = error_gb_day * std::max(0.0, pr.error_traces_days - pr.traces_days);
  c.stored_gb_metadata = meta_gb_day * pr.metadata_days;
  c.usd_storage_month = (c.stored_gb_traces + c.stored_gb_error_traces + c.stored_gb_metadata) *
                        pr.storage_usd_per_gb_month;
  c.usd_ingest_month = kept.bytes * per_month / 1e9 * pr.ingest_usd_per_gb;
  c.usd_per_span_month = c.spans_millions_per_month * pr.usd_per_million_spans;
  if (pr.bill & PricingOptions::kStorage) c.usd_month += c.usd_storage_month;
  if (pr.bill & PricingOptions::kIngest) c.usd_month += c.usd_ingest_month;
  if (pr.bill & PricingOptions::kSpans) c.usd_month += c.usd_per_span_month;
  return c;
}

}  // namespace tracesim::sampling
