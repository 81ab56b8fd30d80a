// The arrival-stream file the Go oracle replays (doc/collector.md, "Arrival-stream file"): what
// a Collector's receiver hands its first processor, one export request per record, each with its
// arrival time.
//
//   file   = "TSARRV1\n" record*
//   record = arrival_unix_nanos u64 LE, length u32 LE, ExportTraceServiceRequest (protobuf)
//
// Records are written in non-decreasing arrival order. Not thread-safe.
#ifndef TRACESIM_PEERS_LAB_ORACLE_ARRIVAL_STREAM_H_
#define TRACESIM_PEERS_LAB_ORACLE_ARRIVAL_STREAM_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "exporter/encoding/otlp_proto.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::peers {

inline constexpr char kArrivalsMagic[] = "TSARRV1\n";  // 8 bytes, no terminator written

class ArrivalStreamWriter {
 public:
  // Creates (truncates) `path` and writes the magic. The model must outlive the writer.
  static sim::Result<std::unique_ptr<ArrivalStreamWriter>> Open(const std::string& path,
                                                                const sim::Model& model);
  ~ArrivalStreamWriter();

  // Appends one request holding `span` alone (its own `events`/`links`: the span's event and
  // link ranges are taken as starting at 0). An arrival before the previous one is written at the
  // previous time (the lab never goes back). Errors are kept and returned by Close().
  void WriteSpan(int64_t arrival_unix_nanos, const sim::Span& span,
                 std::span<const sim::SpanEvent> events, std::span<const sim::SpanLink> links);
  // Appends one request holding `spans` (their event and link ranges index `events`/`links`), as
  // the OTLP exporter encodes them: one ResourceSpans per resource, one ScopeSpans per scope.
  void WriteSpans(int64_t arrival_unix_nanos, std::span<const sim::Span> spans,
                  std::span<const sim::SpanEvent> events, std::span<const sim::SpanLink> links);
  // Appends one serialized ExportTraceServiceRequest.
  void WriteRequest(int64_t arrival_unix_nanos, std::string_view request);

  uint64_t records() const { return records_; }
  // The arrival time of the last record (0 before the first).
  uint64_t last_arrival() const { return last_; }
  // Flushes and closes; the first write error, if any.
  sim::Status Close();

 private:
  ArrivalStreamWriter(std::FILE* f, std::string path, const sim::Model& model);
  std::FILE* f_;
  std::string path_;
  exporter::OtlpProtoEncoder encoder_;
  std::string scratch_;
  uint64_t last_ = 0;
  uint64_t records_ = 0;
  bool failed_ = false;
};

}  // namespace tracesim::peers

#endif  // TRACESIM_PEERS_LAB_ORACLE_ARRIVAL_STREAM_H_
