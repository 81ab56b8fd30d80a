// OtlpJsonFileSink: writes spans as OTLP JSON lines, one ExportTraceServiceRequest per line, the
// format of the OpenTelemetry Collector's `file` exporter (and its `otlpjsonfile` receiver).
//
// Whole traces are batched into a request until the next trace would push it past
// max_spans_per_request; a trace is split across lines only when it alone exceeds the limit.
// Output bytes depend only on the model and the traces received. Write errors are recorded and
// reported by Close(). Not thread-safe: call from the simulation thread.
#ifndef TRACESIM_EXPORTER_OTLP_JSON_FILE_SINK_H_
#define TRACESIM_EXPORTER_OTLP_JSON_FILE_SINK_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "exporter/encoding/otlp_json.h"
#include "sim/base/status.h"
#include "sim/kernel/sink.h"

namespace tracesim::exporter {

struct OtlpJsonFileOptions {
  // Spans per ExportTraceServiceRequest line (the OTel batch span processor's default).
  // Default: 512. Must be in [1, 1'000'000].
  size_t max_spans_per_request = 512;
  // stdio buffer size for the output file.
  // Default: 1 MiB. Must be in [4 KiB, 1 GiB].
  size_t buffer_bytes = 1 << 20;

  sim::Status Validate() const;
};

class OtlpJsonFileSink final : public sim::SpanSink {
 public:
  // Opens (truncates) `path` for writing; "-" writes to stdout. The model must outlive the sink.
  static sim::Result<std::unique_ptr<OtlpJsonFileSink>> Open(const std::string& path,
                                                             const sim::Model& model,
                                                             OtlpJsonFileOptions options = {});
  ~OtlpJsonFileSink() override;

  void OnTrace(const sim::TraceView& trace) noexcept override;
  // Writes the pending request, flushes and closes the file. Returns the first I/O error, naming
  // the path. Idempotent: later calls return the same status.
  sim::Status Close() override;

  uint64_t lines_written() const { return lines_; }
  uint64_t spans_written() const { return spans_; }

 private:
  OtlpJsonFileSink(std::string path, const sim::Model& model, OtlpJsonFileOptions options,
                   FILE* file, bool owns_file);

  // Encodes the given spans as one line and writes it.
  void WriteRequest(std::span<const sim::Span> spans, std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept;
  void FlushPending() noexcept;
  void RecordError(const char* what, int err) noexcept;

  const std::string path_;
  const OtlpJsonFileOptions options_;
  OtlpJsonEncoder encoder_;
  FILE* file_;
  bool owns_file_;
  bool closed_ = false;
  std::unique_ptr<char[]> stdio_buffer_;
  sim::Status status_;
  uint64_t lines_ = 0;
  uint64_t spans_ = 0;
  // The request being batched: copies of whole traces, event/link ranges remapped.
  std::vector<sim::Span> pending_spans_;
  std::vector<sim::SpanEvent> pending_events_;
  std::vector<sim::SpanLink> pending_links_;
  std::string line_;  // scratch for one encoded line
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_OTLP_JSON_FILE_SINK_H_
