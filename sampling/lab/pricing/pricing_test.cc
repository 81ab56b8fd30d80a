#include "sampling/lab/pricing/pricing.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace tracesim::sampling {
namespace {

// Parses `yaml` as a pricing: block over the defaults; the problems land in *problems.
PricingOptions Parse(const std::string& yaml, std::string* problems) {
  config::Diagnostics diag("t.yaml");
  PricingOptions p;
  ParsePricing(config::Node::Root(YAML::Load(yaml)), diag, &p);
  *problems = diag.Text();
  return p;
}

TEST(PricingTest, PresetsSetTiersAndBill) {
  auto tiered = PricingPreset("tiered");
  ASSERT_TRUE(tiered.ok());
  EXPECT_EQ(tiered->traces_days, 7);
  EXPECT_EQ(tiered->error_traces_days, 30);
  EXPECT_EQ(tiered->metadata_days, 90);
  EXPECT_EQ(tiered->bill, PricingOptions::kStorage);
  EXPECT_EQ(PricingPreset("ingest")->bill, PricingOptions::kIngest);
  EXPECT_EQ(PricingPreset("per-span")->bill, PricingOptions::kSpans);
  const PricingOptions defaults;
  EXPECT_EQ(PricingPreset("object-storage")->traces_days, defaults.traces_days);
  EXPECT_EQ(PricingPreset("tierd").status().message(),
            "unknown pricing preset 'tierd' (did you mean 'tiered'?) (one of object-storage, "
            "tiered, ingest, per-span)");
  for (const std::string& name : PricingPresetNames()) EXPECT_TRUE(PricingPreset(name).ok());
}

TEST(PricingTest, KeysOverrideThePresetWhateverTheirOrder) {
  std::string problems;
  PricingOptions p = Parse(
      "retention_days: {traces: 3}\npreset: tiered\nbill: [ingest, storage]\n"
      "storage_usd_per_gb_month: 0.01\nmetadata_bytes_per_trace: 64\n",
      &problems);
  EXPECT_EQ(problems, "");
  EXPECT_EQ(p.preset, "tiered");
  EXPECT_EQ(p.traces_days, 3);         // the key, not the preset's 7
  EXPECT_EQ(p.error_traces_days, 30);  // the preset's
  EXPECT_EQ(p.storage_usd_per_gb_month, 0.01);
  EXPECT_EQ(p.metadata_bytes_per_trace, 64);
  EXPECT_EQ(p.bill, PricingOptions::kIngest | PricingOptions::kStorage);
  EXPECT_EQ(p.BillNames(), (std::vector<std::string>{"storage", "ingest"}));
  EXPECT_EQ(Parse("bill: spans\n", &problems).bill, PricingOptions::kSpans);
}

TEST(PricingTest, BadValuesNameTheKeyAndLine) {
  std::string problems;
  Parse("preset: tierd\n", &problems);
  EXPECT_EQ(problems,
            "t.yaml:1:9: preset: unknown pricing preset 'tierd' (did you mean 'tiered'?) (one of "
            "object-storage, tiered, ingest, per-span)");
  Parse("storage_usd_per_gb_month: -1\n", &problems);
  EXPECT_EQ(problems, "t.yaml:1:27: storage_usd_per_gb_month: must be >= 0, got '-1'");
  Parse("retention_days: {trace: 7}\n", &problems);
  EXPECT_NE(problems.find("retention_days.trace: unknown key 'trace' (did you mean 'traces'?)"),
            std::string::npos)
      << problems;
  Parse("bill: [storage, egress]\n", &problems);
  EXPECT_NE(problems.find("bill[1]"), std::string::npos) << problems;
  Parse("bill: []\n", &problems);
  EXPECT_NE(problems.find("bill: must name at least one"), std::string::npos) << problems;
  Parse("ingest_usd_per_gb: cheap\n", &problems);
  EXPECT_NE(problems.find("ingest_usd_per_gb: expected a number"), std::string::npos) << problems;
  Parse("- 1\n", &problems);
  EXPECT_NE(problems.find("mapping"), std::string::npos) << problems;
}

TEST(PricingTest, FlagsUseTheBlockGrammar) {
  auto p =
      ResolvePricing(PricingOptions{}, "tiered",
                     {"retention_days.metadata=30", "usd_per_million_spans=1.5", "bill=spans"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->metadata_days, 30);
  EXPECT_EQ(p->traces_days, 7);
  EXPECT_EQ(p->usd_per_million_spans, 1.5);
  EXPECT_EQ(p->bill, PricingOptions::kSpans);
  // No preset: the base (the scenario's block) stays.
  PricingOptions base;
  base.traces_days = 14;
  EXPECT_EQ(ResolvePricing(base, "", {})->traces_days, 14);
  EXPECT_EQ(ResolvePricing(base, "", {"traces_days=7"}).status().message(),
            "--price: traces_days: unknown key 'traces_days'");
  EXPECT_EQ(ResolvePricing(base, "", {"retention_days.traces=-2"}).status().message(),
            "--price: retention_days.traces: must be >= 0, got '-2'");
  EXPECT_EQ(ResolvePricing(base, "", {"traces"}).status().message(),
            "--price 'traces': expected KEY=VALUE, e.g. storage_usd_per_gb_month=0.02 or "
            "retention_days.traces=7");
  EXPECT_EQ(ResolvePricing(base, "cheap", {}).status().message(),
            "--pricing: unknown pricing preset 'cheap' (one of object-storage, tiered, ingest, "
            "per-span)");
}

// A strategy that kept 1e9 OTLP bytes (a tenth in error traces), 2e6 spans and 1e5 traces in a
// day of arrivals.
Kept DayOfKept() { return Kept{1e9, 1e8, 2e6, 1e5}; }

TEST(PricingTest, DefaultIsThirtyDaysOfCompressedBytesInObjectStorage) {
  Costs s = Price(PricingOptions{}, DayOfKept(), 0.2, 86400);
  // 0.2 GB/day stored 30 days = 6 GB at $0.023.
  EXPECT_NEAR(s.gb_per_month, 6.0, 1e-9);
  EXPECT_NEAR(s.stored_gb_traces, 6.0, 1e-9);
  EXPECT_EQ(s.stored_gb_error_traces, 0);
  EXPECT_EQ(s.stored_gb_metadata, 0);
  EXPECT_NEAR(s.usd_storage_month, 6.0 * 0.023, 1e-12);
  EXPECT_NEAR(s.usd_ingest_month, 30 * 1.0 * 0.30, 1e-9);  // uncompressed GB received
  EXPECT_NEAR(s.usd_per_span_month, 60 * 2.0, 1e-9);       // 60 M spans a month
  EXPECT_EQ(s.usd_month, s.usd_storage_month);
}

TEST(PricingTest, TiersAddErrorTracesAndMetadata) {
  PricingOptions p = *PricingPreset("tiered");
  Costs s = Price(p, DayOfKept(), 0.2, 86400);
  EXPECT_NEAR(s.stored_gb_traces, 0.2 * 7, 1e-9);
  EXPECT_NEAR(s.stored_gb_error_traces, 0.02 * (30 - 7), 1e-9);
  EXPECT_NEAR(s.stored_gb_metadata, 100'000 * 128 / 1e9 * 90, 1e-9);  // uncompressed rows
  EXPECT_NEAR(s.usd_storage_month, (1.4 + 0.46 + 1.152) * 0.023, 1e-9);
  // An error tier no longer than the traces' adds nothing.
  p.error_traces_days = 5;
  s = Price(p, DayOfKept(), 0.2, 86400);
  EXPECT_EQ(s.stored_gb_error_traces, 0);
  // Billing sums the models named.
  p.bill = PricingOptions::kIngest | PricingOptions::kSpans;
  s = Price(p, DayOfKept(), 0.2, 86400);
  EXPECT_NEAR(s.usd_month, s.usd_ingest_month + s.usd_per_span_month, 1e-9);
}

TEST(PricingTest, LabelSaysWhatIsBilled) {
  EXPECT_EQ(PricingLabel(PricingOptions{}), "storage of traces 30 d at $0.023/GB-month");
  EXPECT_EQ(PricingLabel(*PricingPreset("tiered")),
            "storage of traces 7 d, error traces 30 d, metadata 90 d (128 B/trace) at "
            "$0.023/GB-month");
  PricingOptions both = *PricingPreset("ingest");
  both.bill |= PricingOptions::kSpans;
  EXPECT_EQ(PricingLabel(both), "ingest at $0.3/GB + spans at $2/million");
}

TEST(PricingTest, ValidateRefusesNegativeAndEmptyBill) {
  PricingOptions p;
  EXPECT_TRUE(p.Validate().ok());
  p.metadata_days = -1;
  EXPECT_FALSE(p.Validate().ok());
  p = PricingOptions{};
  p.bill = 0;
  EXPECT_FALSE(p.Validate().ok());
}

}  // namespace
}  // namespace tracesim::sampling
