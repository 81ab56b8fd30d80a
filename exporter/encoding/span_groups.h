// SpanGrouper: the OTLP grouping rule shared by every OTLP encoder (JSON and protobuf).
//
// Spans are grouped by resource, then by instrumentation scope; groups are ordered by first
// appearance in the batch and spans keep their batch order inside a group.
//
// Scope rule: OtlpScopeRule (otlp_scope.h), shared with the sampling layer's OTLP size model.
//
// Not thread-safe: owns scratch buffers reused between calls (no allocation once they have grown
// to the largest batch).
#ifndef TRACESIM_EXPORTER_SPAN_GROUPS_H_
#define TRACESIM_EXPORTER_SPAN_GROUPS_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "exporter/otlp_model/otlp_scope.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace tracesim::exporter {

class SpanGrouper {
 public:
  struct ScopeGroup {
    sim::StrId name, version;
    uint32_t count;   // spans in the group
    uint32_t offset;  // after Group(): start of the group's span indices in order()
    uint32_t next;    // next scope group of the same resource group, or sim::kNone
  };
  struct ResourceGroup {
    uint32_t resource;    // index into Model::resources, or sim::kNone
    uint32_t head, tail;  // scope groups list (indices into scope_groups())
  };

  // The model must outlive the grouper.
  explicit SpanGrouper(const sim::Model& model);

  // Groups `spans`; the results stay valid until the next call.
  void Group(sim::SpanRecords spans) noexcept;

  // The (scope_name, scope_version) the scope rule assigns to `span`.
  std::pair<sim::StrId, sim::StrId> ScopeOf(const sim::Span& span) const noexcept {
    return scopes_.ScopeOf(span);
  }

  const std::vector<ResourceGroup>& resource_groups() const { return resource_groups_; }
  const std::vector<ScopeGroup>& scope_groups() const { return scope_groups_; }
  // Span indices of scope group g: order()[g.offset, g.offset + g.count).
  const std::vector<uint32_t>& order() const { return order_; }
  const sim::Model& model() const { return model_; }

 private:
  const sim::Model& model_;
  OtlpScopeRule scopes_;
  std::vector<uint32_t> resource_slot_;   // per model resource (+1 for kNone): group index
  std::vector<uint64_t> resource_stamp_;  // batch stamp validating resource_slot_
  uint64_t stamp_ = 0;
  std::vector<ResourceGroup> resource_groups_;
  std::vector<ScopeGroup> scope_groups_;
  std::vector<uint32_t> span_group_;  // per span: scope group index
  std::vector<uint32_t> order_;       // span indices grouped
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_SPAN_GROUPS_H_
