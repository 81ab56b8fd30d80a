#include "loadgen/batch_encoder.h"

#include "exporter/encoding/otlp_json.h"
#include "exporter/encoding/otlp_proto.h"
#include "exporter/encoding/zipkin_json.h"

namespace tracesim::loadgen {
namespace {

// Adapts one of exporter/'s encoders (which append) to BatchEncoder (which replaces).
template <typename Enc>
class Adapter final : public BatchEncoder {
 public:
  explicit Adapter(const sim::Model& model) : enc_(model) {}
  void Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, std::string* out) override {
    out->clear();
    enc_.Encode(spans, events, links, out);
  }

 private:
  Enc enc_;
};

template <typename Enc>
EncoderFactory FactoryFor(const sim::Model* m) {
  return [m] { return std::unique_ptr<BatchEncoder>(new Adapter<Enc>(*m)); };
}

}  // namespace

sim::Result<EncoderFactory> MakeEncoderFactory(exporter::WireProtocol protocol,
                                               const sim::Model& model) {
  switch (protocol) {
    case exporter::WireProtocol::kHttpJson:
      return FactoryFor<exporter::OtlpJsonEncoder>(&model);
    case exporter::WireProtocol::kGrpc:
    case exporter::WireProtocol::kHttpProtobuf:
      return FactoryFor<exporter::OtlpProtoEncoder>(&model);
    case exporter::WireProtocol::kZipkinJson:
      return FactoryFor<exporter::ZipkinJsonEncoder>(&model);
  }
  return sim::Status::Unsupported("unknown wire protocol");
}

}  // namespace tracesim::loadgen
