// TruthFileSink: writes each trace's ground truth as JSON lines (doc/ground-truth.md), one
// object per trace or fragment, in the order traces finish. Deterministic bytes for the same
// run. The truth never goes into the spans themselves (see --tag-ground-truth for that).
#ifndef TRACESIM_REPORTS_TRUTH_WRITER_H_
#define TRACESIM_REPORTS_TRUTH_WRITER_H_

#include <cstdio>
#include <memory>
#include <string>

#include "sim/base/status.h"
#include "sim/kernel/sink.h"
#include "sim/model/faults.h"

namespace tracesim::reports {

class TruthFileSink final : public sim::SpanSink {
 public:
  // `path` "-" is stdout. `plan` may be null. Model and plan must outlive the sink.
  static sim::Result<std::unique_ptr<TruthFileSink>> Open(const std::string& path,
                                                          const sim::Model& model,
                                                          const sim::FaultPlan* plan,
                                                          int64_t start_unix_nanos);
  ~TruthFileSink() override;
  void OnTrace(const sim::TraceView& trace) noexcept override;
  sim::Status Close() override;

  // Appends one record (no newline) to `out`; exposed for tests.
  static void AppendRecord(const sim::Model& model, const sim::FaultPlan* plan,
                           int64_t start_unix_nanos, const sim::TraceView& trace, std::string* out);

 private:
  TruthFileSink(std::string path, FILE* f, bool owned, const sim::Model& model,
                const sim::FaultPlan* plan, int64_t start);
  std::string path_;
  FILE* file_;
  bool owned_;
  const sim::Model& model_;
  const sim::FaultPlan* plan_;
  int64_t start_;
  std::string line_;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_TRUTH_WRITER_H_
