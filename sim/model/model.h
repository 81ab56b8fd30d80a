// Model: the compiled, immutable description of a simulated system.
//
// topologies/ builds a Model from YAML (validating it and keeping file positions for errors);
// the Simulation only reads it. Everything a span needs at run time is precomputed here: span
// names, semantic-convention attributes, resources, interned strings, so the hot path copies
// ids and never formats text. Indices (uint32_t) link the parts: Operation::service is an index
// into Model::services, CallSpec::target into Model::operations, and so on.
// Thread-compatible: immutable after Finalize(), safe to share between threads.
#ifndef TRACESIM_SIM_MODEL_H_
#define TRACESIM_SIM_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/distribution.h"
#include "sim/base/rng.h"
#include "sim/base/status.h"
#include "sim/base/strings.h"
#include "sim/base/time.h"
#include "sim/model/attributes.h"

namespace tracesim::sim {

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

// OTLP Span.SpanKind values. NOTE: wire values; do not renumber.
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};

// OTLP Status.StatusCode values. NOTE: wire values; do not renumber.
enum class StatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// How an operation is reached; drives attributes and the status-code attribute.
enum class Protocol : uint8_t {
  kHttp = 0,
  kGrpc = 1,
  kDb = 2,
  kCache = 3,
  kMessaging = 4,
  kInternal = 5
};

enum class ServiceKind : uint8_t {
  kService = 0,    // instrumented: SERVER/CONSUMER spans of its own
  kDatabase = 1,   // leaf: only the caller's CLIENT span exists
  kCache = 2,      // leaf
  kExternal = 3,   // leaf: third-party API (stripe)
  kMessaging = 4,  // leaf: broker (kafka); carries topics
};

enum class LoadBalancing : uint8_t { kRoundRobin = 0, kRandom = 1, kLeastOutstanding = 2 };

// Draws attribute values: ids with a cardinality, integer ranges, weighted choices, booleans.
struct AttrGenerator {
  enum class Kind : uint8_t {
    kIdPool = 0,    // prefix + integer in [1, cardinality]; uniform, or Zipf when skew > 0
    kIntRange = 1,  // integer uniform in [min, max]
    kWeighted = 2,  // one of `choices`, by weight
    kBool = 3,      // true with `probability`
  };
  // A kTrace generator is drawn once per trace and shared by every span that uses it (a user id
  // is the same across a checkout); kSpan draws per span.
  enum class Scope : uint8_t { kSpan = 0, kTrace = 1 };

  StrId name = kEmptyStr;
  Kind kind = Kind::kIdPool;
  Scope scope = Scope::kSpan;
  StrId prefix = kEmptyStr;        // kIdPool; when empty the value is an int
  uint64_t cardinality = 1;        // kIdPool
  double skew = 0;                 // kIdPool: Zipf exponent s (0 = uniform)
  int64_t min = 0, max = 0;        // kIntRange
  std::vector<AttrValue> choices;  // kWeighted
  std::vector<double> cumulative;  // kWeighted: cumulative weights, last = 1
  double probability = 0.5;        // kBool

  // Precomputes sampling constants; Model::Finalize() calls it for every generator.
  void Prepare();
  // REQUIRES: Prepare() called after the last change of the fields above.
  AttrValue Sample(Rng& rng) const noexcept;

 private:
  double zipf_[3] = {0, 0, 0};  // rejection-inversion constants for skew > 0
};

// An attribute whose value comes from a generator, drawn when the span starts.
struct DynamicAttr {
  StrId key = kEmptyStr;
  uint32_t generator = kNone;  // index into Model::generators
};

// An event an operation records on its span ("cache.miss", ...), with a probability.
struct EventSpec {
  StrId name = kEmptyStr;
  double probability = 1.0;
  bool at_end = false;  // false: at span start
  std::vector<Attr> attrs;
};

