// Test-only loopback OTLP receivers for the load generator's tests: a real gRPC TraceService
// server and a real OTLP/HTTP (Beast) server on 127.0.0.1 with an ephemeral port. Each parses
// every request with libprotobuf (or JSON), counts requests and spans, and answers as its
// Behavior says (ok, partial success, retryable or fatal errors, throttling hints, slowness), so a
// test can drive every reaction the generator documents. Thread-safe.
#ifndef TRACESIM_LOADGEN_TESTING_LOOPBACK_H_
#define TRACESIM_LOADGEN_TESTING_LOOPBACK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace tracesim::loadgen::testing {

struct Behavior {
  enum class Kind {
    kOk,     // success; `rejected_per_request` > 0 makes it a partial success
    kError,  // gRPC status `grpc_code` / HTTP status `http_status`
  };
  Kind kind = Kind::kOk;
  int64_t rejected_per_request = 0;
  int grpc_code = 14;  // UNAVAILABLE
  int http_status = 503;
  int retry_after_ms = -1;  // >= 0: gRPC RetryInfo / HTTP Retry-After (whole seconds, rounded up)
  int delay_ms = 0;         // sleep before answering
  // Answer the first `fail_first` requests per Behavior above, then plain OK (0: always).
  uint64_t fail_first = 0;
};

class LoopbackServer {
 public:
  virtual ~LoopbackServer() = default;
  virtual std::string endpoint() const = 0;  // "127.0.0.1:PORT" or "http://127.0.0.1:PORT"
  virtual void Shutdown() = 0;
  // Spans in requests the server answered with success, minus partial-success rejections.
  uint64_t accepted_spans() const { return accepted_spans_.load(); }
  // Spans in every request that arrived (parsed), whatever the answer.
  uint64_t received_spans() const { return received_spans_.load(); }
  uint64_t requests() const { return requests_.load(); }

 protected:
  std::atomic<uint64_t> accepted_spans_{0}, received_spans_{0}, requests_{0};
};

std::unique_ptr<LoopbackServer> StartGrpcServer(Behavior behavior);
// Accepts protobuf or OTLP/JSON bodies, chosen by the request Content-Type.
std::unique_ptr<LoopbackServer> StartHttpServer(Behavior behavior);

// A TCP port on 127.0.0.1 with nothing listening (bound then closed).
int UnusedPort();
// GET `path` from 127.0.0.1:`port` over HTTP/1.1; the body, or "" when the request failed.
std::string HttpGet(int port, const std::string& path);

// Writes `dir`/tiny.yaml: a deterministic topology (front GET /x, 2 ms, calls back.Get, 1 ms;
// constant latencies) for scenarios whose span count per trace must be exact.
// A directory of this test process's own, `<temp>/<name>.<pid>`, created: CTest runs test cases
// as parallel processes, which must not rewrite each other's files (a reader saw an empty
// tiny.yaml another process was rewriting).
std::filesystem::path ProcessTempDir(const std::string& name);
void WriteTinyTopology(const std::filesystem::path& dir);
// Writes tiny.yaml and `dir`/tiny-scenario.yaml (name tiny, 10 s of uniform arrivals at 100
// traces/s of front.GET /x, seed 7) and returns the scenario's path.
std::filesystem::path WriteTinyScenario(const std::filesystem::path& dir);

}  // namespace tracesim::loadgen::testing

#endif  // TRACESIM_LOADGEN_TESTING_LOOPBACK_H_
