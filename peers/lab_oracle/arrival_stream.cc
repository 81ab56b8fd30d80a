#include "peers/lab_oracle/arrival_stream.h"

#include <cerrno>
#include <cstring>

namespace tracesim::peers {

sim::Result<std::unique_ptr<ArrivalStreamWriter>> ArrivalStreamWriter::Open(
    const std::string& path, const sim::Model& model) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return sim::Status::IoError("cannot create " + path + ": " + std::strerror(errno));
  }
  std::unique_ptr<ArrivalStreamWriter> w(new ArrivalStreamWriter(f, path, model));
  if (std::fwrite(kArrivalsMagic, 1, 8, f) != 8) w->failed_ = true;
  return w;
}

ArrivalStreamWriter::ArrivalStreamWriter(std::FILE* f, std::string path, const sim::Model& model)
    : f_(f), path_(std::move(path)), encoder_(model) {}

ArrivalStreamWriter::~ArrivalStreamWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

void ArrivalStreamWriter::WriteSpan(int64_t arrival_unix_nanos, const sim::Span& span,
                                    std::span<const sim::SpanEvent> events,
                                    std::span<const sim::SpanLink> links) {
  sim::Span own = span;
  own.first_event = 0;
  own.first_link = 0;
  scratch_.clear();
  encoder_.Encode(std::span<const sim::Span>(&own, 1), events, links, &scratch_);
  WriteRequest(arrival_unix_nanos, scratch_);
}

void ArrivalStreamWriter::WriteSpans(int64_t arrival_unix_nanos, std::span<const sim::Span> spans,
                                     std::span<const sim::SpanEvent> events,
                                     std::span<const sim::SpanLink> links) {
  scratch_.clear();
  encoder_.Encode(spans, events, links, &scratch_);
  WriteRequest(arrival_unix_nanos, scratch_);
}

void ArrivalStreamWriter::WriteRequest(int64_t arrival_unix_nanos, std::string_view request) {
  uint64_t at = arrival_unix_nanos < 0 ? 0 : static_cast<uint64_t>(arrival_unix_nanos);
  if (at < last_) at = last_;
  last_ = at;
  unsigned char hdr[12];
  for (int i = 0; i < 8; ++i) hdr[i] = static_cast<unsigned char>(at >> (8 * i));
  const auto len = static_cast<uint32_t>(request.size());
  for (int i = 0; i < 4; ++i) hdr[8 + i] = static_cast<unsigned char>(len >> (8 * i));
  if (std::fwrite(hdr, 1, sizeof hdr, f_) != sizeof hdr ||
      std::fwrite(request.data(), 1, request.size(), f_) != request.size()) {
    failed_ = true;
  }
  ++records_;
}

sim::Status ArrivalStreamWriter::Close() {
  if (f_ == nullptr) return sim::Status::Ok();
  const bool close_failed = std::fclose(f_) != 0;
  f_ = nullptr;
  if (failed_ || close_failed) return sim::Status::IoError("cannot write " + path_);
  return sim::Status::Ok();
}

}  // namespace tracesim::peers