// One synchronous call from an operation to another (a service operation or a dependency).
// How a failed call ended, from the caller's point of view. Drives retries and the status the
// caller reports upstream (ErrorPropagation). NOTE: printed in docs; do not renumber.
enum class FailureClass : uint8_t {
  kNone = 0,
  kError = 1,        // the callee answered with an error (HTTP 5xx, a gRPC error, a DB error)
  kUnavailable = 2,  // refused: full queue (503), instance down, circuit open, rate limited
  kTimeout = 3,      // no answer before the client timeout
};

struct RetryPolicy {
  uint32_t max_attempts = 1;  // attempts in all, the first included; 1 = no retries. Default: 1.
  Duration initial_backoff = Duration::Millis(100);  // Default: 100ms.
  double multiplier = 2.0;                           // Default: 2.
  Duration max_backoff = Duration::Seconds(10);      // Default: 10s.
  // Each backoff is scaled by a uniform factor in [1 - jitter, 1 + jitter]. Default: 0.2.
  double jitter = 0.2;
  // Which failures are retried. Default: all three.
  bool on_error = true, on_unavailable = true, on_timeout = true;
  bool Retries(FailureClass c) const {
    return (c == FailureClass::kError && on_error) ||
           (c == FailureClass::kUnavailable && on_unavailable) ||
           (c == FailureClass::kTimeout && on_timeout);
  }
};

// A count-based circuit breaker (closed -> open -> half-open), as resilience4j/Hystrix do it:
// over the last `window` calls in the closed state, when at least `minimum_calls` were made and
// the failure ratio reaches `failure_threshold`, it opens; calls then fail at once (no request
// is sent) for `open_duration`; then `half_open_calls` trial calls decide: all succeed -> closed,
// any fails -> open again. One breaker per call site, shared by the caller's instances.
struct CircuitBreakerSpec {
  bool enabled = false;
  double failure_threshold = 0.5;                  // Default: 0.5.
  uint32_t window = 20;                            // Default: 20 calls.
  uint32_t minimum_calls = 10;                     // Default: 10.
  Duration open_duration = Duration::Seconds(30);  // Default: 30s.
  uint32_t half_open_calls = 3;                    // Default: 3.
};

// What the caller does when the call finally fails (after retries).
enum class OnError : uint8_t {
  kPropagate = 0,  // the caller's operation fails (status per ErrorPropagation); the rest of its
                   // program is skipped
  kFallback = 1,   // the caller absorbs it and runs `fallback` instead, then goes on
  kIgnore = 2,     // the caller absorbs it and goes on
};

// One synchronous call from an operation to another (a service operation or a dependency).
struct CallSpec {
  uint32_t target = kNone;                         // index into Model::operations
  double probability = 1.0;                        // the call is made at all
  Distribution count = Distribution::Constant(1);  // sequential repetitions (N+1 queries)
  Duration timeout;  // client timeout per attempt; 0 = none. Default: none.
  RetryPolicy retry;
  CircuitBreakerSpec breaker;
  OnError on_error = OnError::kPropagate;
  Distribution fallback;           // kFallback: work the caller does instead (e.g. a cached answer)
  uint32_t breaker_index = kNone;  // set by Model::Finalize(): index of this site's breaker
};

// A step of an operation's program. Steps of a list run in order.
struct Step {
  // NOTE: do not renumber (golden shapes depend on it).
  enum class Kind : uint8_t {
    kWork = 0,      // hold the worker for a drawn time
    kCall = 1,      // a synchronous call (CLIENT span, then the callee)
    kParallel = 2,  // run `children` concurrently, continue when all are done (fan-out/fan-in)
    kPublish = 3,   // send a message to `topic` (PRODUCER span); consumers run later
    kSpan = 4,      // an INTERNAL span around `children`, run in order
  };
  Kind kind = Kind::kWork;
  double probability =
      1.0;            // the step runs at all (kWork/kParallel/kPublish/kSpan; calls use CallSpec)
  Distribution work;  // kWork
  CallSpec call;      // kCall
  uint32_t topic = kNone;       // kPublish: index into Model::topics
  StrId span_name = kEmptyStr;  // kSpan
  std::vector<Attr> attrs;      // kSpan: static attributes
  std::vector<Step> children;   // kParallel (branches) and kSpan (sequence)
};

