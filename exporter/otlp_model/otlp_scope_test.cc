#include "exporter/otlp_model/otlp_scope.h"

#include <gtest/gtest.h>

#include <string>

#include "exporter/encoding/test_model.h"

namespace tracesim::exporter {
namespace {

sim::Span SpanOf(uint32_t service, uint32_t operation) {
  sim::Span s;
  s.service = service;
  s.operation = operation;
  return s;
}

TEST(OtlpScopeTest, FollowsTheRule) {
  const sim::Model m = testing::MakeTestModel();
  const OtlpScopeRule rule(m);
  auto name = [&](const sim::Span& s) { return std::string(m.strings.Get(rule.ScopeOf(s).first)); };
  // The operation belongs to the recording service: its own scope.
  EXPECT_EQ(name(SpanOf(0, 0)), "io.opentelemetry.http");
  EXPECT_EQ(rule.ScopeOperation(SpanOf(2, 2)), 2u);  // postgres' own (empty) scope
  // A CLIENT span of frontend naming checkout's operation: frontend's first scoped operation.
  EXPECT_EQ(name(SpanOf(0, 1)), "io.opentelemetry.http");
  // postgres has no scoped operation: the callee operation's scope.
  EXPECT_EQ(name(SpanOf(2, 1)), "io.grpc");
  // No operation: the recording service's, else the empty scope.
  EXPECT_EQ(name(SpanOf(1, sim::kNone)), "io.grpc");
  EXPECT_EQ(rule.ScopeOperation(SpanOf(2, sim::kNone)), sim::kNone);
  EXPECT_EQ(rule.ScopeOf(SpanOf(2, sim::kNone)), std::make_pair(sim::kEmptyStr, sim::kEmptyStr));
}

TEST(OtlpScopeTest, UncachedFormAgreesWithTheRule) {
  const sim::Model m = testing::MakeTestModel();
  const OtlpScopeRule rule(m);
  for (uint32_t svc : {0u, 1u, 2u, 7u}) {
    for (uint32_t op : {0u, 1u, 2u, 9u, sim::kNone}) {
      SCOPED_TRACE(std::to_string(svc) + "/" + std::to_string(op));
      EXPECT_EQ(OtlpScopeOf(m, SpanOf(svc, op)), rule.ScopeOf(SpanOf(svc, op)));
    }
  }
}

}  // namespace
}  // namespace tracesim::exporter
