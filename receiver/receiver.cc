#include "receiver/receiver.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "exporter/proto/trace_service.grpc.pb.h"
#include "receiver/fault_injector.h"
#include "receiver/http_server.h"
#include "receiver/otlp_codec.h"
#include "receiver/proto/rpc_status.pb.h"
#include "receiver/wire/otlp_scan.h"

namespace tracesim::receiver {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using opentelemetry::proto::collector::trace::v1::TraceService;
using Clock = std::chrono::steady_clock;

constexpr char kRetryInfoType[] = "type.googleapis.com/google.rpc.RetryInfo";
constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";
constexpr char kProtobufType[] = "application/x-protobuf";
constexpr char kJsonType[] = "application/json";

// How a request is answered, independent of the protocol.
struct Answer {
  enum class Kind { kOk, kBadData, kTooLarge, kReject, kUnavailable, kThrottle, kDrop };
  Kind kind = Kind::kOk;
  std::string message;         // error message, or the partial-success message
  int64_t rejected_spans = 0;  // partial success
  std::string bad_field;       // BadRequest field violation, when known
  bool slow = false;
};

// Serialized google.rpc.Status with optional RetryInfo / BadRequest details.
std::string RpcStatusBytes(int code, const std::string& message,
                           std::chrono::milliseconds retry_after, const std::string& bad_field) {
  rpc::Status st;
  st.set_code(code);
  st.set_message(message);
  if (retry_after.count() > 0) {
    rpc::RetryInfo info;
    info.mutable_retry_delay()->set_seconds(retry_after.count() / 1000);
    info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(retry_after.count() % 1000) *
                                          1'000'000);
    auto* any = st.add_details();
    any->set_type_url(kRetryInfoType);
    any->set_value(info.SerializeAsString());
  }
  if (!bad_field.empty()) {
    rpc::BadRequest bad;
    auto* v = bad.add_field_violations();
    v->set_field(bad_field);
    v->set_description(message);
    auto* any = st.add_details();
    any->set_type_url(kBadRequestType);
    any->set_value(bad.SerializeAsString());
  }
  return st.SerializeAsString();
}

