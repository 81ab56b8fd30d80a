// Pricing: what a strategy's kept traces cost per month (issue 13), from a scenario's `pricing:`
// block or `tracesim run --pricing PRESET --price KEY=VALUE` (doc/sampling-lab.md, "Pricing").
//
//   pricing:
//     preset: tiered                   # object-storage (default), tiered, ingest or per-span
//     storage_usd_per_gb_month: 0.023  # any key below overrides the preset's value
//     retention: {traces: 7d, error_traces: 30d, metadata: 90d}
//     metadata_bytes_per_trace: 128
//     bill: [storage]                  # which of storage, ingest, spans make up $/month
//
// Three price models are computed side by side for every strategy: **storage** (the compressed
// bytes a backend holds in steady state under the retention tiers, times the price per
// GB-month), **ingest** (uncompressed OTLP bytes received, per GB) and **spans** (per million
// spans stored). `bill` names the ones the strategy's `$/month` (StrategyScore::usd_month, the
// `usd_month` threshold) adds up.
//
// Retention tiers, in steady state: every kept trace is stored whole for `traces` days; a kept
// trace with an ERROR span stays whole until `error_traces` days (no extra tier when not longer
// than `traces`); each kept trace leaves one metadata row of `metadata_bytes_per_trace` bytes
// for `metadata` days: what a trace search index keeps once the spans expire (trace id 16 B,
// start and duration 16 B, status and span count 5 B, root service and operation names and the
// list of services, about 90 B: 128 B by default; uncompressed).
#ifndef TRACESIM_SAMPLING_LAB_PRICING_PRICING_H_
#define TRACESIM_SAMPLING_LAB_PRICING_PRICING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/reader.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

// Price model for the cost figures. The defaults are the `object-storage` preset; figures are
// illustrative list prices (S3 Standard storage, a typical SaaS per-GB and per-span price): set
// your own.
struct PricingOptions {
  // Bits of `bill`.
  static constexpr uint8_t kStorage = 1, kIngest = 2, kSpans = 4;

  std::string preset = "object-storage";    // the preset the values started from
  double storage_usd_per_gb_month = 0.023;  // Default: 0.023.
  double ingest_usd_per_gb = 0.30;          // Default: 0.30.
  double usd_per_million_spans = 2.0;       // Default: 2.
  double traces_days = 30;                  // retention.traces. Default: 30.
  double error_traces_days = 0;             // retention.error_traces. Default: 0 (no tier).
  double metadata_days = 0;                 // retention.metadata. Default: 0 (no tier).
  double metadata_bytes_per_trace = 128;    // Default: 128.
  uint8_t bill = kStorage;                  // Default: storage.

  // Values finite and >= 0, bill not empty.
  sim::Status Validate() const;
  // The models billed, in order: "storage", "ingest", "spans".
  std::vector<std::string> BillNames() const;
};

// The pricing of `tracesim run --pricing PRESET --price KEY=VALUE...`: `base` (the scenario's),
// replaced by the preset when `preset` is not empty, then the settings applied. Errors name the
// flag.
sim::Result<PricingOptions> ResolvePricing(const PricingOptions& base, std::string_view preset,
                                           const std::vector<std::string>& settings);

// What $/month is, for a report's footnote: "storage of traces 30 d at $0.023/GB-month",
// "storage of traces 7 d, error traces 30 d, metadata 90 d (128 B/trace) at $0.023/GB-month",
// "ingest at $0.3/GB", "spans at $2/million", joined with " + ".
std::string PricingLabel(const PricingOptions& pricing);

// The preset names, in documentation order.
const std::vector<std::string>& PricingPresetNames();
// The preset `name`; kInvalidArgument with a did-you-mean for an unknown name.
sim::Result<PricingOptions> PricingPreset(std::string_view name);

// Reads a `pricing:` mapping at `v` over `*pricing` (a `preset` first replaces every value, then
// each key present overrides one), reporting problems into `diag` with the key path.
void ParsePricing(const config::Node& v, config::Diagnostics& diag, PricingOptions* pricing);

// Applies `--price KEY=VALUE` settings (KEY as in the block, `retention.traces` for the nested
// keys) over `*pricing`, through ParsePricing. Errors name the flag and the key.
sim::Status ApplyPriceFlags(const std::vector<std::string>& settings, PricingOptions* pricing);

// What a strategy kept over a run.
struct Kept {
  double bytes = 0;              // OTLP bytes of the kept spans
  double error_trace_bytes = 0;  // of them, those of traces with an error span
  double spans = 0, traces = 0;
};

// What it costs, per month at the run's rate.
struct Costs {
  double compressed_bytes = 0;  // bytes x compression ratio, for the run
  double gb_per_month = 0;      // compressed, ingested per month
  double spans_millions_per_month = 0;
  // The storage model's steady-state GB per tier: whole traces, error traces beyond them,
  // metadata rows.
  double stored_gb_traces = 0, stored_gb_error_traces = 0, stored_gb_metadata = 0;
  double usd_storage_month = 0, usd_ingest_month = 0, usd_per_span_month = 0;
  double usd_month = 0;  // the models `bill` names, summed
};

// The costs of `kept`, over a run of `duration_s` seconds of arrivals, its bytes stored at
// `compression_ratio` (stored / OTLP bytes).
Costs Price(const PricingOptions& pricing, const Kept& kept, double compression_ratio,
            double duration_s);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_PRICING_PRICING_H_
