#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "topologies/semconv.h"
#include "topologies/topology.h"

namespace tracesim::topologies {
namespace {

using sim::Model;

// Text after a leading newline, so line 1 of the YAML is the line after R"(.
std::string Y(std::string_view s) {
  if (!s.empty() && s[0] == '\n') s.remove_prefix(1);
  return std::string(s);
}

// The error message of loading `yaml` (which must fail) as "t.yaml".
std::string Problems(const std::string& yaml) {
  auto r = LoadTopologyYaml(yaml, "t.yaml");
  EXPECT_FALSE(r.ok()) << "expected a failure for:\n" << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  return r.status().message();
}

// Asserts that some line of `msg` starts with "t.yaml:LINE:" and contains `path` and `text`.
void ExpectProblem(const std::string& msg, int line, std::string_view path, std::string_view text) {
  std::string prefix = "t.yaml:" + std::to_string(line) + ":";
  size_t start = 0;
  while (start <= msg.size()) {
    size_t end = msg.find('\n', start);
    if (end == std::string::npos) end = msg.size();
    std::string_view l(msg.data() + start, end - start);
    if (l.starts_with(prefix) && l.find(std::string(path) + ": ") != std::string_view::npos &&
        l.find(text) != std::string_view::npos)
      return;
    start = end + 1;
  }
  ADD_FAILURE() << "no problem at line " << line << " for '" << path << "' containing '" << text
                << "' in:\n"
                << msg;
}

size_t LineCount(const std::string& msg) {
  return msg.empty() ? 0 : 1 + static_cast<size_t>(std::count(msg.begin(), msg.end(), '\n'));
}

Model LoadBuiltin(std::string_view name) {
  const sim::EmbeddedFile* f = FindBuiltinTopology(name);
  EXPECT_NE(f, nullptr) << name;
  if (f == nullptr) return Model();
  auto r = LoadTopologyYaml(std::string_view(f->data, f->size), f->name);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return Model();
  return std::move(r).value();
}

// The static attribute `key` of `attrs` rendered as text ("" when absent).
std::string AttrText(const Model& m, const std::vector<sim::Attr>& attrs, std::string_view key) {
  for (const sim::Attr& a : attrs) {
    if (m.strings.Get(a.key) != key) continue;
    switch (a.value.type) {
      case sim::AttrValue::Type::kString:
        return std::string(m.strings.Get(a.value.str));
      case sim::AttrValue::Type::kInt:
        return std::to_string(a.value.i);
      case sim::AttrValue::Type::kBool:
        return a.value.b ? "true" : "false";
      case sim::AttrValue::Type::kDouble:
        return std::to_string(a.value.d);
      default:
        return "?";
    }
  }
  return "";
}

bool HasDynamic(const Model& m, const std::vector<sim::DynamicAttr>& attrs, std::string_view key) {
  for (const sim::DynamicAttr& a : attrs)
    if (m.strings.Get(a.key) == key) return a.generator < m.generators.size();
  return false;
}

const sim::Operation& Op(const Model& m, std::string_view ref) {
  uint32_t i = m.FindOperationRef(ref);
  EXPECT_NE(i, sim::kNone) << ref;
  static const sim::Operation kEmpty;
  return i == sim::kNone ? kEmpty : m.operations[i];
}

const std::string kMinimal = Y(R"(
name: t
services:
  - name: a
    operations:
      - name: GET /a
        work: 1ms
)");

// ---- the bundled topologies --------------------------------------------------------------------

TEST(BuiltinTopologies, NamesAndLookup) {
  std::vector<std::string> names = BuiltinTopologyNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "checkout.yaml"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "online-shop.yaml"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(FindBuiltinTopology("nope.yaml"), nullptr);
}

TEST(BuiltinTopologies, CompiledOnceAndHandedOutAsIndependentCopies) {
  for (const std::string& name : BuiltinTopologyNames()) {
    SCOPED_TRACE(name);
    const sim::EmbeddedFile* f = FindBuiltinTopology(name);
    ASSERT_NE(f, nullptr);
    Model fresh = LoadBuiltin(name);
    auto a = LoadBuiltinTopology(*f, f->name);
    auto b = LoadBuiltinTopology(*f, "b.yaml");  // from the cache
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(a->source, f->name);
    EXPECT_EQ(b->source, "b.yaml");
    EXPECT_EQ(DescribeText(*a), DescribeText(fresh));
    b->source = f->name;
    EXPECT_EQ(DescribeText(*b), DescribeText(fresh));
    ASSERT_EQ(b->strings.size(), fresh.strings.size());
    for (sim::StrId id = 0; id < fresh.strings.size(); ++id) {
      ASSERT_EQ(b->strings.Get(id), fresh.strings.Get(id));
      ASSERT_EQ(b->strings.Find(fresh.strings.Get(id)), id);  // the copy's own index
    }
    // Copies share nothing: their strings live in their own storage, and interning into one
    // leaves the others as they were.
    Model c = b->Clone();
    EXPECT_NE(c.strings.Get(1).data(), b->strings.Get(1).data());
    c.strings.Intern("only in c");
    EXPECT_EQ(b->strings.Find("only in c"), sim::kEmptyStr);
    EXPECT_EQ(b->strings.size(), fresh.strings.size());
    { Model gone = b->Clone(); }
    EXPECT_EQ(c.strings.Get(1), fresh.strings.Get(1));
  }
}

TEST(BuiltinTopologies, CheckoutCompiles) {
  Model m = LoadBuiltin("checkout.yaml");
  ASSERT_FALSE(m.services.empty());
  EXPECT_EQ(m.source, "checkout.yaml");
  EXPECT_EQ(m.well_known.http_codes.size(), 500u);  // Finalize() ran

  const sim::Operation& gw = Op(m, "api-gateway.POST /checkout");
  EXPECT_EQ(m.strings.Get(gw.span_name), "POST /checkout");
  EXPECT_EQ(gw.kind, sim::SpanKind::kServer);
  EXPECT_EQ(AttrText(m, gw.attrs, "http.request.method"), "POST");
  EXPECT_EQ(AttrText(m, gw.attrs, "http.route"), "/checkout");
  EXPECT_EQ(AttrText(m, gw.attrs, "url.path"), "/checkout");
  EXPECT_EQ(AttrText(m, gw.attrs, "server.port"), "8080");
  EXPECT_EQ(m.strings.Get(gw.scope_name),
            "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp");
  EXPECT_EQ(gw.baggage.size(), 2u);
  ASSERT_GE(gw.steps.size(), 4u);
  EXPECT_EQ(gw.steps[1].kind, sim::Step::Kind::kParallel);
  EXPECT_EQ(gw.steps[1].children.size(), 2u);
  EXPECT_EQ(gw.steps[4].kind, sim::Step::Kind::kPublish);

  const sim::Operation& cart = Op(m, "cart.GetCart");
  EXPECT_EQ(m.strings.Get(cart.span_name), "shop.cart.v1.CartService/GetCart");
  EXPECT_EQ(m.strings.Get(cart.client_span_name), "shop.cart.v1.CartService/GetCart");
  EXPECT_EQ(AttrText(m, cart.attrs, "rpc.system"), "grpc");
  EXPECT_EQ(AttrText(m, cart.attrs, "rpc.method"), "GetCart");
  EXPECT_EQ(AttrText(m, cart.client_attrs, "server.address"), "cart");
  EXPECT_EQ(cart.ok_status, 0);
  EXPECT_TRUE(m.services[cart.service].baggage_to_attributes);

  const sim::Operation& auth = Op(m, "auth.ValidateToken");
  EXPECT_EQ(auth.error_status, 16);  // UNAUTHENTICATED
  EXPECT_EQ(m.strings.Get(auth.scope_name), "io.opentelemetry.grpc-1.6");

  const sim::Operation& inv = Op(m, "inventory.ReserveItems");
  ASSERT_EQ(inv.steps.size(), 2u);
  EXPECT_EQ(inv.steps[1].call.count.kind(), sim::Distribution::Kind::kUniform);  // N+1

  const sim::Operation& pay = Op(m, "payment.ProcessPayment");
  ASSERT_EQ(pay.steps.size(), 3u);
  EXPECT_DOUBLE_EQ(pay.steps[1].call.probability, 0.1);

  const sim::Operation& redis = Op(m, "redis.GET");
  EXPECT_FALSE(redis.emits_span);
  EXPECT_EQ(m.strings.Get(redis.client_span_name), "GET");
  EXPECT_EQ(AttrText(m, redis.client_attrs, "db.system.name"), "redis");
  EXPECT_EQ(AttrText(m, redis.client_attrs, "db.operation.name"), "GET");
  EXPECT_EQ(AttrText(m, redis.client_attrs, "server.port"), "6379");
  ASSERT_EQ(redis.steps.size(), 1u);
  EXPECT_EQ(redis.steps[0].kind, sim::Step::Kind::kWork);

  const sim::Operation& pg = Op(m, "postgres.UPDATE inventory");
  EXPECT_EQ(m.strings.Get(pg.client_span_name), "UPDATE inventory");
  EXPECT_EQ(AttrText(m, pg.client_attrs, "db.system.name"), "postgresql");
  EXPECT_EQ(AttrText(m, pg.client_attrs, "db.collection.name"), "inventory");
  EXPECT_EQ(AttrText(m, pg.client_attrs, "db.namespace"), "inventory");
  EXPECT_NE(AttrText(m, pg.client_attrs, "db.query.text").find("$1"), std::string::npos);
  EXPECT_EQ(m.services[pg.service].concurrency, 64u);

  const sim::Operation& stripe = Op(m, "stripe.POST /v1/charges");
  EXPECT_EQ(m.strings.Get(stripe.client_span_name), "POST");
  EXPECT_EQ(AttrText(m, stripe.client_attrs, "url.full"), "https://api.stripe.com/v1/charges");
  EXPECT_EQ(AttrText(m, stripe.client_attrs, "server.address"), "api.stripe.com");
  EXPECT_EQ(AttrText(m, stripe.client_attrs, "server.port"), "443");
  EXPECT_EQ(stripe.error_status, 402);
  EXPECT_TRUE(m.services[stripe.service].network_latency.IsZero());
  EXPECT_NEAR(stripe.steps[0].work.Quantile(0.5), 250e6, 1e3);

  ASSERT_EQ(m.topics.size(), 1u);
  const sim::Topic& t = m.topics[0];
  EXPECT_EQ(m.strings.Get(t.producer_span_name), "publish orders");
  EXPECT_EQ(AttrText(m, t.producer_attrs, "messaging.system"), "kafka");
  EXPECT_EQ(AttrText(m, t.producer_attrs, "messaging.operation.type"), "send");
  ASSERT_EQ(t.consumers.size(), 1u);
  const sim::Operation& consumer = m.operations[t.consumers[0]];
  EXPECT_EQ(consumer.kind, sim::SpanKind::kConsumer);
  EXPECT_EQ(m.strings.Get(consumer.span_name), "process orders");
  EXPECT_EQ(AttrText(m, consumer.attrs, "messaging.consumer.group.name"), "notification");
  EXPECT_EQ(AttrText(m, consumer.attrs, "messaging.operation.type"), "process");

  // Resources: one per instance, semantic conventions precomputed.
  const sim::Service& gws = m.services[m.FindService("api-gateway")];
  ASSERT_EQ(gws.resources.size(), 3u);
  const sim::Resource& r0 = m.resources[gws.resources[0]];
  EXPECT_EQ(AttrText(m, r0.attrs, "service.name"), "api-gateway");
  EXPECT_EQ(AttrText(m, r0.attrs, "service.version"), "2.14.1");
  EXPECT_EQ(AttrText(m, r0.attrs, "service.instance.id"), ServiceInstanceId("api-gateway", 0));
  EXPECT_EQ(AttrText(m, r0.attrs, "deployment.environment.name"), "production");
  EXPECT_EQ(AttrText(m, r0.attrs, "telemetry.sdk.language"), "go");
  EXPECT_EQ(AttrText(m, r0.attrs, "telemetry.sdk.name"), "opentelemetry");
  EXPECT_EQ(AttrText(m, r0.attrs, "k8s.namespace.name"), "shop");
  EXPECT_EQ(m.strings.Get(r0.host), AttrText(m, r0.attrs, "host.name"));
  EXPECT_NE(AttrText(m, m.resources[gws.resources[1]].attrs, "service.instance.id"),
            AttrText(m, r0.attrs, "service.instance.id"));

  // Trace-scoped generators: user id, order id, cart size, tier, payment method.
  EXPECT_GE(sim::TraceScopedGenerators(m).size(), 4u);
}

TEST(BuiltinTopologies, OnlineShopCompiles) {
  Model m = LoadBuiltin("online-shop.yaml");
  size_t services = 0;
  for (const sim::Service& s : m.services) services += s.kind == sim::ServiceKind::kService;
  EXPECT_GE(services, 15u);
  for (std::string_view name :
       {"frontend-proxy", "frontend", "ad", "cart", "checkout", "currency", "email", "payment",
        "product-catalog", "quote", "recommendation", "shipping", "accounting", "fraud-detection",
        "image-provider", "product-reviews", "kafka", "valkey-cart", "postgresql"})
    EXPECT_NE(m.FindService(name), sim::kNone) << name;
  const sim::Operation& product = Op(m, "frontend.GET /product/:id");
  EXPECT_EQ(m.strings.Get(product.span_name), "GET /product/:id");
  EXPECT_EQ(AttrText(m, product.attrs, "http.route"), "/product/:id");
  EXPECT_EQ(AttrText(m, product.attrs, "url.path"), "");  // dynamic: never the route
  EXPECT_TRUE(HasDynamic(m, product.dynamic_attrs, "url.path"));
  EXPECT_TRUE(HasDynamic(m, product.client_dynamic_attrs, "url.full"));
  EXPECT_EQ(m.strings.Get(product.client_span_name), "GET");
  EXPECT_EQ(m.strings.Get(Op(m, "checkout.PlaceOrder").span_name),
            "oteldemo.CheckoutService/PlaceOrder");
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].consumers.size(), 2u);  // accounting and fraud-detection
  // Rare paths exist: some call with probability <= 0.02.
  bool rare = false;
  for (const sim::Operation& op : m.operations)
    for (const sim::Step& s : op.steps)
      rare |= s.kind == sim::Step::Kind::kCall && s.call.probability <= 0.02;
  EXPECT_TRUE(rare);
}