std::string RpcStatusJson(int code, const std::string& message,
                          std::chrono::milliseconds retry_after) {
  nlohmann::json j = {{"code", code}, {"message", message}};
  if (retry_after.count() > 0) {
    char delay[32];
    std::snprintf(delay, sizeof(delay), "%.3fs", static_cast<double>(retry_after.count()) / 1e3);
    j["details"] =
        nlohmann::json::array({{{"@type", kRetryInfoType}, {"retryDelay", std::string(delay)}}});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Lowercased media type without parameters ("application/json; charset=utf-8" -> "...json").
std::string MediaType(std::string_view value) {
  size_t semi = value.find(';');
  std::string_view t = value.substr(0, semi);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  std::string out(t);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The answer to one OTLP/HTTP request being built: error bodies are a google.rpc.Status in the
// request's encoding, or text/plain when the request is in neither OTLP encoding (a GET,
// text/plain), as the Collector answers; every answer is counted.
struct HttpAnswer {
  explicit HttpAnswer(ReceiverStats& s) : stats(s) {}

  ReceiverStats& stats;
  bool json = false;
  bool text = false;
  HttpReply reply;

  HttpReply Fail(unsigned status, int grpc_code, const std::string& message,
                 std::chrono::milliseconds retry_after) {
    reply.status = status;
    reply.body = json   ? RpcStatusJson(grpc_code, message, retry_after)
                 : text ? message + "\n"
                        : RpcStatusBytes(grpc_code, message, retry_after, "");
    if (retry_after.count() > 0) {
      reply.headers.emplace_back("Retry-After", std::to_string((retry_after.count() + 999) / 1000));
    }
    stats.AddRequest(Protocol::kHttp, static_cast<int>(status));
    return reply;
  }
};

}  // namespace

struct Receiver::Impl {
  class Service;

  explicit Impl(const ReceiverOptions& o) : options(o), faults(o.faults) {}

  // Checks, counts and answers one decoded request: its spans (ListSpans or the scanner) and,
  // when --out writes it, the parsed message.
  Answer Process(const std::vector<SpanIds>& spans, const ExportRequest* full, Protocol protocol,
                 uint64_t wire, uint64_t decoded);
  // Decodes a protobuf body into *spans: with ScanExportRequest when nothing needs the message
  // (no --out), else, or when the scanner hands the body over, with libprotobuf on *arena (made
  // here), *full then pointing at the message. False: not a valid ExportTraceServiceRequest.
  bool DecodeProtobuf(const std::string& body, std::optional<google::protobuf::Arena>* arena,
                      std::vector<SpanIds>* spans, const ExportRequest** full);
  HttpReply HandleOtlpHttp(const HttpRequest& req, bool too_large);
  // The request's path, method, size and Content-Type; an answer when they refuse it.
  std::optional<HttpReply> CheckHttpRequest(const HttpRequest& req, bool too_large,
                                            const std::string& media, HttpAnswer& a);
  // Inflates a gzip body into `inflated` (within the limit) and points `body` at what to parse;
  // an answer when it cannot.
  std::optional<HttpReply> InflateHttpBody(const HttpRequest& req, std::string* inflated,
                                           const std::string** body, HttpAnswer& a);
  // The answer to a decoded request, as Process decided it.
  HttpReply AnswerHttp(const Answer& answer, HttpAnswer& a);
  HttpReply HandleMetrics(const HttpRequest& req, bool too_large);
  // The servers Start() asks for, each listening when it returns ok.
  sim::Status StartHttpServer();
  sim::Status StartMetricsServer();
  sim::Status StartGrpcServer();
  // Runs `fn` after `delay` on the timer strand (at once when stopping).
  void After(std::chrono::milliseconds delay, std::function<void()> fn);

  // libprotobuf writes a line to stderr for some malformed inputs (invalid UTF-8 in a string
  // field); the client gets its own error answer, and a line per request would let it flood the
  // log. Non-fatal protobuf logs are dropped while a receiver runs (issue 16).
  google::protobuf::LogSilencer quiet_protobuf;
  ReceiverOptions options;
  ReceiverStats stats;
  FaultInjector faults;
  Clock::time_point started = Clock::now();
  std::optional<Clock::time_point> stopped;

  std::mutex out_mu;
  std::FILE* out = nullptr;  // GUARDED_BY(out_mu)
  sim::Status out_status;    // GUARDED_BY(out_mu)

  // `ioc` runs the listeners, the metrics server, the timers and a share of the OTLP/HTTP
  // connections; each of `http_contexts` (http_threads - 1 of them) runs the others' share, on
  // a thread of its own, so a connection stays on one thread (fewer wake-ups and cache moves:
  // bench/README.md, "OTLP/HTTP connections on one thread each"). Declared first so that they
  // are destroyed last: `ioc`'s pending accept holds the next connection's socket, made on one
  // of them.
  std::vector<std::unique_ptr<net::io_context>> http_contexts;
  net::io_context ioc;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  net::strand<net::io_context::executor_type> timer_strand{ioc.get_executor()};
  std::set<std::shared_ptr<net::steady_timer>> timers;  // on timer_strand
  bool stopping = false;                                // on timer_strand
  std::vector<std::thread> threads;

  std::unique_ptr<HttpServer> http_server;
  std::unique_ptr<HttpServer> metrics_server;
  std::unique_ptr<Service> service;
  std::unique_ptr<grpc::Server> grpc_server;
  uint16_t grpc_port = 0;
  bool stopped_once = false;
};

// Whether a gRPC message is compressed. gRPC hands the message over as received (per-message
// decompression is off, so that inflation is bounded by the receiver's limit); neither the
// per-message compressed flag nor grpc-encoding is visible through the C++ API, so the format
// is recognised by its header: gzip (1f 8b; a protobuf cannot start with 0x1f, wire type 7) or
// zlib for "deflate" (CMF/FLG check; a protobuf would start with an unknown field 15). A zlib
// lookalike that does not inflate is parsed as protobuf.
enum class Compression { kNone, kGzip, kMaybeZlib };
Compression DetectCompression(const std::string& wire) {
  if (wire.size() < 2) return Compression::kNone;
  auto b0 = static_cast<uint8_t>(wire[0]), b1 = static_cast<uint8_t>(wire[1]);
  if (b0 == 0x1f && b1 == 0x8b) return Compression::kGzip;
  if ((b0 & 0x0f) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0) {
    return Compression::kMaybeZlib;
  }
  return Compression::kNone;
}

// The gRPC TraceService on the callback API with a raw (ByteBuffer) method, so that the receiver
// inflates and parses the message itself under its limits. Answers are finished on gRPC's
// threads, or on the timer strand for slow answers.
class Receiver::Impl::Service final
    : public TraceService::WithRawCallbackMethod_Export<TraceService::Service> {
 public:
  explicit Service(Impl* impl) : impl_(impl) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (context->IsCancelled()) {
      // Reset by the client before its turn (rapid reset): no work, nothing to count.
      reactor->Finish(grpc::Status::CANCELLED);
      return reactor;
    }
    // Catch-all: an exception must never reach gRPC's thread (it would abort the process).
    std::string what = "unknown exception";
    try {
      return Handle(context, reactor, *request, response);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    impl_->stats.AddRequest(Protocol::kGrpc, grpc::StatusCode::INTERNAL);
    reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "internal error: " + what));
    return reactor;
  }

  // Largest message accepted from the wire (compressed or not): twice the limit plus 64 KiB, so
  // that uncompressed requests somewhat over the limit are still decoded and their spans
  // counted as refused; gRPC refuses larger ones itself.
  static uint64_t Backstop(uint64_t limit) {
    return std::min<uint64_t>(INT_MAX, limit * 2 + (64 << 10));
  }

 private:
  grpc::ServerUnaryReactor* Finish(grpc::ServerUnaryReactor* reactor, grpc::StatusCode code,
                                   const std::string& message) {
    impl_->stats.AddRequest(Protocol::kGrpc, code);
    reactor->Finish(
        grpc::Status(code, message,
                     code == grpc::StatusCode::INVALID_ARGUMENT
                         ? RpcStatusBytes(code, message, std::chrono::milliseconds(0), "")
                         : ""));
    return reactor;
  }

  // Decodes, checks, counts and answers one request. Over 80 lines: one switch over the answer
  // kinds, kept beside the decoding it depends on.
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   grpc::ServerUnaryReactor* reactor, const grpc::ByteBuffer& in,
                                   grpc::ByteBuffer* out) {
    const uint64_t limit = impl_->options.max_request_bytes;
    std::string wire;
    {
      std::vector<grpc::Slice> slices;
      if (!in.Dump(&slices).ok()) {
        return Finish(reactor, grpc::StatusCode::INTERNAL, "cannot read the request message");
      }
      wire.reserve(in.Length());
      for (const auto& slice : slices) {
        wire.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
    }
    std::string inflated;
    const std::string* body = &wire;
    Compression compression = DetectCompression(wire);
    if (compression != Compression::kNone) {
      bool over = false;
      // Inflated up to the limit only (as on HTTP): a bomb costs at most ~2 x the limit while
      // inflating; the spans of a compressed request over the limit are not counted.
      sim::Status st = Gunzip(wire, limit, &inflated, &over);
      if (over) {
        impl_->stats.AddBytes(Protocol::kGrpc, wire.size(), 0);
        return Finish(reactor, grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "request of " + std::to_string(wire.size()) +
                          " compressed bytes inflates past the limit of " + std::to_string(limit) +
                          " bytes");
      }
      if (st.ok()) {
        body = &inflated;
      } else if (compression == Compression::kGzip) {
        return Finish(reactor, grpc::StatusCode::INVALID_ARGUMENT, st.message());
      }
    }
    std::optional<google::protobuf::Arena> arena;
    std::vector<SpanIds> spans;
    const ExportRequest* full = nullptr;
    if (!impl_->DecodeProtobuf(*body, &arena, &spans, &full)) {
      return Finish(reactor, grpc::StatusCode::INVALID_ARGUMENT,
                    "body is not a valid protobuf ExportTraceServiceRequest (truncated or "
                    "malformed)");
    }
    ExportResponse response_message;
    ExportResponse* response = &response_message;
    uint64_t size = body->size();
    Answer answer;
    if (size > limit) {
      impl_->stats.AddBytes(Protocol::kGrpc, wire.size(), size);
      impl_->stats.AddSpans(Protocol::kGrpc, 0, 0, 0, spans.size());
      answer.kind = Answer::Kind::kTooLarge;
      answer.message = "request of " + std::to_string(size) + " bytes exceeds the limit of " +
                       std::to_string(limit) + " bytes";
    } else {
      answer = impl_->Process(spans, full, Protocol::kGrpc, wire.size(), size);
    }
    const auto retry = impl_->options.faults.retry_after;
    grpc::Status status;
    switch (answer.kind) {
      case Answer::Kind::kOk:
        if (answer.rejected_spans > 0 || !answer.message.empty()) {
          auto* ps = response->mutable_partial_success();
          ps->set_rejected_spans(answer.rejected_spans);
          ps->set_error_message(answer.message);
        }
        {
          std::string bytes = response->SerializeAsString();
          grpc::Slice slice(bytes);
          *out = grpc::ByteBuffer(&slice, 1);
        }
        break;
      case Answer::Kind::kBadData:
      case Answer::Kind::kReject:
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, answer.message,
                              RpcStatusBytes(grpc::StatusCode::INVALID_ARGUMENT, answer.message,
                                             std::chrono::milliseconds(0), answer.bad_field));
        break;
      case Answer::Kind::kTooLarge:
        status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, answer.message);
        break;
      case Answer::Kind::kUnavailable:
        status =
            grpc::Status(grpc::StatusCode::UNAVAILABLE, answer.message,
                         RpcStatusBytes(grpc::StatusCode::UNAVAILABLE, answer.message, retry, ""));
        break;
      case Answer::Kind::kThrottle:
        status = grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED, answer.message,
            RpcStatusBytes(grpc::StatusCode::RESOURCE_EXHAUSTED, answer.message, retry, ""));
        break;
      case Answer::Kind::kDrop:
        // Abort the stream: the client sees CANCELLED (retryable).
        impl_->stats.AddRequest(Protocol::kGrpc, kDropped);
        context->TryCancel();
        reactor->Finish(grpc::Status::CANCELLED);
        return reactor;
    }
    impl_->stats.AddRequest(Protocol::kGrpc, status.error_code());
    if (answer.slow) {
      impl_->After(impl_->options.faults.delay, [reactor, status] { reactor->Finish(status); });
    } else {
      reactor->Finish(status);
    }
    return reactor;
  }

  Impl* impl_;
};

