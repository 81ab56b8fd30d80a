// BatchEncoder: turns a batch of finished spans into one wire request body for a protocol.
//
// The engine gives each sender thread its own encoder (encoders keep scratch buffers and are not
// thread-safe). MakeEncoder() picks the encoder for a WireProtocol:
//   http/json  -> OTLP/JSON (exporter::OtlpJsonEncoder)
//   grpc, http/protobuf -> binary ExportTraceServiceRequest (exporter::OtlpProtoEncoder)
//   zipkin     -> Zipkin v2 JSON array (exporter::ZipkinJsonEncoder)
#ifndef TRACESIM_LOADGEN_BATCH_ENCODER_H_
#define TRACESIM_LOADGEN_BATCH_ENCODER_H_

#include <functional>
#include <memory>
#include <span>
#include <string>

#include "exporter/transport/transport.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace tracesim::loadgen {

class BatchEncoder {
 public:
  virtual ~BatchEncoder() = default;
  // Replaces *out with the request body holding `spans` (event/link ranges index `events`/`links`).
  virtual void Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
                      std::span<const sim::SpanLink> links, std::string* out) = 0;
};

// Creates one encoder per call (called once per sender thread).
using EncoderFactory = std::function<std::unique_ptr<BatchEncoder>()>;

// The encoder factory for `protocol`; the model must outlive every encoder. Error: kUnsupported.
sim::Result<EncoderFactory> MakeEncoderFactory(exporter::WireProtocol protocol,
                                               const sim::Model& model);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_BATCH_ENCODER_H_
