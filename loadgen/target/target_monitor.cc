#include "loadgen/target/target_monitor.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "loadgen/target/prometheus_text.h"

namespace tracesim::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct Url {
  std::string host, port, target;
};

// "http://HOST:PORT/PATH" or "HOST:PORT[/PATH]"; PATH defaults to /metrics.
sim::Result<Url> ParseUrl(const std::string& text) {
  std::string rest = text;
  if (rest.rfind("https://", 0) == 0)
    return sim::Status::InvalidArgument("https is not supported, scrape over http://");
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (rest.find("://") != std::string::npos)
    return sim::Status::InvalidArgument("only http:// URLs can be scraped");
  Url u;
  size_t slash = rest.find('/');
  u.target = slash == std::string::npos ? "/metrics" : rest.substr(slash);
  std::string hostport = rest.substr(0, slash);
  size_t colon = hostport.rfind(':');
  if (!hostport.empty() && hostport[0] == '[') {  // [v6]:port
    size_t close = hostport.find(']');
    if (close == std::string::npos) return sim::Status::InvalidArgument("unclosed '[' in the host");
    u.host = hostport.substr(1, close - 1);
    u.port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2)
                                                                       : "80";
  } else if (colon == std::string::npos) {
    u.host = hostport;
    u.port = "80";
  } else {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty()) return sim::Status::InvalidArgument("no host");
  if (u.port.empty() || u.port.size() > 5 ||
      !std::all_of(u.port.begin(), u.port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(u.port) == 0 || std::stoi(u.port) > 65535)
    return sim::Status::InvalidArgument("the port must be in [1, 65535]");
  return u;
}

// Cumulative counters of one source, or their growth.
struct Counters {
  double accepted = 0, refused = 0, sent = 0, dropped = 0, cpu_s = 0;
};
// One reading of a source.
struct Reading {
  Counters c;
  double queue = 0, rss_bytes = 0;
  bool has_cpu = false, has_rss = false, has_queue = false;
};

Reading FromSamples(const std::vector<PromSample>& s) {
  Reading r;
  r.c.accepted = SumSamples(s, "otelcol_receiver_accepted_spans");
  r.c.refused = SumSamples(s, "otelcol_receiver_refused_spans") +
                SumSamples(s, "otelcol_receiver_failed_spans");
  r.c.sent = SumSamples(s, "otelcol_exporter_sent_spans");
  r.c.dropped = SumSamples(s, "otelcol_exporter_send_failed_spans") +
                SumSamples(s, "otelcol_exporter_enqueue_failed_spans");
  r.c.cpu_s = SumSamples(s, "otelcol_process_cpu_seconds", {}, &r.has_cpu);
  r.rss_bytes = MaxSample(s, "otelcol_process_memory_rss", &r.has_rss);
  r.queue = SumSamples(s, "otelcol_exporter_queue_size", {}, &r.has_queue);
  return r;
}

// Growth from `prev` to `now`; a counter that went down (a restart) grew by its new value.
double Grow(double prev, double now) { return now >= prev ? now - prev : now; }

}  // namespace

sim::Result<std::string> HttpGet(const std::string& url, std::chrono::milliseconds timeout) {
  auto u = ParseUrl(url);
  if (!u.ok()) return u.status();
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    beast::error_code ec;
    auto endpoints = resolver.resolve(u->host, u->port, ec);
    if (ec) return sim::Status::Unavailable("cannot resolve " + u->host + ": " + ec.message());
    stream.connect(endpoints, ec);
    if (ec) return sim::Status::Unavailable(ec.message());
    http::request<http::empty_body> req{http::verb::get, u->target, 11};
    req.set(http::field::host, u->host);
    req.set(http::field::user_agent, "tracesim-load");
    req.set(http::field::accept, "text/plain;version=0.0.4");
    http::write(stream, req, ec);
    if (ec) return sim::Status::Unavailable(ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser, ec);
    if (ec == beast::error::timeout) return sim::Status::Unavailable("timed out");
    if (ec) return sim::Status::Unavailable(ec.message());
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    const auto& res = parser.get();
    if (res.result_int() != 200)
      return sim::Status::Unavailable("HTTP " + std::to_string(res.result_int()));
    return res.body();
  } catch (const std::exception& e) {
    return sim::Status::Unavailable(e.what());
  }
}