TEST(LoadTopologyFile, ReadsRealFiles) {
  auto r = LoadTopologyFile(std::string(TRACESIM_SOURCE_DIR) + "/topologies/checkout.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NE(r->source.find("checkout.yaml"), std::string::npos);
  auto shop = LoadTopologyFile(std::string(TRACESIM_SOURCE_DIR) + "/topologies/online-shop.yaml");
  EXPECT_TRUE(shop.ok()) << shop.status().message();
}

TEST(LoadTopologyFile, DocExampleLoads) {
  // The first ```yaml block of doc/topology.md must stay valid.
  std::ifstream in(std::string(TRACESIM_SOURCE_DIR) + "/doc/topology.md");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  size_t begin = doc.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  begin += 8;
  size_t end = doc.find("```", begin);
  auto r = LoadTopologyYaml(doc.substr(begin, end - begin), "topology.md");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->topics.size(), 1u);
  EXPECT_NE(r->FindOperationRef("postgres.SELECT order_items"), sim::kNone);
}

TEST(LoadTopologyFile, MissingFileIsNotFound) {
  auto r = LoadTopologyFile("/nonexistent/dir/topo.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/topo.yaml"), std::string::npos);
}

TEST(LoadTopologyFile, DirectoryIsIoError) {
  auto r = LoadTopologyFile(std::string(TRACESIM_SOURCE_DIR) + "/topologies");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kIoError);
}

