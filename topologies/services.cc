// Pass 2 of the topology compiler: services and dependencies with their operations, attributes,
// statuses, events, baggage and topics (semantic conventions precomputed, topologies/semconv.h).
#include "topologies/compiler.h"

namespace tracesim::topologies::compiler {
namespace {

class ServiceBuilder : public Pass {
 public:
  explicit ServiceBuilder(CompileState& st) : Pass(st) {}

  // ---- pass 2: services -------------------------------------------------------------------------

  // instances/concurrency/queue/load_balancing, shared by services and dependency capacity.
  void ParseCapacity(const Fields& f, sim::Service& s) {
    if (const Val* v = f.Get("instances"))
      if (auto n = Int(*v, 1, 100000)) s.instances = static_cast<uint32_t>(*n);
    if (const Val* v = f.Get("concurrency"))
      if (auto n = Int(*v, 0, 1000000)) s.concurrency = static_cast<uint32_t>(*n);
    s.queue_capacity = kUnlimitedQueue;
    if (const Val* v = f.Get("queue")) {
      if (v->node.IsScalar() && v->node.Scalar() == "unlimited") {
        s.queue_capacity = kUnlimitedQueue;
      } else if (auto n = Int(*v, 0, 100000000)) {
        s.queue_capacity = static_cast<uint32_t>(*n);
      }
    }
    if (const Val* v = f.Get("load_balancing")) {
      static const Keys kLb = {"round_robin", "random", "least_outstanding"};
      if (auto lb = Choice(*v, kLb)) s.load_balancing = static_cast<sim::LoadBalancing>(*lb);
    }
  }

  std::optional<uint32_t> GeneratorRef(const Val& v) {
    Fields f(diag_, v, &kGeneratorRefKeys);
    const Val* g = Require(f, "generator");
    if (g == nullptr) return std::nullopt;
    auto name = Str(*g);
    if (!name) return std::nullopt;
    auto it = generator_index_.find(*name);
    if (it == generator_index_.end()) {
      r_.Error(*g, "unknown generator " + Quote(*name) + DidYouMean(*name, generator_names_));
      return std::nullopt;
    }
    return it->second;
  }

  // `key: literal` or `key: {generator: name}` entries.
  void ParseAttributes(const Val& v, std::vector<Attr>& attrs,
                       std::vector<sim::DynamicAttr>& dynamic) {
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      StrId key = S(e.key);
      if (e.value.node.IsMap()) {
        auto g = GeneratorRef(e.value);
        if (!g) continue;
        std::erase_if(attrs, [&](const Attr& a) { return a.key == key; });
        std::erase_if(dynamic, [&](const sim::DynamicAttr& d) { return d.key == key; });
        dynamic.push_back({key, *g});
      } else if (auto lit = Literal(e.value)) {
        std::erase_if(dynamic, [&](const sim::DynamicAttr& d) { return d.key == key; });
        SetAttr(attrs, e.key, *lit);
      }
    }
  }

  // A generator created by the compiler (ids in URLs, literal baggage).
  uint32_t AutoGenerator(sim::AttrGenerator g) {
    m_.generators.push_back(std::move(g));
    return static_cast<uint32_t>(m_.generators.size() - 1);
  }

  // `key` = base + route; a route whose only parameter is its last segment gets an id
  // generator ("/orders/" + 1..10000), other parameters are filled with "1".
  void AddPathAttr(std::vector<Attr>& attrs, std::vector<sim::DynamicAttr>& dynamic,
                   std::string_view key, const std::string& base, const std::string& route) {
    std::vector<std::string_view> segs = Segments(route);
    size_t params = std::count_if(segs.begin(), segs.end(), IsParam);
    if (params == 0) {
      SetAttr(attrs, key, Vs(base + route));
      return;
    }
    if (params == 1 && IsParam(segs.back())) {
      sim::AttrGenerator g;
      std::string prefix = base + route.substr(0, route.size() - segs.back().size());
      g.name = S("auto:" + std::string(key) + ":" + prefix);
      g.kind = sim::AttrGenerator::Kind::kIdPool;
      g.prefix = S(prefix);
      g.cardinality = 10000;
      dynamic.push_back({S(key), AutoGenerator(std::move(g))});
      return;
    }
    std::string filled;
    for (size_t i = 0; i < segs.size(); ++i) {
      if (i) filled += "/";
      filled += IsParam(segs[i]) ? std::string("1") : std::string(segs[i]);
    }
    SetAttr(attrs, key, Vs(base + filled));
  }

