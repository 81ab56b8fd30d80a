// The OTLP instrumentation-scope rule: which (scope_name, scope_version) a span is exported
// under. One rule for every place that needs it: the OTLP/JSON, OTLP/protobuf and Zipkin encoders
// (SpanGrouper) and the sampling layer's OTLP size model (sampling/collector/tail_sampling/
// tail_size.h), which must group spans exactly as the exporter does.
//
// Rule: the span's operation's scope when that operation belongs to Span::service (SERVER,
// CONSUMER, INTERNAL spans). Otherwise (CLIENT and PRODUCER spans name the callee's operation, or
// none) the scope of the recording service's first operation with a non-empty scope name,
// approximating "the caller's instrumentation"; when the service has none, the operation's scope;
// with no operation, the empty scope.
//
// A small library of its own (tracesim_otlp_model, sim only) so sampling can use it without
// depending on the exporter's transports.
#ifndef TRACESIM_EXPORTER_OTLP_SCOPE_H_
#define TRACESIM_EXPORTER_OTLP_SCOPE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::exporter {

// The first operation of `service` with a non-empty scope name, or sim::kNone.
uint32_t FirstScopedOperation(const sim::Model& model, uint32_t service) noexcept;

// The rule itself: the operation whose scope `span` is exported under, or sim::kNone.
// `first_scoped(service)` returns FirstScopedOperation(model, service) (computed or looked up).
template <typename FirstScoped>
uint32_t ResolveScopeOperation(const sim::Model& model, const sim::Span& span,
                               const FirstScoped& first_scoped) noexcept {
  const bool has_op = span.operation < model.operations.size();
  if (has_op && model.operations[span.operation].service == span.service) return span.operation;
  const uint32_t first = first_scoped(span.service);
  if (first != sim::kNone) return first;
  return has_op ? span.operation : sim::kNone;
}

// The rule for one Model, with each service's first scoped operation looked up once.
// Thread-compatible; the model must outlive the rule and not change meanwhile.
class OtlpScopeRule {
 public:
  explicit OtlpScopeRule(const sim::Model& model);

  // The operation whose scope `span` is exported under, or sim::kNone (the empty scope).
  uint32_t ScopeOperation(const sim::Span& span) const noexcept {
    return ResolveScopeOperation(*model_, span, [this](uint32_t service) {
      return service < service_scope_op_.size() ? service_scope_op_[service] : sim::kNone;
    });
  }

  // (scope_name, scope_version) of ScopeOperation(span); the empty strings for kNone.
  std::pair<sim::StrId, sim::StrId> ScopeOf(const sim::Span& span) const noexcept {
    const uint32_t op = ScopeOperation(span);
    if (op == sim::kNone) return {sim::kEmptyStr, sim::kEmptyStr};
    return {model_->operations[op].scope_name, model_->operations[op].scope_version};
  }

  const sim::Model& model() const { return *model_; }

 private:
  const sim::Model* model_;
  std::vector<uint32_t> service_scope_op_;  // per service: FirstScopedOperation()
};

// The rule without a precomputed OtlpScopeRule (looks the service up each call).
std::pair<sim::StrId, sim::StrId> OtlpScopeOf(const sim::Model& model,
                                              const sim::Span& span) noexcept;

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_OTLP_SCOPE_H_