// ---- the format ---------------------------------------------------------------------------------

TEST(Format, MinimalTopologyDefaults) {
  auto r = LoadTopologyYaml(kMinimal, "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Model& m = *r;
  ASSERT_EQ(m.services.size(), 1u);
  const sim::Service& s = m.services[0];
  EXPECT_EQ(s.instances, 1u);
  EXPECT_EQ(s.concurrency, 0u);
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(m.strings.Get(s.version), "1.0.0");
  EXPECT_NEAR(s.network_latency.Mean(), 200e3, 1);  // default 200us
  const sim::Resource& r0 = m.resources[s.resources[0]];
  EXPECT_EQ(AttrText(m, r0.attrs, "deployment.environment.name"), "production");
  EXPECT_EQ(AttrText(m, r0.attrs, "telemetry.sdk.language"), "go");
  const sim::Operation& op = m.operations[0];
  EXPECT_EQ(op.ok_status, 200);
  EXPECT_EQ(op.error_status, 500);
  EXPECT_TRUE(op.propagate_errors);
  ASSERT_EQ(op.steps.size(), 1u);
  EXPECT_NEAR(op.steps[0].work.Mean(), 1e6, 1);
}

TEST(Format, DistributionsAndCounts) {
  auto r = LoadTopologyYaml(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        steps:
          - work: {constant: 2ms}
          - work: {uniform: [1ms, 3ms]}
          - work: {min: 1ms, max: 3ms}
          - work: {normal: {mean: 5ms, stddev: 1ms}}
          - work: {exponential: {mean: 5ms}}
          - work: {exponential: 5ms}
          - work: {lognormal: {median: 2ms, p99: 9ms}}
          - work: {empirical: {p50: 10ms, p90: 30ms, p99: 120ms, p999: 400ms}}
          - call: b.GET /b
            count: {poisson: 3}
          - call: b.GET /b
            count: {uniform: [1, 5]}
          - call: b.GET /b
            count: 4
  - name: b
    operations:
      - name: GET /b
        work: 250us
)"),
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& st = r->operations[0].steps;
  using K = sim::Distribution::Kind;
  EXPECT_EQ(st[0].work.kind(), K::kConstant);
  EXPECT_EQ(st[1].work.kind(), K::kUniform);
  EXPECT_EQ(st[2].work.kind(), K::kUniform);
  EXPECT_EQ(st[3].work.kind(), K::kNormal);
  EXPECT_EQ(st[4].work.kind(), K::kExponential);
  EXPECT_EQ(st[5].work.kind(), K::kExponential);
  EXPECT_EQ(st[6].work.kind(), K::kLogNormal);
  EXPECT_NEAR(st[6].work.Quantile(0.99), 9e6, 1e3);
  EXPECT_EQ(st[7].work.kind(), K::kEmpirical);
  EXPECT_NEAR(st[7].work.Quantile(0.9), 30e6, 1e3);
  EXPECT_EQ(st[8].call.count.kind(), K::kPoisson);
  EXPECT_EQ(st[9].call.count.kind(), K::kUniform);
  EXPECT_NEAR(st[9].call.count.Mean(), 3, 0.01);
  EXPECT_EQ(st[10].call.count.kind(), K::kConstant);
  EXPECT_EQ(st[10].call.count.Mean(), 4);
}

TEST(Format, ShorthandCallsAndLiterals) {
  auto r = LoadTopologyYaml(Y(R"(
generators:
  tier: {kind: choice, choices: {free: 3, pro: 1}, per: trace}
  n: {kind: int, min: 1, max: 3}
  flag: {kind: bool, probability: 0.25}
  uid: {kind: id, prefix: "u-", cardinality: 10, skew: 1.1}
services:
  - name: a
    language: java
    operations:
      - name: GET /a
        attributes: {s: "42", i: 42, d: 1.5, b: true, t: text, g: {generator: n}}
        baggage: {tier: {generator: tier}, plan: gold}
        events:
          - {name: e1, at: end, probability: 0.5, attributes: {k: v}}
        work: 1ms
        calls:
          - b.Get
          - {call: b.Get, probability: 0.25}
  - name: b
    protocol: grpc
    operations:
      - name: Get
        work: 1ms
        status: OK
        error_status: 14
)"),
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Model& m = *r;
  const sim::Operation& a = m.operations[0];
  using T = sim::AttrValue::Type;
  auto type_of = [&](std::string_view key) {
    for (const sim::Attr& x : a.attrs)
      if (m.strings.Get(x.key) == key) return x.value.type;
    return T::kNone;
  };
  EXPECT_EQ(type_of("s"), T::kString);
  EXPECT_EQ(type_of("i"), T::kInt);
  EXPECT_EQ(type_of("d"), T::kDouble);
  EXPECT_EQ(type_of("b"), T::kBool);
  EXPECT_EQ(type_of("t"), T::kString);
  EXPECT_TRUE(HasDynamic(m, a.dynamic_attrs, "g"));
  EXPECT_EQ(a.baggage.size(), 2u);
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_TRUE(a.events[0].at_end);
  ASSERT_EQ(a.steps.size(), 3u);
  EXPECT_EQ(a.steps[2].call.probability, 0.25);
  EXPECT_EQ(m.strings.Get(a.scope_name), "io.opentelemetry.tomcat-10.0");
  const sim::Operation& b = m.operations[1];
  EXPECT_EQ(m.strings.Get(b.span_name), "BService/Get");  // derived rpc.service
  EXPECT_EQ(b.error_status, 14);
  EXPECT_EQ(m.services[1].port, 50051);
  ASSERT_GE(m.generators.size(), 4u);
  EXPECT_EQ(m.generators[0].scope, sim::AttrGenerator::Scope::kTrace);
  EXPECT_DOUBLE_EQ(m.generators[0].cumulative[0], 0.75);
  EXPECT_EQ(m.generators[3].skew, 1.1);
}

// ---- validation: one negative case per rule ---------------------------------------------------

TEST(Validation, UnknownKeysWithSuggestion) {
  std::string msg = Problems(Y(R"(
name: t
servces: []
services:
  - name: a
    operatons: []
    operations:
      - name: GET /a
        wrok: 1ms
        work: 1ms
)"));
  ExpectProblem(msg, 2, "servces", "unknown key 'servces' (did you mean 'services'?)");
  ExpectProblem(msg, 5, "services[0].operatons", "did you mean 'operations'?");
  ExpectProblem(msg, 8, "services[0].operations[0].wrok", "did you mean 'work'?");
  EXPECT_EQ(LineCount(msg), 3u) << msg;
}

TEST(Validation, WrongTypes) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    instances: many
    baggage_to_attributes: maybe
    resource: [1, 2]
    operations:
      - name: GET /a
        work: [1ms]
)"));
  ExpectProblem(msg, 3, "services[0].instances", "expected an integer, got 'many'");
  ExpectProblem(msg, 4, "services[0].baggage_to_attributes", "expected true or false");
  ExpectProblem(msg, 5, "services[0].resource", "expected a mapping, got a list");
  ExpectProblem(msg, 8, "services[0].operations[0].work", "expected a duration or a distribution");
}

TEST(Validation, MissingRequiredKeys) {
  std::string msg = Problems(Y(R"(
services:
  - version: 1.0.0
    operations: []
  - name: b
    operations:
      - work: 1ms
dependencies:
  - name: db
    operations:
      - name: SELECT x
        latency: 1ms
)"));
  ExpectProblem(msg, 2, "services[0]", "missing required key 'name'");
  ExpectProblem(msg, 6, "services[1].operations[0]", "missing required key 'name'");
  ExpectProblem(msg, 8, "dependencies[0]", "missing required key 'type'");
}

TEST(Validation, DuplicateNames) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        work: 1ms
      - name: GET /a
        work: 1ms
  - name: a
    name: again
    operations:
      - name: GET /b
        work: 1ms
)"));
  ExpectProblem(msg, 6, "services[0].operations[1].name", "duplicate operation 'GET /a'");
  ExpectProblem(msg, 8, "services[1].name", "duplicate service name 'a' (first defined at line 2)");
  ExpectProblem(msg, 9, "services[1].name", "duplicate key 'name'");
}