  // HTTP method and route: from `http: {method, route}` or a name such as "GET /orders/:id".
  bool HttpDetails(const Fields& f, const std::string& name, std::string* method,
                   std::string* route) {
    bool from_name = SplitHttpName(name, method, route);
    if (const Val* h = f.Get("http")) {
      Fields hf(diag_, *h, &kHttpKeys);
      if (const Val* m = hf.Get("method")) {
        if (auto i = Choice(At(m->node, m->path, *m), kHttpMethods)) *method = kHttpMethods[*i];
      } else if (!from_name) {
        *method = "GET";
      }
      if (const Val* r = hf.Get("route")) {
        auto s = Str(*r);
        if (s && (s->empty() || (*s)[0] != '/')) r_.Error(*r, "a route starts with '/'");
        if (s) *route = *s;
        from_name = true;
      }
      if (!from_name && hf.ok()) {
        r_.Error(*h, "missing required key 'route'");
        return false;
      }
      return hf.ok();
    }
    if (!from_name) {
      r_.Error(*f.Get("name"),
               "an http operation needs a name such as 'GET /orders/:id' or an "
               "'http: {method, route}' key");
    }
    return from_name;
  }

  void ParseStatus(const Fields& f, sim::Operation& op) {
    bool grpc = op.protocol == sim::Protocol::kGrpc;
    bool http = op.protocol == sim::Protocol::kHttp;
    if (grpc) {
      op.ok_status = 0;
      op.error_status = 13;  // INTERNAL
    } else if (!http) {
      op.ok_status = 0;
      op.error_status = 0;
    }
    auto code = [&](const Val& v) -> std::optional<int> {
      if (http) {
        auto n = Int(v, 100, 599);
        return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
      }
      if (v.node.IsScalar()) {
        if (auto n = ParseInt(v.node.Scalar())) {
          auto c = Int(v, 0, 16);
          return c ? std::optional<int>(static_cast<int>(*c)) : std::nullopt;
        }
        Keys names;
        for (int c = 0; c <= 16; ++c) names.emplace_back(sim::GrpcCodeName(c));
        if (auto c = Choice(v, names)) return static_cast<int>(*c);
        return std::nullopt;
      }
      r_.Error(v, "expected a gRPC status code (0..16 or a name such as UNAVAILABLE), got " +
                      Show(v.node));
      return std::nullopt;
    };
    if (const Fields::Entry* e = f.Find("error_propagation")) {
      if (!http && !grpc) {
        r_.Error(e->key_val, "'error_propagation' applies to http and grpc operations only");
      } else {
        Fields pf(diag_, e->value, &kPropagationKeys);
        if (const Val* v = pf.Get("error"))
          if (auto c = code(*v)) op.status_on_error = *c;
        if (const Val* v = pf.Get("unavailable"))
          if (auto c = code(*v)) op.status_on_unavailable = *c;
        if (const Val* v = pf.Get("timeout"))
          if (auto c = code(*v)) op.status_on_timeout = *c;
      }
    }
    for (std::string_view key : {"status", "error_status"}) {
      const Fields::Entry* e = f.Find(key);
      if (e == nullptr) continue;
      if (!http && !grpc) {
        r_.Error(e->key_val, Quote(key) + " applies to http and grpc operations only");
        continue;
      }
      if (auto c = code(e->value)) (key == "status" ? op.ok_status : op.error_status) = *c;
    }
    if (const Val* v = f.Get("error_rate"))
      if (auto p = Probability(*v)) op.error_rate = *p;
    if (const Val* v = f.Get("error_type"))
      if (auto s = Str(*v)) op.error_type = S(*s);
    if (const Val* v = f.Get("error_message"))
      if (auto s = Str(*v)) op.error_message = S(*s);
  }

