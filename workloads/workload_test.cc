#include "workloads/workload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "workloads/test_shapes.h"

namespace tracesim::workloads {
namespace {

using sim::Arrival;
using sim::Duration;
using sim::Time;
using testing::Diurnal;

Time At(double s) { return Time::Zero() + Duration::FromSecondsF(s); }

// frontend: "GET /", "POST /checkout", "GET /cart"; postgres (a dependency): "SELECT".
sim::Model TestModel() {
  sim::Model m;
  auto add_service = [&](std::string_view name, sim::ServiceKind kind) {
    sim::Service s;
    s.name = m.strings.Intern(name);
    s.kind = kind;
    m.services.push_back(s);
    return static_cast<uint32_t>(m.services.size() - 1);
  };
  auto add_op = [&](uint32_t service, std::string_view name, bool emits_span) {
    sim::Operation op;
    op.name = m.strings.Intern(name);
    op.service = service;
    op.emits_span = emits_span;
    m.operations.push_back(op);
    m.services[service].operations.push_back(static_cast<uint32_t>(m.operations.size() - 1));
  };
  uint32_t fe = add_service("frontend", sim::ServiceKind::kService);
  add_op(fe, "GET /", true);
  add_op(fe, "POST /checkout", true);
  add_op(fe, "GET /cart", true);
  uint32_t db = add_service("postgres", sim::ServiceKind::kDatabase);
  add_op(db, "SELECT", false);
  m.Finalize();
  return m;
}

const sim::Model& Model() {
  static const sim::Model* m = new sim::Model(TestModel());
  return *m;
}

WorkloadSpec Spec(RateShape shape, ArrivalProcess process = ArrivalProcess::kPoisson) {
  WorkloadSpec spec;
  spec.shape = std::move(shape);
  spec.process = process;
  spec.mix = {{"frontend.GET /", 1}};
  return spec;
}

std::unique_ptr<Workload> Make(const WorkloadSpec& spec, uint64_t seed, Duration duration) {
  auto w = Workload::Create(spec, Model(), seed, duration);
  EXPECT_TRUE(w.ok()) << w.status().message();
  return w.ok() ? std::move(w).value() : nullptr;
}

std::vector<Arrival> Drain(Workload& w) {
  std::vector<Arrival> out;
  Arrival a;
  while (w.Next(&a)) out.push_back(a);
  return out;
}

// Checks Poisson counts: the total and each of `bins` equal windows against the rate's
// integral, within 5 sigma (variance = mean). Also checks ordering and the [0, duration) range.
void ExpectPoissonCounts(const WorkloadSpec& spec, Duration duration, int bins, uint64_t seed = 7) {
  auto w = Make(spec, seed, duration);
  ASSERT_NE(w, nullptr);
  std::vector<Arrival> arrivals = Drain(*w);
  std::vector<int64_t> counts(bins, 0);
  const int64_t bin_ns = duration.nanos() / bins;
  int64_t last = 0;
  for (const Arrival& a : arrivals) {
    ASSERT_GE(a.time.nanos(), last);
    ASSERT_LT(a.time.nanos(), duration.nanos());
    last = a.time.nanos();
    counts[std::min<int64_t>(a.time.nanos() / bin_ns, bins - 1)]++;
  }
  const double expected = spec.ExpectedArrivals(duration);
  EXPECT_NEAR(static_cast<double>(arrivals.size()), expected, 5 * std::sqrt(expected));
  EXPECT_NEAR(w->ExpectedArrivals(), expected, 1e-9 * expected);
  for (int i = 0; i < bins; ++i) {
    const double lo = spec.ExpectedArrivals(Duration::Nanos(bin_ns * i));
    const double hi = spec.ExpectedArrivals(Duration::Nanos(bin_ns * (i + 1)));
    const double mean = hi - lo;
    EXPECT_NEAR(static_cast<double>(counts[i]), mean, 5 * std::sqrt(mean) + 1) << "bin " << i;
  }
}

TEST(WorkloadTest, PoissonConstant) {
  RateShape s;
  s.rate = 500;
  ExpectPoissonCounts(Spec(s), Duration::Seconds(600), 20);
}

TEST(WorkloadTest, PoissonRamp) {
  RateShape s;
  s.kind = ShapeKind::kRamp;
  s.from = 10;
  s.to = 1000;
  s.over = Duration::Seconds(200);
  ExpectPoissonCounts(Spec(s), Duration::Seconds(300), 30);
}

TEST(WorkloadTest, PoissonSteps) {
  RateShape s;
  s.kind = ShapeKind::kSteps;
  s.epochs = {
      {Duration::Seconds(20), 100}, {Duration::Seconds(10), 0}, {Duration::Seconds(5), 900}};
  s.repeat = true;
  ExpectPoissonCounts(Spec(s), Duration::Seconds(350), 70);
}

TEST(WorkloadTest, PoissonDiurnal) {
  // Amplitude 1: touches 0 at the trough.
  const RateShape s = Diurnal(300, 1.0, Duration::Seconds(120), Duration::Seconds(17));
  ExpectPoissonCounts(Spec(s), Duration::Seconds(600), 40);
}

TEST(WorkloadTest, PoissonBursts) {
  RateShape s;
  s.kind = ShapeKind::kBursts;
  s.rate = 100;
  s.factor = 8;
  s.length = Duration::Seconds(5);
  s.every = Duration::Seconds(25);
  ExpectPoissonCounts(Spec(s), Duration::Seconds(500), 100);
}

TEST(WorkloadTest, PoissonWithSurges) {
  WorkloadSpec spec = Spec(Diurnal(200, 0.4, Duration::Seconds(100)));
  spec.surges = {{At(50), At(80), 5}, {At(150), At(200), 0}};
  ExpectPoissonCounts(spec, Duration::Seconds(300), 30);
}

TEST(WorkloadTest, PoissonInterArrivalsAreExponential) {
  RateShape s;
  s.rate = 1000;
  auto w = Make(Spec(s), 11, Duration::Seconds(100));
  std::vector<Arrival> a = Drain(*w);
  ASSERT_GT(a.size(), 1000u);
  // Fraction of gaps above the mean: exp(-1) for an exponential.
  size_t above = 0;
  for (size_t i = 1; i < a.size(); ++i) above += (a[i].time - a[i - 1].time).nanos() > 1000000;
  const double n = static_cast<double>(a.size() - 1), p = std::exp(-1.0);
  EXPECT_NEAR(above / n, p, 5 * std::sqrt(p * (1 - p) / n));
}

TEST(WorkloadTest, UniformSpacingIsExact) {
  RateShape s;
  s.rate = 10;
  auto w = Make(Spec(s, ArrivalProcess::kUniform), 1, Duration::Seconds(60));
  std::vector<Arrival> a = Drain(*w);
  ASSERT_EQ(a.size(), 600u);
  EXPECT_EQ(a[0].time.nanos(), 50'000'000);  // half a spacing in
  for (size_t i = 1; i < a.size(); ++i)
    ASSERT_EQ((a[i].time - a[i - 1].time).nanos(), 100'000'000) << i;
}

TEST(WorkloadTest, UniformFollowsSteps) {
  RateShape s;
  s.kind = ShapeKind::kSteps;
  s.epochs = {{Duration::Seconds(1), 4}, {Duration::Seconds(1), 1000}};
  auto w = Make(Spec(s, ArrivalProcess::kUniform), 1, Duration::Seconds(3));
  std::vector<Arrival> a = Drain(*w);
  ASSERT_EQ(a.size(), 2004u);
  EXPECT_EQ(a[0].time.nanos(), 125'000'000);
  EXPECT_EQ(a[3].time.nanos(), 875'000'000);
  // Second epoch: spacing 1 ms exactly (after the carry-over from the first).
  for (size_t i = 5; i < a.size(); ++i) ASSERT_EQ((a[i].time - a[i - 1].time).nanos(), 1'000'000);
}

TEST(WorkloadTest, UniformCountIsRoundedIntegral) {
  RateShape s;
  s.kind = ShapeKind::kRamp;
  s.from = 0;
  s.to = 37;
  s.over = Duration::Seconds(13);
  WorkloadSpec spec = Spec(s, ArrivalProcess::kUniform);
  auto w = Make(spec, 1, Duration::Seconds(20));
  // 37 * 13 / 2 + 37 * 7 = 499.5: arrivals where the integral is 0.5, 1.5, ..., 498.5.
  EXPECT_EQ(Drain(*w).size(), 499u);
}

// Runs longer than a block (Workload::kBlockSeconds) draw each block from its own streams.
TEST(WorkloadTest, PoissonAcrossBlocksKeepsTheRateAndNumbersEachBlock) {
  const RateShape s = Diurnal(40, 0.5, Duration::Seconds(3000));
  const Duration d = Duration::Seconds(3 * Workload::kBlockSeconds + 100);
  ExpectPoissonCounts(Spec(s), d, 37);
  auto w = Make(Spec(s), 3, d);
  std::vector<Arrival> a = Drain(*w);
  int64_t block = 0;
  uint64_t next = 0;
  for (const Arrival& x : a) {
    const int64_t b = x.time.nanos() / (Workload::kBlockSeconds * 1'000'000'000);
    if (b != block) {
      ASSERT_EQ(b, block + 1);
      block = b;
      next = 0;
    }
    ASSERT_EQ(x.index, (uint64_t(b) << Workload::kBlockIndexBits) | next++);
  }
  EXPECT_EQ(block, 3);
}

// SkipTo jumps to the block that holds its time: from there on, the very arrivals of a run
// that drew everything before (a shard's window, app/run_internal.h).
TEST(WorkloadTest, SkipToGivesTheArrivalsOfTheWholeRun) {
  const RateShape s = Diurnal(30, 0.8, Duration::Seconds(1700));
  for (ArrivalProcess process : {ArrivalProcess::kPoisson, ArrivalProcess::kUniform}) {
    WorkloadSpec spec = Spec(s, process);
    spec.mix = {{"frontend.GET /", 1}, {"frontend.GET /cart", 2}};
    const Duration d = Duration::Seconds(4 * Workload::kBlockSeconds - 7);
    auto whole = Make(spec, 11, d);
    const std::vector<Arrival> all = Drain(*whole);
    for (double from : {0.0, 599.0, 600.0, 1234.5, 2 * 600.0 + 599.999, 2390.0}) {
      SCOPED_TRACE(from);
      auto w = Make(spec, 11, d);
      w->SkipTo(At(from));
      std::vector<Arrival> got = Drain(*w);
      const int64_t block_start =
          static_cast<int64_t>(from / Workload::kBlockSeconds) * Workload::kBlockSeconds;
      size_t i = 0;
      while (i < all.size() && all[i].time < At(static_cast<double>(block_start))) ++i;
      ASSERT_EQ(got.size(), all.size() - i);
      for (size_t j = 0; j < got.size(); ++j, ++i) {
        ASSERT_EQ(got[j].time, all[i].time) << j;
        ASSERT_EQ(got[j].operation, all[i].operation) << j;
        ASSERT_EQ(got[j].index, all[i].index) << j;
      }
    }
  }
}

// A uniform run goes on at k - 1/2 of the whole run's integral across blocks.
TEST(WorkloadTest, UniformSpacingIsExactAcrossBlocks) {
  RateShape s;
  s.rate = 2;
  auto w =
      Make(Spec(s, ArrivalProcess::kUniform), 1, Duration::Seconds(3 * Workload::kBlockSeconds));
  std::vector<Arrival> a = Drain(*w);
  ASSERT_EQ(a.size(), 6u * Workload::kBlockSeconds);
  EXPECT_EQ(a[0].time.nanos(), 250'000'000);
  for (size_t i = 1; i < a.size(); ++i)
    ASSERT_EQ((a[i].time - a[i - 1].time).nanos(), 500'000'000) << i;
}

TEST(WorkloadTest, EqualTrafficEdgesSplitTheExpectedArrivals) {
  RateShape flat;
  flat.rate = 100;
  auto constant = Make(Spec(flat), 1, Duration::Seconds(1000));
  const std::vector<Time> even = constant->EqualTrafficEdges(7);
  ASSERT_EQ(even.size(), 8u);
  for (uint32_t k = 0; k <= 7; ++k)  // a constant rate: exactly k/n of the run
    EXPECT_EQ(even[k].nanos(), int64_t{1'000'000'000'000} * k / 7) << k;

  const WorkloadSpec spec =
      Spec(Diurnal(100, 0.5, Duration::Seconds(86400), Duration::Seconds(64800)));
  auto day = Make(spec, 1, Duration::Seconds(86400));
  const std::vector<Time> edges = day->EqualTrafficEdges(64);
  ASSERT_EQ(edges.size(), 65u);
  EXPECT_EQ(edges.front().nanos(), 0);
  EXPECT_EQ(edges.back().nanos(), Duration::Seconds(86400).nanos());
  const double total = spec.ExpectedArrivals(Duration::Seconds(86400));
  double shortest = 1e18, longest = 0;
  for (uint32_t k = 1; k <= 64; ++k) {
    const double before = spec.ExpectedArrivals(edges[k] - Time::Zero());
    EXPECT_NEAR(before, total * k / 64, 1e-6 * total) << k;
    const double len = (edges[k] - edges[k - 1]).seconds();
    shortest = std::min(shortest, len);
    longest = std::max(longest, len);
  }
  // Windows at the noon peak (1.5x the mean) are shorter than those at the trough (0.5x).
  EXPECT_GT(longest / shortest, 2.5);
}

TEST(WorkloadTest, MixProportionsWithinBinomialBounds) {
  RateShape s;
  s.rate = 2000;
  WorkloadSpec spec = Spec(s);
  spec.mix = {{"frontend.GET /", 6}, {"frontend/POST /checkout", 1}, {"frontend.GET /cart", 3}};
  auto w = Make(spec, 3, Duration::Seconds(100));
  const sim::Model& m = Model();
  const uint32_t ops[] = {m.FindOperationRef("frontend.GET /"),
                          m.FindOperationRef("frontend.POST /checkout"),
                          m.FindOperationRef("frontend.GET /cart")};
  EXPECT_EQ(w->mix_operations(), std::vector<uint32_t>(std::begin(ops), std::end(ops)));
  std::vector<Arrival> a = Drain(*w);
  const double n = static_cast<double>(a.size());
  const double p[] = {0.6, 0.1, 0.3};
  for (int k = 0; k < 3; ++k) {
    size_t c = 0;
    for (const Arrival& x : a) c += x.operation == ops[k];
    EXPECT_NEAR(c / n, p[k], 5 * std::sqrt(p[k] * (1 - p[k]) / n)) << k;
  }
}

TEST(WorkloadTest, DeterministicPerSeed) {
  RateShape s;
  s.kind = ShapeKind::kBursts;
  s.rate = 50;
  WorkloadSpec spec = Spec(s);
  spec.mix = {{"frontend.GET /", 1}, {"frontend.GET /cart", 1}};
  auto times = [&](uint64_t seed) {
    std::vector<std::pair<int64_t, uint32_t>> out;
    auto w = Make(spec, seed, Duration::Seconds(120));
    for (const Arrival& a : Drain(*w)) out.emplace_back(a.time.nanos(), a.operation);
    return out;
  };
  EXPECT_EQ(times(42), times(42));
  EXPECT_NE(times(42), times(43));
}

TEST(WorkloadTest, MixDoesNotShiftArrivalTimes) {
  RateShape s;
  s.rate = 100;
  WorkloadSpec one = Spec(s);
  WorkloadSpec three = one;
  three.mix = {{"frontend.GET /", 1}, {"frontend.GET /cart", 2}, {"frontend.POST /checkout", 3}};
  auto a = Drain(*Make(one, 9, Duration::Seconds(30)));
  auto b = Drain(*Make(three, 9, Duration::Seconds(30)));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].time, b[i].time);
}

TEST(WorkloadTest, ZeroDurationHasNoArrivals) {
  auto w = Make(Spec(RateShape()), 1, Duration());
  Arrival a;
  EXPECT_FALSE(w->Next(&a));
  EXPECT_FALSE(w->Next(&a));
}

TEST(WorkloadTest, RateAccessors) {
  RateShape s;
  s.kind = ShapeKind::kRamp;
  s.to = 100;
  s.over = Duration::Seconds(10);
  auto w = Make(Spec(s), 1, Duration::Seconds(10));
  EXPECT_DOUBLE_EQ(w->RateAt(At(2.5)), 25);
  EXPECT_NEAR(w->MeanRate(Duration::Seconds(10)), 50, 1e-9);
  EXPECT_NEAR(w->ExpectedArrivals(), 500, 1e-9);
}

TEST(WorkloadTest, UnknownMixOperationsAreNamed) {
  WorkloadSpec spec = Spec(RateShape());
  spec.mix = {{"frontend.GET /", 1}, {"frontend.GET /carts", 1}, {"nope.x", 1}};
  auto w = Workload::Create(spec, Model(), 1, Duration::Seconds(1));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), sim::Status::Code::kNotFound);
  EXPECT_EQ(w.status().message(),
            "workload.mix[1].operation: unknown operation 'frontend.GET /carts' (did you mean "
            "'frontend.GET /cart'?); workload.mix[2].operation: unknown operation 'nope.x'");
}

TEST(WorkloadTest, DependencyOperationIsNotAnEntryPoint) {
  WorkloadSpec spec = Spec(RateShape());
  spec.mix = {{"postgres.SELECT", 1}};
  auto w = Workload::Create(spec, Model(), 1, Duration::Seconds(1));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(
      w.status().message().find("workload.mix[0].operation: 'postgres.SELECT' is an operation "
                                "of a dependency"),
      std::string::npos)
      << w.status().message();
}

TEST(WorkloadTest, InvalidSpecIsRejected) {
  RateShape s;
  s.rate = -5;
  auto w = Workload::Create(Spec(s), Model(), 1, Duration::Seconds(1));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message(), "workload.rate: must be > 0, got -5");
}

}  // namespace
}  // namespace tracesim::workloads