TEST(Validation, UnknownReferences) {
  std::string msg = Problems(Y(R"(
services:
  - name: cart
    protocol: grpc
    operations:
      - name: GetCart
        work: 1ms
  - name: gw
    operations:
      - name: GET /x
        attributes: {user: {generator: usr}}
        steps:
          - call: cart.GetKart
          - publish: ordres
          - call: nothing
dependencies:
  - name: kafka
    type: messaging
    system: kafka
    topics: [{name: orders}]
)"));
  ExpectProblem(msg, 10, "services[1].operations[0].attributes.user.generator",
                "unknown generator 'usr'");
  ExpectProblem(msg, 12, "services[1].operations[0].steps[0].call",
                "unknown operation 'cart.GetKart' (did you mean 'cart.GetCart'?)");
  ExpectProblem(msg, 13, "services[1].operations[0].steps[1].publish",
                "unknown topic 'ordres' (did you mean 'orders'?)");
  ExpectProblem(msg, 14, "services[1].operations[0].steps[2].call", "unknown operation 'nothing'");
}

TEST(Validation, CallsShorthandPath) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        calls:
          - b.GET /b
          - {call: b.GET /bb, probability: 0.5}
  - name: b
    operations:
      - name: GET /b
        work: 1ms
)"));
  ExpectProblem(msg, 7, "services[0].operations[0].calls[1].call",
                "unknown operation 'b.GET /bb' (did you mean 'b.GET /b'?)");
}