  void BuildService(const ServiceDecl& d) {
    const Fields& f = d.f;
    sim::Service& s = m_.services[d.service];
    ServiceCtx ctx;
    ctx.name = std::string(m_.strings.Get(s.name));
    s.kind = sim::ServiceKind::kService;
    std::string version = "1.0.0";
    if (const Val* v = f.Get("version"))
      if (auto x = Str(*v)) version = *x;
    s.version = ctx.version = S(version);
    ctx.lang = FindLanguage("go");
    if (const Val* v = f.Get("language")) {
      Keys names = LanguageNames();
      if (auto i = Choice(*v, names)) ctx.lang = FindLanguage(names[*i]);
    }
    ParseCapacity(f, s);
    if (const Val* v = f.Get("rate_limit")) {
      Fields rf(diag_, *v, &kRateLimitKeys);
      if (const Val* r = Require(rf, "rps")) {
        auto x = Number(*r);
        if (x && *x <= 0) r_.Error(*r, "rps must be > 0, got " + r->node.Scalar());
        if (x && *x > 0) s.rate_limit_rps = *x;
      }
      if (const Val* b = rf.Get("burst")) {
        auto x = Number(*b);
        if (x && *x < 1) r_.Error(*b, "burst must be >= 1, got " + b->node.Scalar());
        if (x && *x >= 1) s.rate_limit_burst = *x;
      }
    }
    if (const Val* v = f.Get("protocol")) {
      static const Keys kProto = {"http", "grpc"};
      if (auto p = Choice(*v, kProto))
        ctx.protocol = *p ? sim::Protocol::kGrpc : sim::Protocol::kHttp;
    }
    ctx.port = ctx.protocol == sim::Protocol::kGrpc ? 50051 : 8080;
    if (const Val* v = f.Get("port"))
      if (auto n = Int(*v, 1, 65535)) ctx.port = static_cast<int>(*n);
    ctx.address = ctx.name;
    if (const Val* v = f.Get("address"))
      if (auto x = Str(*v)) ctx.address = *x;
    ctx.grpc_service = PascalCase(ctx.name) + "Service";
    if (const Val* v = f.Get("grpc_service"))
      if (auto x = Str(*v)) ctx.grpc_service = *x;
    s.port = ctx.port;
    s.address = S(ctx.address);
    s.network_latency = default_net_;
    if (const Val* v = f.Get("network_latency"))
      if (auto dist = Dist(*v, Need::kNonNegative)) s.network_latency = *dist;
    if (const Val* v = f.Get("baggage_to_attributes"))
      if (auto b = Bool(*v)) s.baggage_to_attributes = *b;
    std::vector<Attr> user_resource;
    if (const Val* v = f.Get("resource")) user_resource = ParseLiteralMap(*v);

    const Val* ops = Require(f, "operations");
    if (ops && ops->node.IsSequence() && ops->node.size() == 0)
      r_.Error(*ops, "a service needs at least one operation");
    for (const OpDecl& od : d.ops) BuildOperation(ctx, od);

    for (uint32_t i = 0; i < s.instances; ++i) {
      sim::Resource r;
      r.service = d.service;
      r.instance = i;
      std::string host = HostName(ctx.name, i);
      r.host = S(host);
      SetAttr(r.attrs, "service.name", Vs(ctx.name));
      SetAttr(r.attrs, "service.version", Vs(version));
      SetAttr(r.attrs, "service.instance.id", Vs(ServiceInstanceId(ctx.name, i)));
      SetAttr(r.attrs, "host.name", Vs(host));
      SetAttr(r.attrs, "deployment.environment.name", Vs(environment_));
      SetAttr(r.attrs, "telemetry.sdk.name", Vs("opentelemetry"));
      SetAttr(r.attrs, "telemetry.sdk.language", Vs(ctx.lang->name));
      SetAttr(r.attrs, "telemetry.sdk.version", Vs(ctx.lang->sdk_version));
      for (const Attr& a : user_resource) SetAttr(r.attrs, m_.strings.Get(a.key), a.value);
      s.resources.push_back(static_cast<uint32_t>(m_.resources.size()));
      m_.resources.push_back(std::move(r));
    }
  }

