#include "sim/model/span_kind.h"

#include <gtest/gtest.h>

namespace tracesim::sim {
namespace {

TEST(SpanKindNameTest, OtlpNamesInLowerCase) {
  EXPECT_EQ(SpanKindName(SpanKind::kInternal), "internal");
  EXPECT_EQ(SpanKindName(SpanKind::kServer), "server");
  EXPECT_EQ(SpanKindName(SpanKind::kClient), "client");
  EXPECT_EQ(SpanKindName(SpanKind::kProducer), "producer");
  EXPECT_EQ(SpanKindName(SpanKind::kConsumer), "consumer");
  EXPECT_EQ(SpanKindName(SpanKind::kUnspecified), "unspecified");
  EXPECT_EQ(SpanKindName(static_cast<SpanKind>(9)), "unspecified");
}

}  // namespace
}  // namespace tracesim::sim