TEST(Validation, SyncCallCycles) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /x
        steps:
          - work: 1ms
          - call: b.GET /y
  - name: b
    operations:
      - name: GET /y
        steps:
          - parallel:
              - call: a.GET /x
  - name: c
    operations:
      - name: GET /self
        calls: [c.GET /self]
)"));
  ExpectProblem(msg, 7, "services[0].operations[0].steps[1].call",
                "synchronous call cycle: a.GET /x -> b.GET /y -> a.GET /x");
  ExpectProblem(msg, 17, "services[2].operations[0].calls[0]",
                "synchronous call cycle: c.GET /self -> c.GET /self");
  EXPECT_EQ(LineCount(msg), 2u) << msg;
}

TEST(Validation, AsyncPublishIsNotACycle) {
  auto r = LoadTopologyYaml(Y(R"(
services:
  - name: a
    operations:
      - name: POST /a
        steps: [{publish: t}]
  - name: b
    operations:
      - name: process t
        kind: consumer
        consumes: t
        steps: [{publish: t}, {call: a.POST /a}]
dependencies:
  - {name: k, type: messaging, system: kafka, topics: [{name: t}]}
)"),
                            "t.yaml");
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(Validation, NonPositiveTimes) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        steps:
          - work: 0
          - work: -2ms
          - work: {lognormal: {median: 0ms, p99: 9ms}}
          - work: {uniform: [0ms, 0ms]}
          - work: 5
dependencies:
  - name: db
    type: database
    system: postgresql
    operations:
      - name: SELECT x
        latency: 0s
)"));
  ExpectProblem(msg, 6, "services[0].operations[0].steps[0].work", "must be > 0");
  ExpectProblem(msg, 7, "services[0].operations[0].steps[1].work", "must not be negative");
  ExpectProblem(msg, 8, "services[0].operations[0].steps[2].work.lognormal.median", "must be > 0");
  ExpectProblem(msg, 9, "services[0].operations[0].steps[3].work.uniform[1]", "must be > 0");
  ExpectProblem(msg, 10, "services[0].operations[0].steps[4].work", "is not a duration");
  ExpectProblem(msg, 17, "dependencies[0].operations[0].latency", "must be > 0");
}

TEST(Validation, ProbabilitiesOutsideUnitInterval) {
  std::string msg = Problems(Y(R"(
generators:
  f: {kind: bool, probability: 2}
services:
  - name: a
    operations:
      - name: GET /a
        error_rate: 1.5
        events: [{name: e, probability: -0.1}]
        steps:
          - work: 1ms
            probability: 1.01
          - call: a.GET /b
            probability: -1
      - name: GET /b
        work: 1ms
)"));
  ExpectProblem(msg, 2, "generators.f.probability", "within [0, 1], got 2");
  ExpectProblem(msg, 7, "services[0].operations[0].error_rate", "within [0, 1], got 1.5");
  ExpectProblem(msg, 8, "services[0].operations[0].events[0].probability", "got -0.1");
  ExpectProblem(msg, 11, "services[0].operations[0].steps[0].probability", "got 1.01");
  ExpectProblem(msg, 13, "services[0].operations[0].steps[1].probability", "got -1");
}

TEST(Validation, EmptyTopology) {
  ExpectProblem(Problems("name: t\n"), 1, "", "empty topology: missing required key 'services'");
  ExpectProblem(Problems("name: t\nservices: []\n"), 2, "services", "at least one service");
  ExpectProblem(Problems(""), 1, "", "empty topology");
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations: []
)"));
  ExpectProblem(msg, 3, "services[0].operations", "at least one operation");
}

