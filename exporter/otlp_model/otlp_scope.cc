#include "exporter/otlp_model/otlp_scope.h"

namespace tracesim::exporter {

uint32_t FirstScopedOperation(const sim::Model& model, uint32_t service) noexcept {
  if (service >= model.services.size()) return sim::kNone;
  for (uint32_t op : model.services[service].operations) {
    if (op < model.operations.size() && model.operations[op].scope_name != sim::kEmptyStr) {
      return op;
    }
  }
  return sim::kNone;
}

OtlpScopeRule::OtlpScopeRule(const sim::Model& model) : model_(&model) {
  service_scope_op_.reserve(model.services.size());
  for (size_t s = 0; s < model.services.size(); ++s) {
    service_scope_op_.push_back(FirstScopedOperation(model, static_cast<uint32_t>(s)));
  }
}

std::pair<sim::StrId, sim::StrId> OtlpScopeOf(const sim::Model& model,
                                              const sim::Span& span) noexcept {
  const uint32_t op = ResolveScopeOperation(
      model, span, [&model](uint32_t service) { return FirstScopedOperation(model, service); });
  if (op == sim::kNone) return {sim::kEmptyStr, sim::kEmptyStr};
  return {model.operations[op].scope_name, model.operations[op].scope_version};
}

}  // namespace tracesim::exporter