bool Receiver::Impl::DecodeProtobuf(const std::string& body,
                                    std::optional<google::protobuf::Arena>* arena,
                                    std::vector<SpanIds>* spans, const ExportRequest** full) {
  *full = nullptr;
  if (options.out_path.empty() && ScanExportRequest(body, spans)) return true;
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = std::min<size_t>(body.size() * 2 + 4096, 8u << 20);
  arena->emplace(arena_options);
  auto* request = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena->value());
  if (!request->ParseFromString(body)) return false;
  ListSpans(*request, spans);
  *full = request;
  return true;
}

Answer Receiver::Impl::Process(const std::vector<SpanIds>& spans, const ExportRequest* full,
                               Protocol protocol, uint64_t wire, uint64_t decoded) {
  Answer answer;
  FaultDecision fault = faults.Next();
  answer.slow = fault.slow;
  std::string invalid_mask;
  SpanCheck check = CheckSpans(spans, &invalid_mask);
  stats.AddBytes(protocol, wire, decoded);
  if (fault.action != FaultAction::kNone) {
    stats.AddSpans(protocol, 0, 0, 0, check.spans);
    switch (fault.action) {
      case FaultAction::kDrop:
        answer.kind = Answer::Kind::kDrop;
        break;
      case FaultAction::kUnavailable:
        answer.kind = Answer::Kind::kUnavailable;
        answer.message = "receiver unavailable (injected fault: unavailable)";
        break;
      case FaultAction::kThrottle:
        answer.kind = Answer::Kind::kThrottle;
        answer.message = "receiver throttling (injected fault: throttle)";
        break;
      default:
        answer.kind = Answer::Kind::kReject;
        answer.message = "request rejected (injected fault: reject)";
        break;
    }
    return answer;
  }
  if (check.spans > 0 && check.invalid == check.spans) {
    stats.AddSpans(protocol, 0, check.invalid, 0, 0);
    answer.kind = Answer::Kind::kBadData;
    answer.message =
        "all " + std::to_string(check.spans) + " spans are invalid; first: " + check.first_problem;
    answer.bad_field = check.first_problem.substr(0, check.first_problem.find(':'));
    return answer;
  }
  uint64_t accepted = 0, partial = 0;
  for (size_t index = 0; index < spans.size(); ++index) {
    if (invalid_mask[index]) continue;
    if (faults.RejectSpan(fault.index, index)) {
      ++partial;
      continue;
    }
    ++accepted;
    stats.AddTraceId(spans[index].trace_id);
  }
  stats.AddSpans(protocol, accepted, check.invalid, partial, 0);
  answer.rejected_spans = static_cast<int64_t>(check.invalid + partial);
  if (check.invalid > 0) {
    answer.message =
        std::to_string(check.invalid) + " invalid spans; first: " + check.first_problem;
  }
  if (partial > 0) {
    if (!answer.message.empty()) answer.message += "; ";
    answer.message += std::to_string(partial) + " spans rejected (injected fault: partial)";
  }
  std::lock_guard<std::mutex> lock(out_mu);
  if (out != nullptr && out_status.ok() && full != nullptr) {
    std::string line = ToOtlpJson(*full);
    line += '\n';
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) {
      out_status = sim::Status::IoError("--out " + options.out_path + ": write failed");
    }
  }
  return answer;
}