TEST(Validation, CapacityBounds) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    instances: 0
    concurrency: -1
    queue: -5
    load_balancing: fastest
    operations:
      - name: GET /a
        work: 1ms
dependencies:
  - name: db
    type: database
    system: postgresql
    capacity: {instances: 0}
    operations:
      - {name: SELECT x, latency: 1ms}
)"));
  ExpectProblem(msg, 3, "services[0].instances", "must be between 1 and 100000, got 0");
  ExpectProblem(msg, 4, "services[0].concurrency", "got -1");
  ExpectProblem(msg, 5, "services[0].queue", "got -5");
  ExpectProblem(msg, 6, "services[0].load_balancing", "unknown value 'fastest'");
  ExpectProblem(msg, 14, "dependencies[0].capacity.instances", "got 0");
}

TEST(Validation, ConsumersAndTopics) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: POST /a
        steps:
          - call: n.process orders
          - publish: orders
  - name: n
    operations:
      - name: process orders
        kind: consumer
        consumes: orders
        work: 1ms
      - name: process other
        kind: consumer
        consumes: ordrs
        work: 1ms
      - name: process none
        kind: consumer
        work: 1ms
      - name: GET /c
        consumes: orders
        work: 1ms
dependencies:
  - name: kafka
    type: messaging
    system: kafka
    topics: [{name: orders}]
)"));
  ExpectProblem(msg, 6, "services[0].operations[0].steps[0].call",
                "'n.process orders' is a consumer operation");
  ExpectProblem(msg, 16, "services[1].operations[1].consumes", "unknown topic 'ordrs'");
  ExpectProblem(msg, 18, "services[1].operations[2]", "missing required key 'consumes'");
  ExpectProblem(msg, 22, "services[1].operations[3].consumes", "needs 'kind: consumer'");
}

TEST(Validation, BadDistributions) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        steps:
          - work: {lognormal: {median: 9ms, p99: 2ms}}
          - work: {empirical: {p50: 30ms, p90: 10ms}}
          - work: {lognormal: {median: 2ms}}
          - work: {gamma: 3ms}
          - work: {constant: 1ms, uniform: [1ms, 2ms]}
          - work: {empirical: {p50: 1ms, q90: 2ms}}
          - call: a.GET /b
            count: {poisson: -1}
      - name: GET /b
        work: 1ms
)"));
  ExpectProblem(msg, 6, "steps[0].work.lognormal", "lognormal 'p99'");
  ExpectProblem(msg, 7, "steps[1].work.empirical", "empirical value");
  ExpectProblem(msg, 8, "steps[2].work.lognormal", "missing required key 'p99'");
  ExpectProblem(msg, 9, "steps[3].work.gamma", "unknown key 'gamma'");
  ExpectProblem(msg, 10, "steps[4].work", "exactly one of");
  ExpectProblem(msg, 11, "steps[5].work.empirical.q90", "expected percentiles");
  ExpectProblem(msg, 13, "steps[6].count.poisson", "poisson 'mean'");
}

TEST(Validation, StepShapes) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: GET /a
        steps:
          - {work: 1ms, call: a.GET /b}
          - {probability: 0.5}
          - {work: 1ms, count: 3}
          - parallel: []
          - span: {steps: [{work: 1ms}]}
      - name: GET /b
        work: 1ms
        steps: [{work: 1ms}]
      - name: GET /c
        attributes: {x: 1}
)"));
  ExpectProblem(msg, 6, "steps[0]", "exactly one of work, call, parallel, publish, span; found");
  ExpectProblem(msg, 7, "steps[1]", "a step needs one of");
  ExpectProblem(msg, 8, "steps[2].count", "'count' applies to call steps only");
  ExpectProblem(msg, 9, "steps[3].parallel", "at least one step");
  ExpectProblem(msg, 10, "steps[4].span", "missing required key 'name'");
  ExpectProblem(msg, 13, "services[0].operations[1].steps", "either 'steps' or the 'work'/'calls'");
  ExpectProblem(msg, 14, "services[0].operations[2]", "needs a program");
}

TEST(Validation, ProtocolDetails) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    language: pyton
    operations:
      - name: home
        work: 1ms
      - name: GET /x
        grpc: {service: X}
        work: 1ms
  - name: b
    protocol: grpc
    operations:
      - name: Get
        error_status: BROKEN
        work: 1ms
      - name: Put
        status: 200
        work: 1ms
dependencies:
  - name: api
    type: external
    operations:
      - {name: POST /v1, latency: 10ms}
  - name: db
    type: database
    system: mysql
    topics: []
    operations:
      - {name: SELECT t, latency: 1ms, http: {method: GET}}
)"));
  ExpectProblem(msg, 3, "services[0].language", "unknown value 'pyton' (did you mean 'python'?)");
  ExpectProblem(msg, 5, "services[0].operations[0].name", "needs a name such as 'GET /orders/:id'");
  ExpectProblem(msg, 8, "services[0].operations[1].grpc", "applies to grpc server operations only");
  ExpectProblem(msg, 14, "services[1].operations[0].error_status", "unknown value 'BROKEN'");
  ExpectProblem(msg, 17, "services[1].operations[1].status", "must be between 0 and 16");
  ExpectProblem(msg, 20, "dependencies[0]", "missing required key 'address'");
  ExpectProblem(msg, 27, "dependencies[1].topics", "messaging dependencies only");
  ExpectProblem(msg, 29, "dependencies[1].operations[0].http", "external dependencies only");
}