  // One operation: kind, protocol, span names and the semantic-convention attributes of each kind
  // (the Build*Op functions below, side by side so their attribute sets can be compared with
  // doc/topology.md#compiled-semantic-conventions).
  void BuildOperation(const ServiceCtx& ctx, const OpDecl& od) {
    const Fields& f = od.f;
    sim::Operation& op = m_.operations[od.op];
    static const Keys kKinds = {"server", "consumer", "internal"};
    size_t kind = 0;
    if (const Val* v = f.Get("kind"))
      if (auto k = Choice(*v, kKinds)) kind = *k;
    op.protocol = ctx.protocol;
    if (const Fields::Entry* e = f.Find("protocol")) {
      static const Keys kProto = {"http", "grpc"};
      if (kind != 0) {
        r_.Error(e->key_val, "'protocol' applies to server operations only");
      } else if (auto p = Choice(e->value, kProto)) {
        op.protocol = *p ? sim::Protocol::kGrpc : sim::Protocol::kHttp;
      }
    }
    auto only = [&](std::string_view key, bool applies, std::string_view why) {
      if (const Fields::Entry* e = f.Find(key); e && !applies)
        r_.Error(e->key_val, Quote(key) + " " + std::string(why));
    };
    only("http", kind == 0 && op.protocol == sim::Protocol::kHttp,
         "applies to http server operations only");
    only("grpc", kind == 0 && op.protocol == sim::Protocol::kGrpc,
         "applies to grpc server operations only");
    only("consumes", kind == 1, "needs 'kind: consumer'");

    if (kind == 0 && op.protocol == sim::Protocol::kHttp) {
      BuildHttpServerOp(ctx, f, op);
    } else if (kind == 0) {
      BuildGrpcServerOp(ctx, f, op);
    } else if (kind == 1) {
      BuildConsumerOp(ctx, od, op);
    } else {  // internal
      op.kind = sim::SpanKind::kInternal;
      op.protocol = sim::Protocol::kInternal;
      op.span_name = op.name;
      SetScope(ctx, "", "", op);
    }

    if (const Val* v = f.Get("attributes")) ParseAttributes(*v, op.attrs, op.dynamic_attrs);
    if (const Val* v = f.Get("events")) ParseEvents(*v, op.events);
    if (const Val* v = f.Get("baggage")) ParseBaggage(*v, op.baggage);
    ParseStatus(f, op);
    if (const Val* v = f.Get("propagate_errors"))
      if (auto b = Bool(*v)) op.propagate_errors = *b;
    compiler::ParseProgram(st_, f, od.op);
  }

  // The instrumentation scope of an operation; an empty name is manual instrumentation (a tracer
  // named after the service).
  void SetScope(const ServiceCtx& ctx, std::string_view name, std::string_view version,
                sim::Operation& op) {
    if (name.empty()) {
      op.scope_name = S(ctx.name);
      op.scope_version = ctx.version;
    } else {
      op.scope_name = S(name);
      op.scope_version = S(version);
    }
  }

  void BuildHttpServerOp(const ServiceCtx& ctx, const Fields& f, sim::Operation& op) {
    const std::string name(m_.strings.Get(op.name));
    const std::string port = std::to_string(ctx.port);
    op.kind = sim::SpanKind::kServer;
    std::string method = "GET", route = "/";
    HttpDetails(f, name, &method, &route);
    op.span_name = S(method + " " + route);
    SetAttr(op.attrs, "http.request.method", Vs(method));
    SetAttr(op.attrs, "http.route", Vs(route));
    AddPathAttr(op.attrs, op.dynamic_attrs, "url.path", "", route);
    SetAttr(op.attrs, "url.scheme", Vs("http"));
    SetAttr(op.attrs, "server.address", Vs(ctx.address));
    SetAttr(op.attrs, "server.port", AttrValue::Int(ctx.port));
    SetAttr(op.attrs, "network.protocol.version", Vs("1.1"));
    op.client_span_name = S(method);
    SetAttr(op.client_attrs, "http.request.method", Vs(method));
    SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
    SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
    AddPathAttr(op.client_attrs, op.client_dynamic_attrs, "url.full",
                "http://" + ctx.address + ":" + port, route);
    SetAttr(op.client_attrs, "network.protocol.version", Vs("1.1"));
    SetScope(ctx, ctx.lang->http_scope, ctx.lang->http_scope_version, op);
  }

