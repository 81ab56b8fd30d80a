// LabTally's partial-result state: what loads must be something Fill can score.
#include "sampling/lab/lab_tally.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace tracesim::sampling {
namespace {

constexpr int64_t kWindowNs = 10'000'000'000;

// A tally of a model with `services` services that scored one error trace whose root cause is
// service `cause`, kept by its one strategy; its truth and its strategy, saved.
struct Saved {
  std::string truth, strategy;
};
Saved SaveWithRootCause(size_t services, uint32_t cause) {
  LabTally tally(/*strategies=*/1, /*faults=*/0, services, kWindowNs);
  sim::TraceTruth tr;
  tr.start = sim::Time::FromNanos(1'000'000);
  tr.end = sim::Time::FromNanos(5'000'000);
  tr.error = tr.root_error = true;
  tr.root_cause_service = cause;
  const uint32_t kept_spans[] = {3};
  const uint64_t kept_bytes[] = {900};
  tally.Record(tr, 4'000'000, 3, {}, kept_spans, kept_bytes, [](size_t) { return 1.0; });
  sim::StateWriter truth, strategy;
  tally.SaveTruth(truth);
  tally.SaveStrategy(0, strategy);
  return {truth.Take(), strategy.Take()};
}

// Loads `saved` into `tally`: whether its truth loaded, and whether its strategy did.
std::pair<bool, bool> Load(const Saved& saved, LabTally* tally) {
  sim::StateReader truth(saved.truth), strategy(saved.strategy);
  return {tally->LoadTruth(truth), tally->LoadStrategy(0, strategy)};
}

TEST(LabTallyTest, StateRoundTripsWithItsRootCauses) {
  LabTally tally(1, 0, 3, kWindowNs);
  ASSERT_EQ(Load(SaveWithRootCause(3, 2), &tally), std::make_pair(true, true));
  EXPECT_EQ(tally.traces(), 1u);
  ASSERT_EQ(tally.strategy(0).root_cause.count(2), 1u);
  EXPECT_EQ(tally.strategy(0).root_cause.at(2), std::make_pair(uint64_t{1}, uint64_t{1}));
}

// A root-cause service past the model's (a corrupt or foreign partial result) is refused, not
// left for Fill to look up in the model's services (the partial_state fuzzer's finding).
TEST(LabTallyTest, StateNamingAServiceTheModelDoesNotHaveIsRefused) {
  LabTally tally(1, 0, 3, kWindowNs);
  EXPECT_EQ(Load(SaveWithRootCause(3, 7), &tally), std::make_pair(false, false));
}

}  // namespace
}  // namespace tracesim::sampling
