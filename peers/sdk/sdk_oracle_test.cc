#include "peers/sdk/sdk_oracle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "peers/sdk/jaeger_remote_oracle.h"

namespace tracesim::peers_sdk {
namespace {

TEST(SplitMix64Test, MatchesTheReferenceSequence) {
  // The published SplitMix64 outputs for seed 0; every SDK program's reader relies on the file,
  // but the README documents the generator, so it must be the standard one.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.Next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.Next(), 0x06c45d188009454fULL);
}

bool HasLo(const std::vector<sim::TraceId>& ids, uint64_t hi, uint64_t lo) {
  return std::find(ids.begin(), ids.end(), sim::TraceId{hi, lo}) != ids.end();
}

TEST(EdgeIdsTest, CoverTheFixedEdgesAndEveryBoundPlusMinusOne) {
  const std::vector<sim::TraceId> ids = EdgeIds({0.25});
  EXPECT_TRUE(HasLo(ids, 0, 0));
  EXPECT_TRUE(HasLo(ids, ~0ULL, ~0ULL));
  EXPECT_TRUE(HasLo(ids, 0x8000000000000000ULL, 0));
  EXPECT_TRUE(HasLo(ids, 0, 0x8000000000000000ULL));  // Java: Math.abs(Long.MIN_VALUE) < 0
  for (uint64_t bound : {0x4000000000000000ULL, 0x2000000000000000ULL, 0xe000000000000000ULL,
                         0x00c0000000000000ULL}) {
    EXPECT_TRUE(HasLo(ids, 0, bound - 1)) << std::hex << bound;
    EXPECT_TRUE(HasLo(ids, 0, bound)) << std::hex << bound;
    EXPECT_TRUE(HasLo(ids, 0, bound + 1)) << std::hex << bound;
  }
}

TEST(OracleIdsTest, FilesRoundTrip) {
  const std::vector<double> ratios = OracleRatios();
  const std::vector<sim::TraceId> ids = OracleIds(ratios, 100);
  const std::string dir = ::testing::TempDir();
  ASSERT_TRUE(WriteIds(dir + "/ids.bin", ids).ok());
  ASSERT_TRUE(WriteRatios(dir + "/ratios.txt", ratios).ok());
  auto ids2 = ReadIds(dir + "/ids.bin");
  auto ratios2 = ReadRatios(dir + "/ratios.txt");
  ASSERT_TRUE(ids2.ok() && ratios2.ok());
  EXPECT_EQ(*ids2, ids);
  EXPECT_EQ(*ratios2, ratios);  // %.17g round-trips every double
}

TEST(CompareTest, CountsEveryDifferingDecision) {
  const std::vector<double> ratios = {0.5, 1.0 / 3};
  const std::vector<sim::TraceId> ids = OracleIds(ratios, 1000);
  auto ours = TracesimDecisions(OracleSdk::kJava, ratios, ids, nullptr);
  ASSERT_TRUE(ours.ok());
  std::vector<uint8_t> theirs = *ours;
  theirs[3] ^= 1;
  theirs[ids.size() + 7] ^= 1;
  auto cmp = Compare(OracleSdk::kJava, ratios, ids, theirs, {});
  ASSERT_TRUE(cmp.ok());
  ASSERT_EQ(cmp->size(), 2u);
  EXPECT_EQ((*cmp)[0].compared, ids.size());
  EXPECT_EQ((*cmp)[0].identical, ids.size() - 1);
  EXPECT_EQ((*cmp)[1].identical, ids.size() - 1);
  EXPECT_EQ((*cmp)[1].first_differences.size(), 1u);
  theirs.pop_back();
  EXPECT_FALSE(Compare(OracleSdk::kJava, ratios, ids, theirs, {}).ok());
}

TEST(CompareTest, TheThreeRatioAlgorithmsDifferOnTheEdges) {
  // The oracle only means something if the algorithms' edge cases are in the id set: Go, Java
  // and Python disagree with each other there (so one SDK's rule cannot pass for another's).
  const std::vector<double> ratios = {0.25};
  const std::vector<sim::TraceId> ids = EdgeIds(ratios);
  auto go = TracesimDecisions(OracleSdk::kGo, ratios, ids, nullptr);
  auto java = TracesimDecisions(OracleSdk::kJava, ratios, ids, nullptr);
  auto py = TracesimDecisions(OracleSdk::kPython, ratios, ids, nullptr);
  ASSERT_TRUE(go.ok() && java.ok() && py.ok());
  EXPECT_NE(*go, *java);
  EXPECT_NE(*java, *py);
}

TEST(CompareTest, ConsistentSamplerWritesTheFullThreshold) {
  std::vector<std::string> ts;
  auto d = TracesimDecisions(OracleSdk::kConsistent, {1.0 / 3}, OracleIds({}, 100), &ts);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(ts.size(), 1u);
  // The double 1/3 is 6004799503160661 * 2^-54, so T = 2^56 - 24019198012642644 =
  // 0xaaaaaaaaaaaaac: all 14 digits, not the 4-digit "aaab" a precision-4 sampler writes.
  EXPECT_EQ(ts[0], "ot=th:aaaaaaaaaaaaac");
}

// The bytes Jaeger's gRPC endpoint sends (gogo proto3): strategyType 0 is not written, a present
// sub-message is, even when empty; doubles are fixed64 little-endian.
TEST(JaegerRemoteOracleTest, EncodesServedStrategiesAsProto3) {
  sampling::ServedStrategy zero;
  zero.probabilistic_rate = 0.0;
  EXPECT_EQ(EncodeServedStrategy(zero), std::string("\x12\x00", 2));
  sampling::ServedStrategy rl;
  rl.type = sampling::JaegerStrategyType::kRateLimiting;
  rl.max_traces_per_second = 5;
  EXPECT_EQ(EncodeServedStrategy(rl), std::string("\x08\x01\x1a\x02\x08\x05", 6));
  sampling::ServedStrategy ops;
  sampling::JaegerPerOperationStrategies p;
  p.default_sampling_probability = 1.0;
  p.per_operation = {{"a", 0.0}};
  ops.operation_sampling = p;
  EXPECT_EQ(EncodeServedStrategy(ops),
            std::string("\x22\x10\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x1a\x05\x0a\x01"
                        "a\x12\x00",
                        18));
  EXPECT_EQ(JavaRemoteCases().size(), 6u);
}

}  // namespace
}  // namespace tracesim::peers_sdk