HttpReply Receiver::Impl::HandleOtlpHttp(const HttpRequest& req, bool too_large) {
  HttpAnswer a(stats);
  std::string media = MediaType(Sv(req[http::field::content_type]));
  a.json = media == kJsonType;
  a.text = !a.json && media != kProtobufType;
  a.reply.content_type = a.json ? kJsonType : a.text ? "text/plain; charset=utf-8" : kProtobufType;
  if (std::optional<HttpReply> refused = CheckHttpRequest(req, too_large, media, a)) {
    return *refused;
  }
  std::string inflated;
  const std::string* body = &req.body();
  if (std::optional<HttpReply> refused = InflateHttpBody(req, &inflated, &body, a)) {
    return *refused;
  }
  std::optional<google::protobuf::Arena> arena;
  std::vector<SpanIds> spans;
  const ExportRequest* full = nullptr;
  if (a.json) {
    arena.emplace();
    auto* request = google::protobuf::Arena::CreateMessage<ExportRequest>(&*arena);
    sim::Status st = ParseOtlpJson(*body, request);
    if (!st.ok()) {
      return a.Fail(400, grpc::StatusCode::INVALID_ARGUMENT, st.message(),
                    std::chrono::milliseconds(0));
    }
    ListSpans(*request, &spans);
    full = request;
  } else if (!DecodeProtobuf(*body, &arena, &spans, &full)) {
    return a.Fail(400, grpc::StatusCode::INVALID_ARGUMENT,
                  "body is not a valid protobuf ExportTraceServiceRequest (truncated or malformed)",
                  std::chrono::milliseconds(0));
  }
  return AnswerHttp(Process(spans, full, Protocol::kHttp, req.body().size(), body->size()), a);
}

