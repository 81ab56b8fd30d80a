// Test helper: a minimal HTTP/2 (prior knowledge, cleartext) client speaking raw frames, to send
// what a well-behaved gRPC client never would: pre-compressed gzip bombs, streams opened and
// reset at once (rapid reset). HPACK: literal headers without indexing only; answers are not
// decoded (tests read the receiver's counters instead). Blocking, one thread.
#ifndef TRACESIM_RECEIVER_TEST_H2_H_
#define TRACESIM_RECEIVER_TEST_H2_H_

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tracesim::receiver::testing {

class RawH2Client {
 public:
  static constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPing = 6,
                           kGoAway = 7;

  explicit RawH2Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    Send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    Frame(kSettings, 0, 0, "");
  }
  ~RawH2Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0 && !closed_; }

  // HEADERS for a gRPC unary call to TraceService/Export on `stream` (odd, increasing).
  void Headers(uint32_t stream, const std::string& grpc_encoding, bool end_stream = false) {
    std::string block;
    auto literal = [&](const std::string& name, const std::string& value) {
      block += '\0';
      block += static_cast<char>(name.size());
      block += name;
      block += static_cast<char>(value.size());
      block += value;
    };
    literal(":method", "POST");
    literal(":scheme", "http");
    literal(":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    literal(":authority", "127.0.0.1");
    literal("content-type", "application/grpc");
    literal("te", "trailers");
    if (!grpc_encoding.empty()) literal("grpc-encoding", grpc_encoding);
    Frame(kHeaders, 0x4 | (end_stream ? 0x1 : 0), stream, block);
  }

  // One gRPC message (5-byte prefix, `compressed` flag) as DATA frames of at most 16 KiB; the
  // last one ends the stream. The caller keeps the message within the 64 KiB initial window.
  void Message(uint32_t stream, const std::string& payload, bool compressed) {
    std::string msg;
    msg += static_cast<char>(compressed ? 1 : 0);
    uint32_t n = static_cast<uint32_t>(payload.size());
    for (int shift = 24; shift >= 0; shift -= 8) msg += static_cast<char>((n >> shift) & 0xff);
    msg += payload;
    for (size_t off = 0; off < msg.size(); off += 16384) {
      std::string chunk = msg.substr(off, 16384);
      Frame(kData, off + chunk.size() == msg.size() ? 0x1 : 0, stream, chunk);
    }
  }

  void Reset(uint32_t stream) { Frame(kRstStream, 0, stream, std::string("\0\0\0\x8", 4)); }

  // Reads frames (acknowledging SETTINGS and PING) until `stream` ends (HEADERS or DATA with
  // END_STREAM, or RST_STREAM), the connection closes, or `timeout` passes. True when it ended.
  bool AwaitEnd(uint32_t stream, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && ok()) {
      uint8_t type = 0, flags = 0;
      uint32_t id = 0;
      std::string payload;
      if (!ReadFrame(deadline, &type, &flags, &id, &payload)) return false;
      if (type == kSettings && !(flags & 1)) Frame(kSettings, 1, 0, "");
      if (type == kPing && !(flags & 1)) Frame(kPing, 1, 0, payload);
      if (type == kGoAway) return false;
      if (id == stream &&
          (type == kRstStream || ((type == kHeaders || type == kData) && (flags & 1)))) {
        return true;
      }
    }
    return false;
  }

  // Reads and answers frames for `timeout` (keeps the connection healthy while waiting).
  void Pump(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && ok()) {
      uint8_t type = 0, flags = 0;
      uint32_t id = 0;
      std::string payload;
      if (!ReadFrame(deadline, &type, &flags, &id, &payload)) return;
      if (type == kSettings && !(flags & 1)) Frame(kSettings, 1, 0, "");
      if (type == kPing && !(flags & 1)) Frame(kPing, 1, 0, payload);
    }
  }

  void Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
    std::string f;
    uint32_t n = static_cast<uint32_t>(payload.size());
    f += static_cast<char>((n >> 16) & 0xff);
    f += static_cast<char>((n >> 8) & 0xff);
    f += static_cast<char>(n & 0xff);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((stream >> shift) & 0xff);
    f += payload;
    Send(f);
  }

 private:
  void Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size() && !closed_) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) {
        closed_ = true;
        return;
      }
      off += static_cast<size_t>(n);
    }
  }

  bool ReadExact(std::chrono::steady_clock::time_point deadline, size_t n, std::string* out) {
    out->clear();
    char buf[16384];
    while (out->size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      ssize_t got = ::recv(fd_, buf, std::min(sizeof(buf), n - out->size()), 0);
      if (got <= 0) {
        closed_ = true;
        return false;
      }
      out->append(buf, static_cast<size_t>(got));
    }
    return true;
  }

  bool ReadFrame(std::chrono::steady_clock::time_point deadline, uint8_t* type, uint8_t* flags,
                 uint32_t* stream, std::string* payload) {
    std::string h;
    if (!ReadExact(deadline, 9, &h)) return false;
    auto b = [&](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(h[i])); };
    uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
    *type = static_cast<uint8_t>(b(3));
    *flags = static_cast<uint8_t>(b(4));
    *stream = ((b(5) & 0x7f) << 24) | (b(6) << 16) | (b(7) << 8) | b(8);
    return ReadExact(deadline, len, payload);
  }

  int fd_ = -1;
  bool closed_ = false;
};

// Peak resident set of this process in KiB (VmHWM; -1 if unreadable).
inline long PeakRssKib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

// Bytes malloc has handed out and not had back, all arenas and mmapped chunks, in KiB: what
// the process holds on the heap now, unlike the RSS, which keeps pages malloc has not returned.
inline long HeapInUseKib() {
  struct mallinfo2 m = ::mallinfo2();
  return static_cast<long>((m.uordblks + m.hblkhd) / 1024);
}

// True in a sanitizer build: ASan and TSan replace malloc and add shadow memory, so RSS and heap
// figures say nothing about the receiver and tests asserting on them skip.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif
#else
inline constexpr bool kUnderSanitizer = false;
#endif

// Resets the peak to the current RSS (Linux >= 4.0: "5" > /proc/self/clear_refs).
inline bool ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace tracesim::receiver::testing

#endif  // TRACESIM_RECEIVER_TEST_H2_H_
