#include "receiver/receiver_options.h"

#include <charconv>
#include <cmath>
#include <string>

#include "sim/base/time.h"

namespace tracesim::receiver {
namespace {

sim::Status CheckFraction(const char* name, double v) {
  if (!(v >= 0 && v <= 1)) {
    return sim::Status::InvalidArgument(std::string("faults.") + name +
                                        ": must be a fraction in [0, 1], got " + std::to_string(v));
  }
  return sim::Status::Ok();
}

sim::Result<double> ParseFraction(std::string_view key, std::string_view text) {
  std::string s(text);
  bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return sim::Status::InvalidArgument("--fault " + std::string(key) + ": '" + std::string(text) +
                                        "' is not a fraction (e.g. 0.1 or 10%)");
  }
  if (percent) v /= 100;
  if (!(v >= 0 && v <= 1)) {
    return sim::Status::InvalidArgument("--fault " + std::string(key) + ": '" + std::string(text) +
                                        "' is outside [0, 1]");
  }
  return v;
}

sim::Result<std::chrono::milliseconds> ParseMillis(std::string_view key, std::string_view text) {
  auto d = sim::ParseDuration(text);
  if (!d.ok()) {
    return sim::Status::InvalidArgument("--fault " + std::string(key) + ": " +
                                        d.status().message());
  }
  if (d->nanos() < 0) {
    return sim::Status::InvalidArgument("--fault " + std::string(key) + ": '" + std::string(text) +
                                        "' is negative");
  }
  return std::chrono::milliseconds((d->nanos() + 999'999) / 1'000'000);
}

}  // namespace

sim::Status FaultOptions::Validate() const {
  TRACESIM_RETURN_IF_ERROR(CheckFraction("reject", reject));
  TRACESIM_RETURN_IF_ERROR(CheckFraction("unavailable", unavailable));
  TRACESIM_RETURN_IF_ERROR(CheckFraction("throttle", throttle));
  TRACESIM_RETURN_IF_ERROR(CheckFraction("drop", drop));
  TRACESIM_RETURN_IF_ERROR(CheckFraction("partial", partial));
  TRACESIM_RETURN_IF_ERROR(CheckFraction("slow", slow));
  double total = reject + unavailable + throttle + drop;
  if (total > 1 + 1e-9) {
    return sim::Status::InvalidArgument(
        "faults: drop + unavailable + throttle + reject must be <= 1, got " +
        std::to_string(total));
  }
  if (delay.count() < 0 || delay > std::chrono::seconds(60)) {
    return sim::Status::InvalidArgument("faults.delay: must be in [0, 60s], got " +
                                        std::to_string(delay.count()) + "ms");
  }
  if (retry_after.count() < 0 || retry_after > std::chrono::hours(1)) {
    return sim::Status::InvalidArgument("faults.retry_after: must be in [0, 1h], got " +
                                        std::to_string(retry_after.count()) + "ms");
  }
  return sim::Status::Ok();
}

sim::Status ApplyFaultSpec(std::string_view spec, FaultOptions* faults) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return sim::Status::InvalidArgument("--fault '" + std::string(spec) +
                                        "': expected KEY=VALUE (keys: reject, unavailable, "
                                        "throttle, drop, partial, slow, delay, retry-after, seed)");
  }
  std::string_view key = spec.substr(0, eq);
  std::string_view value = spec.substr(eq + 1);
  double* fraction = nullptr;
  if (key == "reject") fraction = &faults->reject;
  if (key == "unavailable") fraction = &faults->unavailable;
  if (key == "throttle") fraction = &faults->throttle;
  if (key == "drop") fraction = &faults->drop;
  if (key == "partial") fraction = &faults->partial;
  if (key == "slow") fraction = &faults->slow;
  if (fraction != nullptr) {
    TRACESIM_ASSIGN_OR_RETURN(*fraction, ParseFraction(key, value));
    return sim::Status::Ok();
  }
  if (key == "delay") {
    TRACESIM_ASSIGN_OR_RETURN(faults->delay, ParseMillis(key, value));
    return sim::Status::Ok();
  }
  if (key == "retry-after" || key == "retry_after") {
    TRACESIM_ASSIGN_OR_RETURN(faults->retry_after, ParseMillis(key, value));
    return sim::Status::Ok();
  }
  if (key == "seed") {
    uint64_t seed = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
    if (value.empty() || ec != std::errc() || ptr != value.data() + value.size()) {
      return sim::Status::InvalidArgument("--fault seed: '" + std::string(value) +
                                          "' is not an unsigned integer");
    }
    faults->seed = seed;
    return sim::Status::Ok();
  }
  return sim::Status::InvalidArgument("--fault: unknown key '" + std::string(key) +
                                      "' (keys: reject, unavailable, throttle, drop, partial, "
                                      "slow, delay, retry-after, seed)");
}