  void BuildGrpcServerOp(const ServiceCtx& ctx, const Fields& f, sim::Operation& op) {
    const std::string name(m_.strings.Get(op.name));
    op.kind = sim::SpanKind::kServer;
    std::string service = ctx.grpc_service, method = name;
    if (size_t slash = name.rfind('/'); slash != std::string::npos) {
      service = name.substr(0, slash);
      method = name.substr(slash + 1);
    }
    if (const Val* g = f.Get("grpc")) {
      Fields gf(diag_, *g, &kGrpcKeys);
      if (const Val* v = gf.Get("service"))
        if (auto x = Str(*v)) service = *x;
      if (const Val* v = gf.Get("method"))
        if (auto x = Str(*v)) method = *x;
    }
    op.span_name = op.client_span_name = S(service + "/" + method);
    for (auto* attrs : {&op.attrs, &op.client_attrs}) {
      SetAttr(*attrs, "rpc.system", Vs("grpc"));
      SetAttr(*attrs, "rpc.service", Vs(service));
      SetAttr(*attrs, "rpc.method", Vs(method));
    }
    SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
    SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
    SetScope(ctx, ctx.lang->grpc_scope, ctx.lang->grpc_scope_version, op);
  }

  void BuildConsumerOp(const ServiceCtx& ctx, const OpDecl& od, sim::Operation& op) {
    op.kind = sim::SpanKind::kConsumer;
    op.protocol = sim::Protocol::kMessaging;
    if (const Val* c = Require(od.f, "consumes")) {
      if (auto topic = Str(*c)) {
        auto it = topic_index_.find(*topic);
        if (it == topic_index_.end()) {
          r_.Error(*c, "unknown topic " + Quote(*topic) + DidYouMean(*topic, topic_names_));
        } else {
          consumes_[od.op] = it->second;
          const sim::Topic& t = m_.topics[it->second];
          op.span_name = S("process " + *topic);
          SetAttr(op.attrs, "messaging.system", AttrValue::String(broker_system_[t.broker]));
          SetAttr(op.attrs, "messaging.destination.name", Vs(*topic));
          SetAttr(op.attrs, "messaging.operation.type", Vs("process"));
          SetAttr(op.attrs, "messaging.operation.name", Vs("process"));
          SetAttr(op.attrs, "messaging.consumer.group.name", Vs(ctx.name));
        }
      }
    }
    SetScope(ctx, ctx.lang->messaging_scope, ctx.lang->messaging_scope_version, op);
  }

  void ParseEvents(const Val& v, std::vector<sim::EventSpec>& out) {
    if (!v.node.IsSequence()) {
      r_.Error(v, "expected a list of events, got " + Show(v.node));
      return;
    }
    for (size_t i = 0; i < v.node.size(); ++i) {
      Fields f(diag_, At(v.node[i], Index(v.path, i), v), &kEventKeys);
      if (!f.ok()) continue;
      sim::EventSpec e;
      if (auto n = Name(f)) e.name = S(*n);
      if (const Val* p = f.Get("probability"))
        if (auto x = Probability(*p)) e.probability = *x;
      if (const Val* a = f.Get("at")) {
        static const Keys kAt = {"start", "end"};
        if (auto x = Choice(*a, kAt)) e.at_end = *x == 1;
      }
      if (const Val* a = f.Get("attributes")) e.attrs = ParseLiteralMap(*a);
      out.push_back(std::move(e));
    }
  }

  void ParseBaggage(const Val& v, std::vector<sim::DynamicAttr>& out) {
    Fields f(diag_, v, nullptr);
    for (const auto& e : f.entries()) {
      if (e.value.node.IsMap()) {
        if (auto g = GeneratorRef(e.value)) out.push_back({S(e.key), *g});
      } else if (auto lit = Literal(e.value)) {  // a constant: a one-choice generator
        sim::AttrGenerator g;
        g.name = S("auto:baggage:" + e.key);
        g.kind = sim::AttrGenerator::Kind::kWeighted;
        g.choices = {*lit};
        g.cumulative = {1.0};
        out.push_back({S(e.key), AutoGenerator(std::move(g))});
      }
    }
  }
};

// Dependencies (databases, caches, external APIs, brokers) reuse the services' capacity and
// status readers.
class DependencyBuilder : public ServiceBuilder {
 public:
  explicit DependencyBuilder(CompileState& st) : ServiceBuilder(st) {}

  // ---- dependencies -------------------------------------------------------------------------