// A queue/topic on a messaging dependency, with its consumer operations (one consumer group each).
struct Topic {
  StrId name = kEmptyStr;
  uint32_t broker = kNone;  // index into Model::services (a kMessaging service)
  Distribution publish_latency =
      Distribution::Constant(1e6);  // PRODUCER span duration (broker ack)
  Distribution delivery_latency = Distribution::Constant(5e6);  // publish -> consumer receives
  StrId producer_span_name = kEmptyStr;                         // "publish orders"
  std::vector<Attr> producer_attrs;  // messaging.system, messaging.destination.name, ...
  std::vector<uint32_t> consumers;   // operation indices (kind kConsumer)
};

struct Operation {
  StrId name = kEmptyStr;    // as written in the topology ("POST /checkout", "UPDATE inventory")
  uint32_t service = kNone;  // owner, index into Model::services
  SpanKind kind = SpanKind::kServer;  // of the span the callee records: SERVER, CONSUMER, INTERNAL
  Protocol protocol = Protocol::kHttp;
  // False for dependency operations (databases, caches, external APIs): only the caller's CLIENT
  // span exists, covering network time and `steps`.
  bool emits_span = true;

  StrId span_name = kEmptyStr;  // name of the span this operation records
  std::vector<Attr> attrs;      // its static attributes (semantic conventions + user)
  std::vector<DynamicAttr> dynamic_attrs;
  std::vector<EventSpec> events;

  StrId client_span_name = kEmptyStr;  // name of the CLIENT span a caller records
  std::vector<Attr> client_attrs;      // static attributes of that CLIENT span
  std::vector<DynamicAttr> client_dynamic_attrs;

  std::vector<Step> steps;  // the program; a dependency operation is usually one kWork step

  // Baggage set here when this operation is a trace's entry point (key -> generator).
  std::vector<DynamicAttr> baggage;

  // Errors raised by the operation itself (not by its callees).
  double error_rate = 0;
  int ok_status = 200;              // HTTP status on success (gRPC: 0 = OK)
  int error_status = 500;           // HTTP status / gRPC code when it fails on its own
  StrId error_type = kEmptyStr;     // exception.type recorded on own errors
  StrId error_message = kEmptyStr;  // exception.message
  // An error returned by a synchronous callee makes this operation fail too unless false, when
  // the caller absorbs every callee error (as if each call said on_error: ignore).
  bool propagate_errors = true;
  // The status this operation answers with when a callee failure propagates, by class.
  // Defaults: HTTP 502 (error), 503 (unavailable), 504 (timeout); gRPC INTERNAL (13),
  // UNAVAILABLE (14), DEADLINE_EXCEEDED (4).
  int status_on_error = 0, status_on_unavailable = 0, status_on_timeout = 0;  // 0 = the default

  StrId ref = kEmptyStr;         // "service.operation", interned by Model::Finalize()
  StrId scope_name = kEmptyStr;  // instrumentation scope
  StrId scope_version = kEmptyStr;
};