std::optional<HttpReply> Receiver::Impl::CheckHttpRequest(const HttpRequest& req, bool too_large,
                                                          const std::string& media, HttpAnswer& a) {
  std::string_view target(req.target().data(), req.target().size());
  target = target.substr(0, target.find('?'));
  if (target != "/v1/traces") {
    return a.Fail(404, grpc::StatusCode::NOT_FOUND,
                  "no such path '" + std::string(target) + "'; OTLP traces go to POST /v1/traces",
                  std::chrono::milliseconds(0));
  }
  if (req.method() != http::verb::post) {
    a.reply.headers.emplace_back("Allow", "POST");
    return a.Fail(405, grpc::StatusCode::UNIMPLEMENTED,
                  "method " + std::string(Sv(req.method_string())) + " not allowed; use POST",
                  std::chrono::milliseconds(0));
  }
  if (too_large) {
    return a.Fail(
        413, grpc::StatusCode::RESOURCE_EXHAUSTED,
        "request body exceeds the limit of " + std::to_string(options.max_request_bytes) + " bytes",
        std::chrono::milliseconds(0));
  }
  if (!a.json && media != kProtobufType) {
    return a.Fail(415, grpc::StatusCode::INVALID_ARGUMENT,
                  "unsupported Content-Type '" + std::string(Sv(req[http::field::content_type])) +
                      "'; use application/x-protobuf or application/json",
                  std::chrono::milliseconds(0));
  }
  return std::nullopt;
}

std::optional<HttpReply> Receiver::Impl::InflateHttpBody(const HttpRequest& req,
                                                         std::string* inflated,
                                                         const std::string** body, HttpAnswer& a) {
  std::string encoding = MediaType(Sv(req[http::field::content_encoding]));
  if (encoding == "gzip" || encoding == "x-gzip") {
    bool over = false;
    sim::Status st = Gunzip(req.body(), options.max_request_bytes, inflated, &over);
    if (over) {
      return a.Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED, st.message(),
                    std::chrono::milliseconds(0));
    }
    if (!st.ok()) {
      return a.Fail(400, grpc::StatusCode::INVALID_ARGUMENT, st.message(),
                    std::chrono::milliseconds(0));
    }
    *body = inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    return a.Fail(415, grpc::StatusCode::INVALID_ARGUMENT,
                  "unsupported Content-Encoding '" + encoding + "'; use gzip or none",
                  std::chrono::milliseconds(0));
  }
  return std::nullopt;
}