  void BuildDependency(const ServiceDecl& d) {
    const Fields& f = d.f;
    sim::Service& s = m_.services[d.service];
    ServiceCtx ctx;
    ctx.name = std::string(m_.strings.Get(s.name));
    static const Keys kTypes = {"database", "cache", "external", "messaging"};
    std::optional<size_t> type;
    if (const Val* v = Require(f, "type")) type = Choice(*v, kTypes);
    ctx.type = type ? kTypes[*type] : "";
    s.kind = type ? static_cast<sim::ServiceKind>(*type + 1) : sim::ServiceKind::kDatabase;
    const bool external = ctx.type == "external";
    const bool messaging = ctx.type == "messaging";
    const bool db = ctx.type == "database" || ctx.type == "cache";

    if (const Val* v = f.Get("system")) {
      if (auto x = Str(*v)) ctx.system = *x;
      if (external) r_.Error(*v, "'system' does not apply to external dependencies");
    } else if (type && !external) {
      r_.Error(f.self(), "missing required key 'system' (e.g. postgresql, redis, kafka)");
    }
    broker_system_[d.service] = S(ctx.system);
    ctx.address = ctx.name;
    if (const Val* v = f.Get("address")) {
      if (auto x = Str(*v)) ctx.address = *x;
    } else if (external) {
      r_.Error(f.self(), "missing required key 'address' (the API host, e.g. api.stripe.com)");
    }
    static const std::map<std::string, int> kPorts = {
        {"postgresql", 5432}, {"mysql", 3306},      {"mariadb", 3306},      {"redis", 6379},
        {"valkey", 6379},     {"memcached", 11211}, {"mongodb", 27017},     {"cassandra", 9042},
        {"kafka", 9092},      {"rabbitmq", 5672},   {"elasticsearch", 9200}};
    ctx.port = external ? 443 : 0;
    if (auto it = kPorts.find(ctx.system); it != kPorts.end()) ctx.port = it->second;
    if (const Val* v = f.Get("port"))
      if (auto n = Int(*v, 1, 65535)) ctx.port = static_cast<int>(*n);
    if (const Fields::Entry* e = f.Find("namespace")) {
      if (!db) r_.Error(e->key_val, "'namespace' applies to databases and caches only");
      if (auto x = Str(e->value)) ctx.ns = *x;
    }
    s.address = S(ctx.address);
    s.port = ctx.port;
    s.network_latency = external ? Distribution::Constant(0) : default_net_;
    if (const Val* v = f.Get("network_latency"))
      if (auto dist = Dist(*v, Need::kNonNegative)) s.network_latency = *dist;
    s.queue_capacity = kUnlimitedQueue;
    if (const Val* v = f.Get("capacity")) {
      Fields cf(diag_, *v, &kCapacityKeys);
      ParseCapacity(cf, s);
    }

    const Fields::Entry* ops = f.Find("operations");
    const Fields::Entry* topics = f.Find("topics");
    if (messaging) {
      if (ops) r_.Error(ops->key_val, "a messaging dependency declares 'topics', not 'operations'");
      if (!topics) r_.Error(f.self(), "missing required key 'topics'");
      if (topics && topics->value.node.IsSequence() && topics->value.node.size() == 0)
        r_.Error(topics->value, "a messaging dependency needs at least one topic");
    } else if (type) {
      if (topics) r_.Error(topics->key_val, "'topics' applies to messaging dependencies only");
      if (!ops) r_.Error(f.self(), "missing required key 'operations'");
      if (ops && ops->value.node.IsSequence() && ops->value.node.size() == 0)
        r_.Error(ops->value, "a dependency needs at least one operation");
    }
    for (const OpDecl& od : d.ops) BuildDependencyOperation(ctx, od);
    for (const auto& [tf, t] : d.topics) BuildTopic(ctx, tf, t);

    for (uint32_t i = 0; i < s.instances; ++i) {  // peers only: no spans are recorded under these
      sim::Resource r;
      r.service = d.service;
      r.instance = i;
      std::string host = HostName(ctx.name, i);
      r.host = S(host);
      SetAttr(r.attrs, "service.name", Vs(ctx.name));
      SetAttr(r.attrs, "host.name", Vs(host));
      SetAttr(r.attrs, "deployment.environment.name", Vs(environment_));
      s.resources.push_back(static_cast<uint32_t>(m_.resources.size()));
      m_.resources.push_back(std::move(r));
    }
  }