sim::Result<ProcStats> ReadProcStats(int64_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return sim::Status::Unavailable("no such process");
  // pid (comm) state ppid ... : the command may hold spaces and parentheses; fields after the
  // last ')' start at field 3 (state); utime and stime are fields 14 and 15.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return sim::Status::Unavailable("unreadable " + dir + "/stat");
  std::istringstream in(line.substr(close + 1));
  std::string field;
  double utime = 0, stime = 0;
  for (int k = 3; k <= 15 && in >> field; ++k) {
    if (k == 14) utime = std::stod(field);
    if (k == 15) stime = std::stod(field);
  }
  if (!in) return sim::Status::Unavailable("unreadable " + dir + "/stat");
  std::ifstream statm(dir + "/statm");
  double size = 0, resident = 0;
  if (!(statm >> size >> resident)) return sim::Status::Unavailable("no such process");
  ProcStats p;
  p.cpu_seconds = (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  p.rss_bytes = resident * static_cast<double>(::sysconf(_SC_PAGESIZE));
  return p;
}

sim::Status TargetOptions::Validate() const {
  for (const std::string& u : urls) {
    auto parsed = ParseUrl(u);
    if (!parsed.ok())
      return sim::Status::InvalidArgument("--target-metrics '" + u +
                                          "': " + parsed.status().message());
  }
  if (pid < 0)
    return sim::Status::InvalidArgument("--target-pid must be a positive process id, got " +
                                        std::to_string(pid));
  if (interval.count() < 10) return sim::Status::InvalidArgument("target interval must be >= 10ms");
  if (timeout.count() < 1) return sim::Status::InvalidArgument("target timeout must be >= 1ms");
  return sim::Status::Ok();
}

class TargetMonitor::Impl {
 public:
  explicit Impl(TargetOptions o) : opt_(std::move(o)) {
    for (const std::string& u : opt_.urls) sources_.push_back({u, false, {}, false});
    if (opt_.pid != 0) sources_.push_back({std::to_string(opt_.pid), true, {}, false});
  }
  ~Impl() { StopThread(); }

  sim::Status Baseline() {
    start_ = prev_tick_ = std::chrono::steady_clock::now();
    return Scrape(/*baseline=*/true);
  }

  void StartThread() {
    thread_ = std::thread([this] {
      for (;;) {
        {
          std::unique_lock lk(mu_);
          if (cv_.wait_for(lk, opt_.interval, [this] { return stop_; })) return;
        }
        (void)Scrape(false);
      }
    });
  }

  TargetSecond Latest() const {
    std::lock_guard lk(mu_);
    return latest_;
  }

  TargetSummary Finish() {
    StopThread();
    (void)Scrape(false);
    std::lock_guard lk(mu_);
    TargetSummary s = summary_;
    s.urls = opt_.urls;
    s.pid = opt_.pid;
    s.accepted = total_.accepted;
    s.refused = total_.refused;
    s.sent = total_.sent;
    s.dropped = total_.dropped;
    s.wall_seconds = std::chrono::duration<double>(prev_tick_ - start_).count();
    s.mean_cpu_cores = s.wall_seconds > 0 ? total_.cpu_s / s.wall_seconds : 0;
    return s;
  }

 private:
  struct Source {
    std::string name;  // URL or pid
    bool is_pid;
    Counters last;
    bool have_last;
  };

  void StopThread() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  sim::Result<Reading> Read(const Source& src) const {
    if (src.is_pid) {
      auto p = ReadProcStats(opt_.pid);
      if (!p.ok()) return p.status();
      Reading r;
      r.c.cpu_s = p->cpu_seconds;
      r.rss_bytes = p->rss_bytes;
      r.has_cpu = r.has_rss = true;
      return r;
    }
    auto body = HttpGet(src.name, opt_.timeout);
    if (!body.ok()) return body.status();
    auto samples = ParsePrometheusText(*body);
    if (!samples.ok())
      return sim::Status::Unavailable("not Prometheus text: " + samples.status().message());
    return FromSamples(*samples);
  }

  // Reads every source (no lock held: Latest() never waits for a scrape), then publishes.
  // Called by one thread at a time (Start, then the scraper thread, then Finish).
  sim::Status Scrape(bool baseline) {
    std::vector<sim::Result<Reading>> readings;
    for (const Source& src : sources_) readings.push_back(Read(src));
    std::lock_guard lk(mu_);
    const bool from_pid = opt_.pid != 0;
    Counters grown;
    Reading gauges;
    sim::Status first_error = sim::Status::Ok();
    bool all_ok = true;
    for (size_t k = 0; k < sources_.size(); ++k) {
      Source& src = sources_[k];
      const sim::Result<Reading>& r = readings[k];
      if (!r.ok()) {
        all_ok = false;
        std::string flag = src.is_pid ? "--target-pid " : "--target-metrics ";
        sim::Status st(r.status().code(), flag + src.name + ": " + r.status().message());
        if (first_error.ok()) first_error = st;
        summary_.last_error = st.message();
        continue;
      }
      // CPU and RSS from /proc when a pid is given, else from the URLs' process metrics.
      bool use_proc = src.is_pid || !from_pid;
      if (src.have_last) {
        grown.accepted += Grow(src.last.accepted, r->c.accepted);
        grown.refused += Grow(src.last.refused, r->c.refused);
        grown.sent += Grow(src.last.sent, r->c.sent);
        grown.dropped += Grow(src.last.dropped, r->c.dropped);
        if (use_proc) grown.cpu_s += Grow(src.last.cpu_s, r->c.cpu_s);
      }
      src.last = r->c;
      src.have_last = true;
      if (use_proc && r->has_rss) {
        gauges.rss_bytes = std::max(gauges.rss_bytes, r->rss_bytes);
        gauges.has_rss = true;
      }
      if (use_proc && r->has_cpu) gauges.has_cpu = true;
      if (r->has_queue) {
        gauges.queue += r->queue;
        gauges.has_queue = true;
      }
    }
    auto now = std::chrono::steady_clock::now();
    ++summary_.scrapes;
    if (!all_ok) ++summary_.scrape_errors;
    if (baseline) return first_error;
    double dt = std::chrono::duration<double>(now - prev_tick_).count();
    prev_tick_ = now;
    total_.accepted += grown.accepted;
    total_.refused += grown.refused;
    total_.sent += grown.sent;
    total_.dropped += grown.dropped;
    total_.cpu_s += grown.cpu_s;
    TargetSecond t;
    t.ok = all_ok;
    if (dt > 0) {
      t.accepted_per_s = grown.accepted / dt;
      t.refused_per_s = grown.refused / dt;
      t.sent_per_s = grown.sent / dt;
      t.dropped_per_s = grown.dropped / dt;
      t.cpu_cores = grown.cpu_s / dt;
    }
    t.has_cpu = gauges.has_cpu;
    t.has_rss = gauges.has_rss;
    t.has_queue = gauges.has_queue;
    t.rss_mb = gauges.rss_bytes / kMiB;
    t.queue_size = gauges.queue;
    latest_ = t;
    summary_.has_cpu = summary_.has_cpu || t.has_cpu;
    summary_.has_rss = summary_.has_rss || t.has_rss;
    summary_.has_queue = summary_.has_queue || t.has_queue;
    summary_.peak_rss_mb = std::max(summary_.peak_rss_mb, t.rss_mb);
    summary_.peak_cpu_cores = std::max(summary_.peak_cpu_cores, t.cpu_cores);
    summary_.peak_queue_size = std::max(summary_.peak_queue_size, t.queue_size);
    return first_error;
  }

  TargetOptions opt_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  bool stop_ = false;                                        // GUARDED_BY(mu_)
  std::vector<Source> sources_;                              // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point start_, prev_tick_;  // GUARDED_BY(mu_)
  Counters total_;                                           // GUARDED_BY(mu_)
  TargetSecond latest_;                                      // GUARDED_BY(mu_)
  TargetSummary summary_;                                    // GUARDED_BY(mu_)
};

TargetMonitor::TargetMonitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TargetMonitor::~TargetMonitor() = default;

sim::Result<std::unique_ptr<TargetMonitor>> TargetMonitor::Start(const TargetOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>(options);
  TRACESIM_RETURN_IF_ERROR(impl->Baseline());
  impl->StartThread();
  return std::unique_ptr<TargetMonitor>(new TargetMonitor(std::move(impl)));
}

TargetSecond TargetMonitor::Latest() const { return impl_->Latest(); }
TargetSummary TargetMonitor::Finish() { return impl_->Finish(); }

}  // namespace tracesim::loadgen