HttpReply Receiver::Impl::AnswerHttp(const Answer& answer, HttpAnswer& a) {
  const auto retry = options.faults.retry_after;
  if (answer.slow) a.reply.delay = options.faults.delay;
  switch (answer.kind) {
    case Answer::Kind::kOk: {
      ExportResponse response;
      if (answer.rejected_spans > 0 || !answer.message.empty()) {
        response.mutable_partial_success()->set_rejected_spans(answer.rejected_spans);
        response.mutable_partial_success()->set_error_message(answer.message);
      }
      a.reply.status = 200;
      a.reply.body = a.json ? ResponseToJson(response) : response.SerializeAsString();
      stats.AddRequest(Protocol::kHttp, 200);
      return a.reply;
    }
    case Answer::Kind::kBadData:
    case Answer::Kind::kReject:
      if (a.json) return a.Fail(400, grpc::StatusCode::INVALID_ARGUMENT, answer.message, {});
      a.reply.status = 400;
      a.reply.body = RpcStatusBytes(grpc::StatusCode::INVALID_ARGUMENT, answer.message,
                                    std::chrono::milliseconds(0), answer.bad_field);
      stats.AddRequest(Protocol::kHttp, 400);
      return a.reply;
    case Answer::Kind::kTooLarge:
      return a.Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED, answer.message, {});
    case Answer::Kind::kUnavailable:
      return a.Fail(503, grpc::StatusCode::UNAVAILABLE, answer.message, retry);
    case Answer::Kind::kThrottle:
      return a.Fail(429, grpc::StatusCode::RESOURCE_EXHAUSTED, answer.message, retry);
    case Answer::Kind::kDrop:
      a.reply.drop = true;
      stats.AddRequest(Protocol::kHttp, kDropped);
      return a.reply;
  }
  return a.reply;
}

HttpReply Receiver::Impl::HandleMetrics(const HttpRequest& req, bool too_large) {
  HttpReply reply;
  reply.content_type = "text/plain; charset=utf-8";
  std::string_view target(req.target().data(), req.target().size());
  target = target.substr(0, target.find('?'));
  if (target != "/metrics") {
    reply.status = 404;
    reply.body = "not found; metrics are at GET /metrics\n";
  } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
    reply.status = 405;
    reply.headers.emplace_back("Allow", "GET");
    reply.body = "use GET\n";
  } else {
    stats.RefreshGauges();
    reply.content_type = stats.registry().ContentType();
    reply.body = stats.registry().Render();
  }
  return reply;
}

void Receiver::Impl::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  net::post(timer_strand, [this, delay, fn = std::move(fn)]() mutable {
    if (stopping) {
      fn();
      return;
    }
    auto timer = std::make_shared<net::steady_timer>(timer_strand, delay);
    timers.insert(timer);
    timer->async_wait([this, timer, fn = std::move(fn)](boost::system::error_code) {
      timers.erase(timer);
      fn();
    });
  });
}

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Receiver::~Receiver() { (void)Stop(); }

sim::Status Receiver::Impl::StartHttpServer() {
  HostPort hp = *ParseHostPort(options.http_address);
  HttpLimits limits;
  limits.body_limit = options.max_request_bytes;
  limits.max_connections = options.http_max_connections;
  limits.header_timeout = options.http_header_timeout;
  limits.idle_timeout = options.http_idle_timeout;
  std::vector<net::io_context*> spread{&ioc};
  for (const auto& c : http_contexts) spread.push_back(c.get());
  auto server = HttpServer::Start(
      ioc, hp.host, hp.port, limits,
      [this](const HttpRequest& r, bool too_large) {
        // Catch-all (counted): the server's own catch-all is the last resort.
        try {
          return HandleOtlpHttp(r, too_large);
        } catch (const std::exception& e) {
          stats.AddRequest(Protocol::kHttp, 500);
          return TextReply(500, std::string("internal error: ") + e.what() + "\n");
        }
      },
      std::move(spread));
  if (!server.ok()) return server.status().WithContext("OTLP/HTTP");
  http_server = std::move(server).value();
  return sim::Status::Ok();
}

