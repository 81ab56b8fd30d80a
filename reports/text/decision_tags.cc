#include "reports/text/decision_tags.h"

#include <algorithm>

namespace tracesim::reports {

std::string DecisionTagKey(std::string_view strategy) {
  return "tracesim.sampler." + std::string(strategy) + ".kept";
}

void InternDecisionTags(const std::vector<std::string>& strategies, sim::Model* model) {
  for (const std::string& s : strategies) model->strings.Intern(DecisionTagKey(s));
}

sim::Result<std::unique_ptr<DecisionTagSink>> DecisionTagSink::Open(
    const std::string& path, const sim::Model& model, std::vector<std::string> strategies) {
  if (strategies.size() > 64)
    return sim::Status::InvalidArgument("--tag-decisions: at most 64 strategies, got " +
                                        std::to_string(strategies.size()));
  std::vector<sim::StrId> keys;
  for (const std::string& s : strategies) {
    const sim::StrId key = model.strings.Find(DecisionTagKey(s));
    if (key == sim::kEmptyStr)
      return sim::Status::Internal("--tag-decisions: the key of strategy '" + s +
                                   "' is not interned (InternDecisionTags)");
    keys.push_back(key);
  }
  auto file = exporter::OtlpJsonFileSink::Open(path, model, exporter::OtlpJsonFileOptions{});
  if (!file.ok()) return file.status();
  return std::unique_ptr<DecisionTagSink>(
      new DecisionTagSink(model, std::move(keys), std::move(file).value()));
}

DecisionTagSink::DecisionTagSink(const sim::Model& model, std::vector<sim::StrId> keys,
                                 std::unique_ptr<exporter::OtlpJsonFileSink> file)
    : model_(model), keys_(std::move(keys)), file_(std::move(file)) {}

void DecisionTagSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.spans.empty()) return;  // the lab scores traces with exported spans only
  Held& h = held_[trace.trace_id];
  h.sequence = trace.sequence;
  if (trace.truth != nullptr) h.truth = *trace.truth;
  h.spans.assign(trace.spans.begin(), trace.spans.end());
  h.events.assign(trace.events.begin(), trace.events.end());
  h.links.assign(trace.links.begin(), trace.links.end());
}

const std::vector<sim::Attr>& DecisionTagSink::Tagged(const sim::Span& span, uint64_t kept) {
  auto& slot = tagged_attrs_[{span.static_attrs, span.static_count, kept}];
  if (!slot) {
    slot = std::make_unique<std::vector<sim::Attr>>();
    if (span.static_attrs != nullptr)
      slot->assign(span.static_attrs, span.static_attrs + span.static_count);
    for (size_t k = 0; k < keys_.size(); ++k)
      slot->push_back(sim::Attr{keys_[k], sim::AttrValue::Bool((kept >> k) & 1)});
  }
  return *slot;
}

void DecisionTagSink::Write(const sim::TraceId& id, Held& held) {
  sim::TraceView view;
  view.model = &model_;
  view.trace_id = id;
  view.sequence = held.sequence;
  view.truth = &held.truth;
  view.spans = held.spans;
  view.events = held.events;
  view.links = held.links;
  file_->OnTrace(view);
}

void DecisionTagSink::OnScored(const sim::TraceId& trace_id, std::span<const uint32_t> kept_spans) {
  auto it = held_.find(trace_id);
  if (it == held_.end()) return;  // not observed here (a shard's warm-up traffic)
  uint64_t kept = 0;
  for (size_t k = 0; k < kept_spans.size() && k < keys_.size(); ++k)
    if (kept_spans[k] > 0) kept |= uint64_t{1} << k;
  for (sim::Span& s : it->second.spans) {
    const std::vector<sim::Attr>& attrs = Tagged(s, kept);
    s.static_attrs = attrs.data();
    s.static_count = static_cast<uint16_t>(attrs.size());
  }
  Write(trace_id, it->second);
  held_.erase(it);
  ++tagged_;
}

sim::Status DecisionTagSink::Close() {
  std::vector<std::pair<uint64_t, sim::TraceId>> left;
  for (const auto& [id, h] : held_) left.emplace_back(h.sequence, id);
  std::sort(left.begin(), left.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [sequence, id] : left) {
    Write(id, held_[id]);
    ++untagged_;
  }
  held_.clear();
  return file_->Close();
}

}  // namespace tracesim::reports