sim::Result<HostPort> ParseHostPort(std::string_view text) {
  HostPort hp;
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return sim::Status::InvalidArgument("address '" + std::string(text) +
                                          "': expected [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return sim::Status::InvalidArgument("address '" + std::string(text) +
                                          "': expected HOST:PORT (e.g. 127.0.0.1:4318)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return sim::Status::InvalidArgument("address '" + std::string(text) +
                                        "': port must be an integer in [0, 65535]");
  }
  hp.host = host.empty() ? "127.0.0.1" : std::string(host);
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

sim::Status ReceiverOptions::Validate() const {
  if (grpc_address.empty() && http_address.empty()) {
    return sim::Status::InvalidArgument(
        "receiver: both grpc_address and http_address are empty; enable at least one");
  }
  if (!grpc_address.empty()) {
    auto hp = ParseHostPort(grpc_address);
    if (!hp.ok()) return hp.status().WithContext("receiver.grpc_address");
  }
  if (!http_address.empty()) {
    auto hp = ParseHostPort(http_address);
    if (!hp.ok()) return hp.status().WithContext("receiver.http_address");
  }
  if (collector_metrics && metrics_address.empty())
    return sim::Status::InvalidArgument(
        "receiver.collector_metrics: the Collector's series need a metrics address "
        "(--metrics-addr)");
  if (!metrics_address.empty()) {
    auto hp = ParseHostPort(metrics_address);
    if (!hp.ok()) return hp.status().WithContext("receiver.metrics_address");
  }
  if (max_request_bytes < 1024 || max_request_bytes > (uint64_t{1} << 30)) {
    return sim::Status::InvalidArgument(
        "receiver.max_request_bytes: must be in [1 KiB, 1 GiB], got " +
        std::to_string(max_request_bytes));
  }
  if (http_threads < 1 || http_threads > 64) {
    return sim::Status::InvalidArgument("receiver.http_threads: must be in [1, 64], got " +
                                        std::to_string(http_threads));
  }
  if (http_max_connections < 1 || http_max_connections > 65536) {
    return sim::Status::InvalidArgument(
        "receiver.http_max_connections: must be in [1, 65536], got " +
        std::to_string(http_max_connections));
  }
  auto in_ms = [](std::chrono::milliseconds v, int64_t lo, int64_t hi) {
    return v.count() >= lo && v.count() <= hi;
  };
  if (!in_ms(http_header_timeout, 100, 600'000)) {
    return sim::Status::InvalidArgument(
        "receiver.http_header_timeout: must be in [100ms, 10min], got " +
        std::to_string(http_header_timeout.count()) + "ms");
  }
  if (!in_ms(http_idle_timeout, 100, 3'600'000)) {
    return sim::Status::InvalidArgument("receiver.http_idle_timeout: must be in [100ms, 1h], got " +
                                        std::to_string(http_idle_timeout.count()) + "ms");
  }
  if (grpc_max_concurrent_streams < 1 || grpc_max_concurrent_streams > 10000) {
    return sim::Status::InvalidArgument(
        "receiver.grpc_max_concurrent_streams: must be in [1, 10000], got " +
        std::to_string(grpc_max_concurrent_streams));
  }
  if (grpc_memory_limit_bytes < (16u << 20)) {
    return sim::Status::InvalidArgument(
        "receiver.grpc_memory_limit_bytes: must be at least 16 MiB, got " +
        std::to_string(grpc_memory_limit_bytes));
  }
  return faults.Validate();
}

}  // namespace tracesim::receiver
