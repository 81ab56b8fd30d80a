// OTLP/gRPC transport: grpc++ GenericStub with the asynchronous API (the request body is already
// serialized, so it goes out as a ByteBuffer without a parse), `connections` channels used round
// robin, each with its own subchannel pool so they really are separate HTTP/2 connections.
//
// One thread of ours polls the transport's completion queue: it reads the responses and calls
// `done`. grpc++ 1.51's callback API (Debian 12's) ran the callbacks on two "nexting" threads of
// its own, which passed the poller role between them with futex wake-ups: 16 % of the generator's
// CPU samples at 200 k spans/s, a third of them in the scheduler (bench/README.md, "The
// generator sends what it can itself; one poller thread for the gRPC exporter").
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "exporter/transport/transport_internal.h"

namespace tracesim::exporter::internal {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

class GrpcTransport final : public Transport {
 public:
  GrpcTransport(const TransportOptions& options,
                std::vector<std::shared_ptr<grpc::Channel>> channels)
      : options_(options) {
    for (auto& ch : channels) stubs_.push_back(std::make_unique<grpc::GenericStub>(ch));
    poller_ = std::thread([this] { Poll(); });
  }
  ~GrpcTransport() override { Shutdown(); }

  void ExportAsync(ExportRequest request, std::function<void(ExportResult)> done) override {
    auto call = std::make_unique<Call>();
    call->id = request.id;
    call->spans = request.spans;
    call->done = std::move(done);
    call->start = std::chrono::steady_clock::now();
    call->ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
    if (options_.gzip) call->ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : options_.headers) {
      std::string key = k;
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      call->ctx.AddMetadata(key, v);
    }
    // The slice owns a reference to the caller's bytes: no copy (issue 12).
    using Hold = std::shared_ptr<const std::string>;
    auto* hold = new Hold(std::move(request.body));
    grpc::Slice slice(
        const_cast<char*>((*hold)->data()), (*hold)->size(),
        [](void* h) { delete static_cast<Hold*>(h); }, hold);
    call->request = grpc::ByteBuffer(&slice, 1);
    Call* raw = call.get();
    std::unique_lock<std::mutex> lock(mu_);
    if (shutdown_) {
      lock.unlock();
      ExportResult r;
      r.kind = ExportResult::Kind::kShutdown;
      r.id = raw->id;
      r.spans = raw->spans;
      r.code_name = "shutdown";
      r.message = "transport is shut down";
      raw->done(std::move(r));
      return;
    }
    inflight_.insert(call.release());
    grpc::GenericStub* stub = stubs_[next_++ % stubs_.size()].get();
    lock.unlock();
    // The call completes on cq_ with `raw` as its tag (Poll). Nothing here fails: a broken
    // channel or a refused call ends with its status there.
    raw->reader = stub->PrepareUnaryCall(&raw->ctx, kExportMethod, raw->request, &cq_);
    raw->reader->StartCall();
    raw->reader->Finish(&raw->response, &raw->status, raw);
  }

  // Cancels what is in flight, waits for each call's `done`, then stops the poller. Idempotent.
  void Shutdown() override {
    std::unique_lock<std::mutex> lock(mu_);
    shutdown_ = true;
    for (Call* c : inflight_) c->ctx.TryCancel();
    idle_.wait(lock, [&] { return inflight_.empty(); });
    if (cq_shut_) return;
    cq_shut_ = true;
    lock.unlock();
    cq_.Shutdown();  // no call is left: Next() drains and returns false
    poller_.join();
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
    grpc::Status status;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    std::function<void(ExportResult)> done;
    std::chrono::steady_clock::time_point start;
    uint64_t id = 0, spans = 0;
  };

  // The poller thread: every tag on cq_ is a finished Call.
  void Poll() {
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      Call* call = static_cast<Call*>(tag);
      OnDone(call, call->status);  // `ok` is always true for a unary call's Finish
    }
  }
  void OnDone(Call* call, const grpc::Status& st) {
    ExportResult r;
    r.id = call->id;
    r.spans = call->spans;
    r.latency = std::chrono::steady_clock::now() - call->start;
    r.code = static_cast<int>(st.error_code());
    r.code_name = GrpcCodeName(r.code);
    bool shutting_down;
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutting_down = shutdown_;
    }
    if (st.ok()) {
      r.kind = ExportResult::Kind::kOk;
      if (!ParseExportResponse(Flatten(call->response), /*json=*/false, &r)) {
        r.message = "unparsable ExportTraceServiceResponse (ignored)";
      }
    } else {
      std::optional<std::chrono::milliseconds> delay;
      std::string detail_message;
      if (!st.error_details().empty()) {
        ParseRpcStatus(st.error_details(), &detail_message, &delay);
      }
      r.retry_after = delay;
      r.message = st.error_message();
      if (r.message.empty()) r.message = detail_message;
      r.kind = ClassifyGrpc(r.code, delay.has_value());
      if (st.error_code() == grpc::StatusCode::CANCELLED && shutting_down) {
        r.kind = ExportResult::Kind::kShutdown;
        r.code_name = "shutdown";
      } else if (st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        r.code_name = "DEADLINE_EXCEEDED";
      }
    }
    try {
      call->done(std::move(r));
    } catch (...) {
      // `done` must not throw; a transport thread has nowhere to report it.
    }
    std::lock_guard<std::mutex> lock(mu_);
    inflight_.erase(call);
    delete call;
    if (inflight_.empty()) idle_.notify_all();
  }

  const TransportOptions options_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  grpc::CompletionQueue cq_;
  std::thread poller_;  // Poll()
  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_set<Call*> inflight_;  // GUARDED_BY(mu_)
  uint64_t next_ = 0;                   // GUARDED_BY(mu_)
  bool shutdown_ = false;               // GUARDED_BY(mu_)
  bool cq_shut_ = false;                // GUARDED_BY(mu_)
};

}  // namespace

sim::Result<std::unique_ptr<Transport>> CreateGrpcTransport(const TransportOptions& options) {
  bool scheme_tls = false;
  const std::string endpoint =
      options.endpoint.empty() ? DefaultEndpoint(options.protocol) : options.endpoint;
  auto target = ParseGrpcTarget(endpoint, &scheme_tls);
  if (!target.ok()) return target.status().WithContext("transport.endpoint");
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.tls || scheme_tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      TRACESIM_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFileForOption("ca_file", options.ca_file));
    }
    if (!options.client_cert_file.empty()) {
      TRACESIM_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                                ReadFileForOption("client_cert_file", options.client_cert_file));
      TRACESIM_ASSIGN_OR_RETURN(ssl.pem_private_key,
                                ReadFileForOption("client_key_file", options.client_key_file));
    }
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (uint32_t i = 0; i < options.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("tracesim.channel_index", static_cast<int>(i));  // distinct channel args
    args.SetUserAgentPrefix("tracesim-otlp-exporter/0.1.0");
    args.SetMaxReceiveMessageSize(4 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    channels.push_back(grpc::CreateCustomChannel(*target, creds, args));
  }
  return std::unique_ptr<Transport>(new GrpcTransport(options, std::move(channels)));
}

}  // namespace tracesim::exporter::internal
