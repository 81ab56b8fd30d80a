#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "topologies/topology.h"

namespace tracesim::topologies {
namespace {

sim::Model Checkout() {
  const sim::EmbeddedFile* f = FindBuiltinTopology("checkout.yaml");
  EXPECT_NE(f, nullptr);
  auto r = LoadTopologyYaml(std::string_view(f->data, f->size), f->name);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r).value();
}

TEST(DescribeText, ServicesAndEntryTree) {
  sim::Model m = Checkout();
  std::string text = DescribeText(m);
  EXPECT_NE(text.find("api-gateway 2.14.1 (go): 3 instances x 256 workers, queue 1024"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("entry operations:\n  api-gateway.POST /checkout\n"), std::string::npos);
  EXPECT_NE(text.find("    parallel:\n      call auth.ValidateToken\n"), std::string::npos);
  EXPECT_NE(text.find("call fraud.CheckFraud (p=0.1)"), std::string::npos);
  EXPECT_NE(text.find("call postgres.UPDATE inventory x 1..5"), std::string::npos);
  EXPECT_NE(text.find("publish orders via kafka (async)\n      ~> notification.process orders"),
            std::string::npos);
  EXPECT_EQ(text, DescribeText(Checkout()));  // deterministic
}

TEST(ToDot, WellFormed) {
  sim::Model m = Checkout();
  std::string dot = ToDot(m);
  EXPECT_EQ(dot.rfind("digraph \"checkout\" {\n", 0), 0u) << dot;
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  EXPECT_EQ(std::count(dot.begin(), dot.end(), '{'), std::count(dot.begin(), dot.end(), '}'));
  // Every body line is a statement ending with ';' and quotes are balanced.
  size_t start = dot.find('\n') + 1;
  while (start < dot.size() - 2) {
    size_t end = dot.find('\n', start);
    std::string line = dot.substr(start, end - start);
    EXPECT_EQ(line.back(), ';') << line;
    size_t quotes = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) ++quotes;
    EXPECT_EQ(quotes % 2, 0u) << line;
    start = end + 1;
  }
  EXPECT_NE(dot.find("\"postgres\" [shape=cylinder"), std::string::npos);
  EXPECT_NE(dot.find("\"stripe\" [shape=hexagon"), std::string::npos);
  EXPECT_NE(dot.find("\"payment\" -> \"fraud\" [label=\"ProcessPayment -> CheckFraud\\n(sync, "
                     "p=0.1)\"];"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("(parallel)"), std::string::npos);
  EXPECT_NE(dot.find("\"kafka\" -> \"notification\""), std::string::npos);
  EXPECT_EQ(dot, ToDot(Checkout()));
}

TEST(ToDot, EscapesQuotes) {
  auto r = LoadTopologyYaml(
      "services:\n  - name: 'a\"b'\n    operations: [{name: GET /x, work: 1ms}]\n", "q.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::string dot = ToDot(*r);
  EXPECT_NE(dot.find("\"a\\\"b\" [shape=box"), std::string::npos) << dot;
  EXPECT_EQ(dot.rfind("digraph \"q\" {", 0), 0u);
}

}  // namespace
}  // namespace tracesim::topologies