struct Service {
  StrId name = kEmptyStr;
  StrId version = kEmptyStr;
  ServiceKind kind = ServiceKind::kService;
  uint32_t instances = 1;
  uint32_t concurrency = 0;  // worker slots per instance; 0 = unlimited (no queueing)
  // Waiting requests per instance beyond the slots; full -> reject. kNone = unbounded. Consumer
  // operations never reject (messages wait in the broker). Default: 0.
  uint32_t queue_capacity = 0;
  LoadBalancing load_balancing = LoadBalancing::kRoundRobin;
  Distribution network_latency;        // one way, caller -> this service (and back)
  StrId address = kEmptyStr;           // server.address seen by callers
  int port = 0;                        // server.port seen by callers (0 = not recorded)
  bool baggage_to_attributes = false;  // copy baggage entries onto this service's spans
  // Rate limit per instance (token bucket): requests beyond it are answered 429 (HTTP) /
  // RESOURCE_EXHAUSTED (gRPC) at once. 0 = none. Default: none.
  double rate_limit_rps = 0;
  double rate_limit_burst = 0;       // bucket size; 0 = max(1, rps / 10)
  std::vector<uint32_t> resources;   // per instance: index into Model::resources
  std::vector<uint32_t> operations;  // indices into Model::operations
};

struct Resource {
  uint32_t service = kNone;
  uint32_t instance = 0;
  StrId host = kEmptyStr;  // host.name (clock skew applies per host)
  std::vector<Attr> attrs;
};

// Interned keys and values the runtime sets on spans.
struct WellKnown {
  StrId http_response_status_code, rpc_grpc_status_code, error_type, http_request_resend_count;
  StrId exception, exception_type, exception_message, exception_escaped;
  StrId messaging_message_id;
  StrId ot_tracestate_empty;
  StrId exception_stacktrace;
  // error.type values for failures without a response.
  StrId err_timeout, err_connection_refused, err_circuit_open;
  StrId circuit_open_exception;  // exception.type recorded when a breaker refuses a call
  // --tag-ground-truth attribute keys.
  StrId truth_error, truth_root_error, truth_root_cause, truth_fragment;
  // Keys the samplers read, found (not interned) once the topology is compiled: kEmptyStr when
  // no span can carry them. sampling.priority: the probabilistic_sampler's override.
  StrId sampling_priority;
  // error.type values per code: http codes 100..599 and grpc codes 0..16.
  std::vector<StrId> http_codes;  // index = code - 100
  std::vector<StrId> grpc_codes;  // index = code
};

struct Model {
  StringTable strings;
  std::vector<Service> services;
  std::vector<Operation> operations;
  std::vector<Topic> topics;
  std::vector<Resource> resources;
  std::vector<AttrGenerator> generators;
  WellKnown well_known;
  std::string source;  // file the model came from, for messages ("checkout.yaml"); may be empty

  Model() = default;
  Model& operator=(const Model&) = delete;
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;
  // A deep copy. Copies are explicit (a Model is large and a simulation reads one by
  // reference); the topology loader hands out copies of the built-in topologies it compiled once.
  Model Clone() const { return Model(*this); }

  // Interns the well-known strings. Call once after building, before simulating.
  void Finalize();

  // Number of circuit breakers (call sites with a breaker), assigned by Finalize().
  uint32_t breaker_count = 0;

  // Lookups by name; kNone when absent.
  uint32_t FindService(std::string_view name) const;
  uint32_t FindOperation(std::string_view service, std::string_view operation) const;
  // "service.operation" or "service/operation" notation (the operation may contain dots).
  uint32_t FindOperationRef(std::string_view ref) const;
  // "service.operation" display name of an operation.
  std::string OperationRef(uint32_t op) const;

  StrId HttpCodeStr(int code) const {
    return code >= 100 && code < 600 ? well_known.http_codes[code - 100] : kEmptyStr;
  }
  StrId GrpcCodeStr(int code) const {
    return code >= 0 && code <= 16 ? well_known.grpc_codes[code] : kEmptyStr;
  }

 private:
  Model(const Model&) = default;  // Clone()
};

// "service", "database", "cache", "external", "messaging" (the topology file's words).
std::string_view ServiceKindName(ServiceKind kind);

// Names of gRPC status codes ("OK", "CANCELLED", ... "UNAUTHENTICATED"); code in [0, 16].
std::string_view GrpcCodeName(int code);

// Returns the ids of every trace-scoped generator, in index order.
std::vector<uint32_t> TraceScopedGenerators(const Model& m);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_MODEL_H_
