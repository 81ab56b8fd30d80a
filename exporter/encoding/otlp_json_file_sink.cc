#include "exporter/encoding/otlp_json_file_sink.h"

#include <cerrno>
#include <cstring>

namespace tracesim::exporter {

sim::Status OtlpJsonFileOptions::Validate() const {
  if (max_spans_per_request < 1 || max_spans_per_request > 1'000'000) {
    return sim::Status::InvalidArgument("max_spans_per_request must be in [1, 1000000], got " +
                                        std::to_string(max_spans_per_request));
  }
  if (buffer_bytes < (4u << 10) || buffer_bytes > (1u << 30)) {
    return sim::Status::InvalidArgument("buffer_bytes must be in [4096, 1073741824], got " +
                                        std::to_string(buffer_bytes));
  }
  return sim::Status::Ok();
}

sim::Result<std::unique_ptr<OtlpJsonFileSink>> OtlpJsonFileSink::Open(const std::string& path,
                                                                      const sim::Model& model,
                                                                      OtlpJsonFileOptions options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate().WithContext("OTLP JSON file options"));
  if (path.empty()) return sim::Status::InvalidArgument("OTLP JSON output path is empty");
  const bool is_stdout = path == "-";
  FILE* f = is_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    const int err = errno;
    std::string msg = "cannot open '" + path + "' for writing: " + std::strerror(err);
    return err == ENOENT ? sim::Status::NotFound(std::move(msg))
                         : sim::Status::IoError(std::move(msg));
  }
  return std::unique_ptr<OtlpJsonFileSink>(
      new OtlpJsonFileSink(path, model, options, f, !is_stdout));
}

OtlpJsonFileSink::OtlpJsonFileSink(std::string path, const sim::Model& model,
                                   OtlpJsonFileOptions options, FILE* file, bool owns_file)
    : path_(std::move(path)),
      options_(options),
      encoder_(model),
      file_(file),
      owns_file_(owns_file) {
  if (owns_file_) {
    stdio_buffer_ = std::make_unique<char[]>(options_.buffer_bytes);
    std::setvbuf(file_, stdio_buffer_.get(), _IOFBF, options_.buffer_bytes);
  }
  pending_spans_.reserve(options_.max_spans_per_request);
}

OtlpJsonFileSink::~OtlpJsonFileSink() { Close(); }

void OtlpJsonFileSink::RecordError(const char* what, int err) noexcept {
  if (!status_.ok()) return;
  status_ = sim::Status::IoError(std::string(what) + " '" + path_ + "': " + std::strerror(err));
}

void OtlpJsonFileSink::WriteRequest(std::span<const sim::Span> spans,
                                    std::span<const sim::SpanEvent> events,
                                    std::span<const sim::SpanLink> links) noexcept {
  if (spans.empty()) return;
  line_.clear();
  encoder_.Encode(spans, events, links, &line_);
  line_.push_back('\n');
  ++lines_;
  spans_ += spans.size();
  if (!status_.ok()) return;  // keep counting, stop writing after the first error
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
    RecordError("cannot write", errno);
  }
}

void OtlpJsonFileSink::FlushPending() noexcept {
  WriteRequest(pending_spans_, pending_events_, pending_links_);
  pending_spans_.clear();
  pending_events_.clear();
  pending_links_.clear();
}

void OtlpJsonFileSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (closed_ || trace.spans.empty()) return;
  const size_t max = options_.max_spans_per_request;
  const size_t n = trace.spans.size();
  if (!pending_spans_.empty() && pending_spans_.size() + n > max) FlushPending();
  if (n > max) {
    // Oversized trace: written directly in chunks of `max` (ranges index the view's arrays).
    for (size_t i = 0; i < n; i += max) {
      WriteRequest(trace.spans.subspan(i, std::min(max, n - i)), trace.events, trace.links);
    }
    return;
  }
  const uint32_t event_base = static_cast<uint32_t>(pending_events_.size());
  const uint32_t link_base = static_cast<uint32_t>(pending_links_.size());
  pending_events_.insert(pending_events_.end(), trace.events.begin(), trace.events.end());
  pending_links_.insert(pending_links_.end(), trace.links.begin(), trace.links.end());
  for (const sim::Span& s : trace.spans) {
    pending_spans_.push_back(s);
    pending_spans_.back().first_event += event_base;
    pending_spans_.back().first_link += link_base;
  }
  if (pending_spans_.size() == max) FlushPending();
}

sim::Status OtlpJsonFileSink::Close() {
  if (closed_) return status_;
  FlushPending();
  closed_ = true;
  if (std::fflush(file_) != 0) RecordError("cannot write", errno);
  if (owns_file_) {
    if (std::fclose(file_) != 0) RecordError("cannot close", errno);
  } else if (std::ferror(file_)) {
    RecordError("cannot write", EIO);
  }
  file_ = nullptr;
  return status_;
}

}  // namespace tracesim::exporter