sim::Status Receiver::Impl::StartMetricsServer() {
  HostPort hp = *ParseHostPort(options.metrics_address);
  HttpLimits limits;
  limits.body_limit = 64 * 1024;
  limits.max_connections = 64;
  auto server = HttpServer::Start(
      ioc, hp.host, hp.port, limits,
      [this](const HttpRequest& r, bool too_large) { return HandleMetrics(r, too_large); });
  if (!server.ok()) return server.status().WithContext("metrics");
  metrics_server = std::move(server).value();
  return sim::Status::Ok();
}

sim::Status Receiver::Impl::StartGrpcServer() {
  HostPort hp = *ParseHostPort(options.grpc_address);
  std::string where = (hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host) +
                      ":" + std::to_string(hp.port);
  service = std::make_unique<Impl::Service>(this);
  // gRPC may set SO_REUSEPORT on its listeners whatever the channel arguments say (seen with
  // the Debian 1.51 build), which would let two receivers share a port silently. A fixed port
  // is therefore probed first with a plain socket: if that bind fails, the port is taken.
  if (hp.port != 0) {
    boost::asio::io_context probe_ctx;
    boost::asio::ip::tcp::acceptor probe(probe_ctx);
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(hp.host == "localhost" ? "127.0.0.1" : hp.host, ec);
    if (!ec) {
      boost::asio::ip::tcp::endpoint ep(addr, hp.port);
      probe.open(ep.protocol(), ec);
      // SO_REUSEADDR as every listener sets it: connections of a previous run in TIME_WAIT
      // must not block the port (issue 16 item 4); a live listener still does.
      if (!ec) probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
      if (!ec) probe.bind(ep, ec);
      if (ec == boost::asio::error::address_in_use) {
        return sim::Status::IoError("OTLP/gRPC: cannot listen on " + where +
                                    ": address already in use");
      }
    }
  }
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort(where, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(service.get());
  // Never share the port with another server silently (gRPC sets SO_REUSEPORT by default).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Rapid reset and stream floods (issue 16 item 3): at most this many streams per
  // connection, and a memory quota for gRPC's connections and calls; past the quota gRPC
  // reclaims memory by closing connections.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(options.grpc_max_concurrent_streams));
  grpc::ResourceQuota quota("tracesim-receiver");
  quota.Resize(static_cast<size_t>(
      std::max<uint64_t>(options.grpc_memory_limit_bytes, 4 * options.max_request_bytes)));
  builder.SetResourceQuota(quota);
  // gRPC hands messages over still compressed; the receiver inflates them with a limit
  // (issue 16 item 2: gRPC used to inflate a 1 MiB gzip bomb to 1 GiB before any check).
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  // The receiver checks the limit itself (and counts the answer); gRPC's own limit, on the
  // message as sent, is a backstop against requests far over it.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(Impl::Service::Backstop(options.max_request_bytes)));
  grpc_server = builder.BuildAndStart();
  if (grpc_server == nullptr || selected == 0) {
    return sim::Status::IoError("OTLP/gRPC: cannot listen on " + where);
  }
  grpc_port = static_cast<uint16_t>(selected);
  return sim::Status::Ok();
}

sim::Result<std::unique_ptr<Receiver>> Receiver::Start(const ReceiverOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>(options);
  Impl* p = impl.get();
  if (!options.out_path.empty()) {
    p->out = options.out_path == "-" ? stdout : std::fopen(options.out_path.c_str(), "w");
    if (p->out == nullptr) {
      return sim::Status::IoError("--out " + options.out_path +
                                  ": cannot open for writing: " + std::strerror(errno));
    }
  }
  std::unique_ptr<Receiver> receiver(new Receiver(std::move(impl)));
  if (options.collector_metrics) p->stats.EnableCollectorSeries();
  p->work.push_back(net::make_work_guard(p->ioc));
  if (!options.http_address.empty()) {
    for (uint32_t i = 1; i < options.http_threads; ++i) {
      p->http_contexts.push_back(std::make_unique<net::io_context>(1));
      p->work.push_back(net::make_work_guard(*p->http_contexts.back()));
      // A socket made now creates the context's reactor (its epoll, event and timer
      // descriptors), which Asio would otherwise create at its first connection: perhaps when
      // descriptors have run out, and then the accept loop would throw instead of backing off
      // (HardeningTest.HttpAcceptBacksOffWhenOutOfDescriptors).
      net::ip::tcp::socket reactor_now(*p->http_contexts.back());
    }
    TRACESIM_RETURN_IF_ERROR(p->StartHttpServer());
  }
  if (!options.metrics_address.empty()) TRACESIM_RETURN_IF_ERROR(p->StartMetricsServer());
  if (!options.grpc_address.empty()) TRACESIM_RETURN_IF_ERROR(p->StartGrpcServer());
  // Without OTLP/HTTP connection contexts, every thread runs `ioc` (as the option says).
  const uint32_t on_ioc = p->http_contexts.empty() ? options.http_threads : 1;
  for (uint32_t i = 0; i < on_ioc; ++i) p->threads.emplace_back([p] { p->ioc.run(); });
  for (const auto& c : p->http_contexts) {
    p->threads.emplace_back([ctx = c.get()] { ctx->run(); });
  }
  p->started = Clock::now();
  return receiver;
}

uint16_t Receiver::grpc_port() const { return impl_->grpc_port; }
uint16_t Receiver::http_port() const { return impl_->http_server ? impl_->http_server->port() : 0; }
uint16_t Receiver::metrics_port() const {
  return impl_->metrics_server ? impl_->metrics_server->port() : 0;
}
ReceiverStats& Receiver::stats() { return impl_->stats; }

std::chrono::duration<double> Receiver::Elapsed() const {
  return (impl_->stopped ? *impl_->stopped : Clock::now()) - impl_->started;
}

sim::Status Receiver::Stop() {
  Impl* p = impl_.get();
  if (p->stopped_once) {
    std::lock_guard<std::mutex> lock(p->out_mu);
    return p->out_status;
  }
  p->stopped_once = true;
  p->stopped = Clock::now();
  if (p->http_server) p->http_server->Stop();
  if (p->metrics_server) p->metrics_server->Stop();
  // Send delayed answers now.
  net::post(p->timer_strand, [p] {
    p->stopping = true;
    for (const auto& t : p->timers) t->cancel();
  });
  if (p->grpc_server) {
    p->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    p->grpc_server->Wait();
  }
  p->work.clear();
  p->ioc.stop();
  for (const auto& c : p->http_contexts) c->stop();
  for (auto& t : p->threads) t.join();
  p->threads.clear();
  p->grpc_server.reset();
  p->http_server.reset();
  p->metrics_server.reset();
  std::lock_guard<std::mutex> lock(p->out_mu);
  if (p->out != nullptr) {
    const int closed = p->out == stdout ? std::fflush(p->out) : std::fclose(p->out);
    if (closed != 0 && p->out_status.ok()) {
      p->out_status = sim::Status::IoError("--out " + p->options.out_path + ": close failed");
    }
    p->out = nullptr;
  }
  return p->out_status;
}

std::string RenderSummaryJson(const StatsSnapshot& s, double duration_s, double peak_spans_per_s,
                              const ReceiverOptions& options) {
  using nlohmann::ordered_json;
  auto rate = [&](uint64_t n) { return duration_s > 0 ? static_cast<double>(n) / duration_s : 0; };
  ordered_json by_code = ordered_json::object();
  for (const auto& [k, v] : s.requests_by_code) by_code[k] = v;
  ordered_json j;
  j["duration_s"] = duration_s;
  j["requests"] = s.requests;
  j["requests_by_code"] = by_code;
  j["spans"] = {{"received", s.spans_received},
                {"accepted", s.spans_accepted},
                {"rejected", s.spans_invalid + s.spans_partial},
                {"invalid", s.spans_invalid},
                {"partial", s.spans_partial},
                {"refused", s.spans_refused}};
  j["bytes"] = {{"wire", s.bytes_wire}, {"decoded", s.bytes_decoded}};
  j["traces_seen"] = s.traces_seen;
  j["traces_seen_method"] = "hyperloglog-p14";
  j["rates"] = {{"requests_per_s", rate(s.requests)},
                {"spans_per_s", rate(s.spans_accepted)},
                {"bytes_per_s", rate(s.bytes_wire)},
                {"peak_spans_per_s", peak_spans_per_s}};
  j["config"] = {{"grpc", options.grpc_address},
                 {"http", options.http_address},
                 {"max_request_bytes", options.max_request_bytes},
                 {"out", options.out_path},
                 {"faults",
                  {{"reject", options.faults.reject},
                   {"unavailable", options.faults.unavailable},
                   {"throttle", options.faults.throttle},
                   {"drop", options.faults.drop},
                   {"partial", options.faults.partial},
                   {"slow", options.faults.slow},
                   {"delay_ms", options.faults.delay.count()},
                   {"retry_after_ms", options.faults.retry_after.count()},
                   {"seed", options.faults.seed}}}};
  return j.dump(2) + "\n";
}

}  // namespace tracesim::receiver