  void BuildDependencyOperation(const ServiceCtx& ctx, const OpDecl& od) {
    const Fields& f = od.f;
    sim::Operation& op = m_.operations[od.op];
    std::string name(m_.strings.Get(op.name));
    op.kind = sim::SpanKind::kClient;
    op.emits_span = false;
    const bool external = ctx.type == "external";
    auto only = [&](std::string_view key, bool applies, std::string_view why) {
      if (const Fields::Entry* e = f.Find(key); e && !applies)
        r_.Error(e->key_val, Quote(key) + " " + std::string(why));
    };
    only("http", external, "applies to external dependencies only");
    for (std::string_view k : {"operation", "collection", "query"})
      only(k, !external, "applies to databases and caches only");

    if (external) {
      op.protocol = sim::Protocol::kHttp;
      std::string method = "GET", route = "/";
      HttpDetails(f, name, &method, &route);
      op.client_span_name = S(method);
      SetAttr(op.client_attrs, "http.request.method", Vs(method));
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
      std::string base = "https://" + ctx.address;
      if (ctx.port != 443) base += ":" + std::to_string(ctx.port);
      AddPathAttr(op.client_attrs, op.client_dynamic_attrs, "url.full", base, route);
    } else {
      op.protocol = ctx.type == "cache" ? sim::Protocol::kCache : sim::Protocol::kDb;
      std::string operation = name, collection;
      if (size_t sp = name.find(' '); sp != std::string::npos) {
        operation = name.substr(0, sp);
        std::string rest = name.substr(sp + 1);
        if (rest.find(' ') == std::string::npos) collection = rest;
      }
      if (const Val* v = f.Get("operation"))
        if (auto x = Str(*v)) operation = *x;
      if (const Val* v = f.Get("collection"))
        if (auto x = Str(*v)) collection = *x;
      op.client_span_name = S(collection.empty() ? operation : operation + " " + collection);
      SetAttr(op.client_attrs, "db.system.name", Vs(ctx.system));
      if (!ctx.ns.empty()) SetAttr(op.client_attrs, "db.namespace", Vs(ctx.ns));
      SetAttr(op.client_attrs, "db.operation.name", Vs(operation));
      if (!collection.empty()) SetAttr(op.client_attrs, "db.collection.name", Vs(collection));
      if (const Val* v = f.Get("query"))
        if (auto x = Str(*v)) SetAttr(op.client_attrs, "db.query.text", Vs(*x));
      SetAttr(op.client_attrs, "server.address", Vs(ctx.address));
      if (ctx.port) SetAttr(op.client_attrs, "server.port", AttrValue::Int(ctx.port));
    }
    op.span_name = op.client_span_name;
    if (const Val* v = f.Get("attributes"))
      ParseAttributes(*v, op.client_attrs, op.client_dynamic_attrs);
    ParseStatus(f, op);
    if (const Val* v = Require(f, "latency")) {
      if (auto d = Dist(*v, Need::kPositive)) {
        sim::Step s;
        s.kind = sim::Step::Kind::kWork;
        s.work = *d;
        op.steps.push_back(std::move(s));
      }
    }
  }

  void BuildTopic(const ServiceCtx& ctx, const Fields& f, uint32_t index) {
    sim::Topic& t = m_.topics[index];
    std::string name(m_.strings.Get(t.name));
    if (const Val* v = f.Get("publish_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) t.publish_latency = *d;
    if (const Val* v = f.Get("delivery_latency"))
      if (auto d = Dist(*v, Need::kNonNegative)) t.delivery_latency = *d;
    t.producer_span_name = S("publish " + name);
    SetAttr(t.producer_attrs, "messaging.system", Vs(ctx.system));
    SetAttr(t.producer_attrs, "messaging.destination.name", Vs(name));
    SetAttr(t.producer_attrs, "messaging.operation.type", Vs("send"));
    SetAttr(t.producer_attrs, "messaging.operation.name", Vs("publish"));
    SetAttr(t.producer_attrs, "server.address", Vs(ctx.address));
    if (ctx.port) SetAttr(t.producer_attrs, "server.port", AttrValue::Int(ctx.port));
  }
};

}  // namespace

void BuildService(CompileState& st, const ServiceDecl& d) { ServiceBuilder(st).BuildService(d); }
void BuildDependency(CompileState& st, const ServiceDecl& d) {
  DependencyBuilder(st).BuildDependency(d);
}

}  // namespace tracesim::topologies::compiler