TEST(Validation, CallsToInternalOperations) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    operations:
      - name: nightly-report
        kind: internal
        work: 1s
      - name: GET /a
        calls: [a.nightly-report]
)"));
  ExpectProblem(msg, 8, "services[0].operations[1].calls[0]", "is an internal operation");
}

TEST(Validation, GeneratorRules) {
  std::string msg = Problems(Y(R"(
generators:
  a: {kind: id}
  b: {kind: int, min: 5, max: 1}
  c: {kind: choice, choices: {x: 0}}
  d: {kind: bool, prefix: p}
  e: {kind: uuid, per: request}
services:
  - name: s
    operations: [{name: GET /s, work: 1ms}]
)"));
  ExpectProblem(msg, 2, "generators.a", "missing required key 'cardinality'");
  ExpectProblem(msg, 3, "generators.b.max", "max (1) is below min (5)");
  ExpectProblem(msg, 4, "generators.c.choices.x", "a weight must be > 0");
  ExpectProblem(msg, 5, "generators.d.prefix", "does not apply to kind 'bool'");
  ExpectProblem(msg, 6, "generators.e.kind", "unknown value 'uuid'");
  ExpectProblem(msg, 6, "generators.e.per", "unknown value 'request'");
}

TEST(Validation, YamlSyntaxError) {
  std::string msg = Problems("services:\n  - name: a\n    operations: [\n");
  EXPECT_NE(msg.find("t.yaml:"), std::string::npos);
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

TEST(Validation, EveryProblemIsReportedSortedByLine) {
  std::string msg = Problems(Y(R"(
servics: []
services:
  - name: a
    instances: 0
    operations:
      - name: GET /a
        steps:
          - work: 0
          - call: b.GET /nope
          - work: 1ms
            probability: 7
)"));
  EXPECT_EQ(LineCount(msg), 5u) << msg;
  ExpectProblem(msg, 1, "servics", "unknown key");
  ExpectProblem(msg, 4, "services[0].instances", "got 0");
  ExpectProblem(msg, 8, "steps[0].work", "must be > 0");
  ExpectProblem(msg, 9, "steps[1].call", "unknown operation");
  ExpectProblem(msg, 11, "steps[2].probability", "got 7");
  EXPECT_LT(msg.find("t.yaml:1:"), msg.find("t.yaml:4:"));
  EXPECT_LT(msg.find("t.yaml:9:"), msg.find("t.yaml:11:"));
}

TEST(Validation, ColumnsAreOneBased) {
  std::string msg = Problems("services:\n  - name: a\n    instancez: 2\n    operations: []\n");
  EXPECT_NE(msg.find("t.yaml:3:5: services[0].instancez: unknown key"), std::string::npos) << msg;
}

}  // namespace
}  // namespace tracesim::topologies

namespace tracesim::topologies {
namespace {

TEST(Resilience, CallKeysCompileIntoTheModel) {
  auto r = LoadTopologyYaml(Y(R"(
services:
  - name: a
    rate_limit: {rps: 50, burst: 5}
    operations:
      - name: GET /a
        error_propagation: {error: 500, unavailable: 503, timeout: 504}
        steps:
          - call: b.GetB
            timeout: 250ms
            retry: {attempts: 4, backoff: 50ms, multiplier: 3, max_backoff: 2s, jitter: 0.1, on: [timeout, unavailable]}
            circuit_breaker: {failure_threshold: 0.6, window: 30, minimum_calls: 12, open_for: 15s, half_open_calls: 2}
          - call: b.GetB
            fallback: 3ms
          - {call: b.GetB, on_error: ignore, retry: 2, circuit_breaker: true}
  - name: b
    protocol: grpc
    operations:
      - name: GetB
        error_propagation: {timeout: UNAVAILABLE}
        calls:
          - {call: c.GET /c, timeout: 1s}
  - name: c
    operations:
      - name: GET /c
        work: 1ms
)"),
                            "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Model& m = *r;
  EXPECT_EQ(m.services[0].rate_limit_rps, 50);
  EXPECT_EQ(m.services[0].rate_limit_burst, 5);
  const sim::Operation& a = m.operations[m.FindOperationRef("a.GET /a")];
  EXPECT_EQ(a.status_on_error, 500);
  EXPECT_EQ(a.status_on_unavailable, 503);
  EXPECT_EQ(a.status_on_timeout, 504);
  const sim::CallSpec& c0 = a.steps[0].call;
  EXPECT_EQ(c0.timeout.nanos(), 250'000'000);
  EXPECT_EQ(c0.retry.max_attempts, 4u);
  EXPECT_EQ(c0.retry.initial_backoff.nanos(), 50'000'000);
  EXPECT_EQ(c0.retry.multiplier, 3);
  EXPECT_EQ(c0.retry.max_backoff.nanos(), 2'000'000'000);
  EXPECT_DOUBLE_EQ(c0.retry.jitter, 0.1);
  EXPECT_FALSE(c0.retry.on_error);
  EXPECT_TRUE(c0.retry.on_timeout && c0.retry.on_unavailable);
  EXPECT_TRUE(c0.breaker.enabled);
  EXPECT_DOUBLE_EQ(c0.breaker.failure_threshold, 0.6);
  EXPECT_EQ(c0.breaker.window, 30u);
  EXPECT_EQ(c0.breaker.minimum_calls, 12u);
  EXPECT_EQ(c0.breaker.open_duration.nanos(), 15'000'000'000);
  EXPECT_EQ(c0.breaker.half_open_calls, 2u);
  EXPECT_NE(c0.breaker_index, sim::kNone);
  const sim::CallSpec& c1 = a.steps[1].call;
  EXPECT_EQ(c1.on_error, sim::OnError::kFallback);
  EXPECT_NEAR(c1.fallback.Mean(), 3e6, 1);
  const sim::CallSpec& c2 = a.steps[2].call;
  EXPECT_EQ(c2.on_error, sim::OnError::kIgnore);
  EXPECT_EQ(c2.retry.max_attempts, 2u);
  EXPECT_TRUE(c2.breaker.enabled);
  EXPECT_EQ(m.breaker_count, 2u);
  const sim::Operation& b = m.operations[m.FindOperationRef("b.GetB")];
  EXPECT_EQ(b.status_on_timeout, 14);
  EXPECT_EQ(b.steps[0].call.timeout.nanos(), 1'000'000'000);
}

TEST(Resilience, BadResilienceKeysNameTheLine) {
  std::string msg = Problems(Y(R"(
services:
  - name: a
    rate_limit: {rps: 0}
    operations:
      - name: GET /a
        steps:
          - {work: 1ms, timeout: 1s}
          - {call: a.GET /b, timeout: 0}
          - {call: a.GET /b, retry: {attempts: 0}}
          - {call: a.GET /b, retry: {on: [errors]}}
          - {call: a.GET /b, circuit_breaker: {window: 5, minimum_calls: 9}}
          - {call: a.GET /b, on_error: propagate, fallback: 2ms}
          - {call: a.GET /b, on_error: explode}
          - {call: a.GET /b, retry: {multiplier: 0.5}}
      - name: GET /b
        work: 1ms
dependencies:
  - name: pg
    type: database
    system: postgresql
    rate_limit: {rps: 5}
)"));
  ExpectProblem(msg, 3, "services[0].rate_limit.rps", "rps must be > 0");
  ExpectProblem(msg, 7, "steps[0].timeout", "'timeout' applies to call steps only");
  ExpectProblem(msg, 8, "steps[1].timeout", "must be > 0");
  ExpectProblem(msg, 9, "steps[2].retry.attempts", "");
  ExpectProblem(msg, 10, "steps[3].retry.on[0]", "errors");
  ExpectProblem(msg, 11, "steps[4].circuit_breaker", "minimum_calls (9) exceeds window (5)");
  ExpectProblem(msg, 12, "steps[5].fallback", "'fallback' needs on_error: fallback");
  ExpectProblem(msg, 13, "steps[6].on_error", "explode");
  ExpectProblem(msg, 14, "steps[7].retry.multiplier", "must be >= 1");
  ExpectProblem(msg, 21, "dependencies[0].rate_limit", "unknown key 'rate_limit'");
}

// Issue 16 item 11: recursion without limits.
TEST(Limits, ASelfReferencingAliasInStepsIsAnErrorNotACrash) {
  const std::string msg = Problems(R"(name: a
services:
  - name: s
    protocol: grpc
    operations:
      - name: Get
        steps: &c [{parallel: *c}]
)");
  EXPECT_NE(msg.find("t.yaml:7:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("YAML nests deeper than 128 levels"), std::string::npos) << msg;
}

// One operation whose steps are `first` (anchor a0), then `levels` steps each a parallel of ten
// aliases of the one before: 10^levels copies of `first` once expanded.
std::string AliasLadder(const std::string& first, int levels) {
  std::string yaml =
      "name: b\nservices:\n  - name: s\n    protocol: grpc\n    operations:\n"
      "      - name: Get\n        steps:\n          - &a0 " +
      first + "\n";
  for (int i = 1; i <= levels; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "          - &a" + std::to_string(i) + " {parallel: [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", " : "") + prev;
    yaml += "]}\n";
  }
  return yaml;
}

TEST(Limits, NestedAliasesThatExpandBeyondTheBudgetAreAnErrorNamingIt) {
  const std::string msg = Problems(AliasLadder("{work: 1ms}", 12));
  EXPECT_NE(msg.find("expands to more than 1000000 nodes"), std::string::npos) << msg;
}

// Found by the topology fuzzer (a 575-byte file): aliases under the node budget that repeat one
// bad step 10^4 times here (~270,000 times there) gave a problem per copy: 571,688 lines, 134 MB
// of text and 852 MB of RSS. Only the first problems are kept; the rest are counted.
TEST(Limits, AMistakeRepeatedByAliasesIsReportedAHundredTimesAndCounted) {
  const std::string msg = Problems(AliasLadder("{wor: 1ms}", 4));
  EXPECT_EQ(LineCount(msg), 101u) << msg.substr(0, 300);
  EXPECT_NE(msg.find("t.yaml:8:13: services[0].operations[0].steps[0]: a step needs one of work, "
                     "call, parallel, publish, span"),
            std::string::npos)
      << msg.substr(0, 300);
  EXPECT_NE(msg.find("more problems not shown (only the first 100 are kept"), std::string::npos)
      << msg.substr(msg.size() - 300);
}

TEST(Limits, ALongChainOfCallsIsCheckedForCyclesWithoutRecursion) {
  // 50,000 services each calling the next: the recursive search overflowed the stack near
  // 30,000; the last one calls the first, closing one cycle through all of them.
  constexpr int kServices = 50'000;
  std::string yaml = "name: chain\nservices:\n";
  for (int i = 0; i < kServices; ++i) {
    yaml += "  - name: s" + std::to_string(i) +
            "\n    protocol: grpc\n    operations:\n      - name: Get\n        work: 1ms\n"
            "        calls: [s" +
            std::to_string((i + 1) % kServices) + ".Get]\n";
  }
  const std::string msg = Problems(yaml);
  EXPECT_EQ(LineCount(msg), 1u) << msg.substr(0, 300);
  EXPECT_NE(msg.find("synchronous call cycle: s0.Get -> s1.Get -> "), std::string::npos)
      << msg.substr(0, 300);
}

}  // namespace
}  // namespace tracesim::topologies
