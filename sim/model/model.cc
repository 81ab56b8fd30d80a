#include "sim/model/model.h"

#include <cmath>
#include <string>

#include "sim/model/span_kind.h"

namespace tracesim::sim {
namespace {

constexpr std::string_view kGrpcNames[] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

double ZipfH(double x, double s) {
  return s == 1.0 ? std::log(x) : (std::pow(x, 1.0 - s) - 1.0) / (1.0 - s);
}
double ZipfHInv(double x, double s) {
  return s == 1.0 ? std::exp(x) : std::pow(1.0 + x * (1.0 - s), 1.0 / (1.0 - s));
}

// Zipf(s) on [1, n] by rejection-inversion (Hörmann & Derflinger 1996): O(1) per draw, with the
// constants precomputed by AttrGenerator::Prepare().
uint64_t SampleZipf(Rng& rng, uint64_t n, double s, const double c[3]) {
  if (n <= 1) return 1;
  const double h_x1 = c[0], h_n = c[1], sdiff = c[2];
  for (int guard = 0; guard < 1000; ++guard) {
    double u = h_n + rng.Uniform() * (h_x1 - h_n);
    double x = ZipfHInv(u, s);
    double k = std::floor(x + 0.5);
    if (k < 1) k = 1;
    if (k > static_cast<double>(n)) k = static_cast<double>(n);
    if (k - x <= sdiff || u >= ZipfH(k + 0.5, s) - std::pow(k, -s)) return static_cast<uint64_t>(k);
  }
  return 1;
}

}  // namespace

std::string_view ServiceKindName(ServiceKind kind) {
  switch (kind) {
    case ServiceKind::kService:
      return "service";
    case ServiceKind::kDatabase:
      return "database";
    case ServiceKind::kCache:
      return "cache";
    case ServiceKind::kExternal:
      return "external";
    case ServiceKind::kMessaging:
      return "messaging";
  }
  return "service";
}

std::string_view SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
    case SpanKind::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string_view GrpcCodeName(int code) {
  return code >= 0 && code <= 16 ? kGrpcNames[code] : std::string_view("UNKNOWN");
}

AttrValue AttrGenerator::Sample(Rng& rng) const noexcept {
  switch (kind) {
    case Kind::kIdPool: {
      uint64_t n = cardinality == 0 ? 1 : cardinality;
      int64_t v =
          static_cast<int64_t>(skew > 0 ? SampleZipf(rng, n, skew, zipf_) : rng.Below(n) + 1);
      return prefix == kEmptyStr ? AttrValue::Int(v) : AttrValue::PrefixedInt(prefix, v);
    }
    case Kind::kIntRange:
      return AttrValue::Int(min +
                            static_cast<int64_t>(rng.Below(static_cast<uint64_t>(max - min) + 1)));
    case Kind::kWeighted: {
      double u = rng.Uniform();
      for (size_t i = 0; i < cumulative.size(); ++i)
        if (u < cumulative[i]) return choices[i];
      return choices.empty() ? AttrValue() : choices.back();
    }
    case Kind::kBool:
      return AttrValue::Bool(rng.Bernoulli(probability));
  }
  return AttrValue();
}

void AttrGenerator::Prepare() {
  if (kind != Kind::kIdPool || skew <= 0) return;
  double n = static_cast<double>(cardinality == 0 ? 1 : cardinality);
  zipf_[0] = ZipfH(1.5, skew) - 1.0;
  zipf_[1] = ZipfH(n + 0.5, skew);
  zipf_[2] = 2.0 - ZipfHInv(ZipfH(2.5, skew) - std::pow(2.0, -skew), skew);
}

namespace {
void AssignBreakers(std::vector<Step>& steps, uint32_t* next) {
  for (Step& st : steps) {
    st.call.breaker_index =
        st.kind == Step::Kind::kCall && st.call.breaker.enabled ? (*next)++ : kNone;
    AssignBreakers(st.children, next);
  }
}
}  // namespace

void Model::Finalize() {
  for (AttrGenerator& g : generators) g.Prepare();
  breaker_count = 0;
  for (Operation& op : operations) AssignBreakers(op.steps, &breaker_count);
  WellKnown& w = well_known;
  w.http_response_status_code = strings.Intern("http.response.status_code");
  w.rpc_grpc_status_code = strings.Intern("rpc.grpc.status_code");
  w.error_type = strings.Intern("error.type");
  w.http_request_resend_count = strings.Intern("http.request.resend_count");
  w.exception = strings.Intern("exception");
  w.exception_type = strings.Intern("exception.type");
  w.exception_message = strings.Intern("exception.message");
  w.exception_escaped = strings.Intern("exception.escaped");
  w.messaging_message_id = strings.Intern("messaging.message.id");
  w.ot_tracestate_empty = kEmptyStr;
  w.exception_stacktrace = strings.Intern("exception.stacktrace");
  w.err_timeout = strings.Intern("timeout");
  w.err_connection_refused = strings.Intern("connection_refused");
  w.err_circuit_open = strings.Intern("circuit_open");
  w.circuit_open_exception = strings.Intern("CallNotPermittedException");
  w.truth_error = strings.Intern("tracesim.truth.error");
  w.truth_root_error = strings.Intern("tracesim.truth.root_error");
  w.truth_root_cause = strings.Intern("tracesim.truth.root_cause");
  w.truth_fragment = strings.Intern("tracesim.truth.fragment");
  w.sampling_priority = strings.Find("sampling.priority");
  for (uint32_t i = 0; i < operations.size(); ++i)
    operations[i].ref = strings.Intern(OperationRef(i));
  w.http_codes.resize(500);
  for (int c = 100; c < 600; ++c) w.http_codes[c - 100] = strings.Intern(std::to_string(c));
  w.grpc_codes.resize(17);
  for (int c = 0; c <= 16; ++c) w.grpc_codes[c] = strings.Intern(kGrpcNames[c]);
}

uint32_t Model::FindService(std::string_view name) const {
  for (uint32_t i = 0; i < services.size(); ++i)
    if (strings.Get(services[i].name) == name) return i;
  return kNone;
}

uint32_t Model::FindOperation(std::string_view service, std::string_view operation) const {
  uint32_t s = FindService(service);
  if (s == kNone) return kNone;
  for (uint32_t op : services[s].operations)
    if (strings.Get(operations[op].name) == operation) return op;
  return kNone;
}

uint32_t Model::FindOperationRef(std::string_view ref) const {
  // The service name is the longest prefix that names a service, followed by '.' or '/'.
  for (size_t i = ref.size(); i-- > 0;) {
    if (ref[i] != '.' && ref[i] != '/') continue;
    uint32_t op = FindOperation(ref.substr(0, i), ref.substr(i + 1));
    if (op != kNone) return op;
  }
  return kNone;
}

std::string Model::OperationRef(uint32_t op) const {
  const Operation& o = operations[op];
  return std::string(strings.Get(services[o.service].name)) + "." +
         std::string(strings.Get(o.name));
}

std::vector<uint32_t> TraceScopedGenerators(const Model& m) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < m.generators.size(); ++i)
    if (m.generators[i].scope == AttrGenerator::Scope::kTrace) out.push_back(i);
  return out;
}

}  // namespace tracesim::sim
