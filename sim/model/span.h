// Span records as the simulator emits them, and the view of a finished trace.
//
// A Span is a flat, trivially copyable record: ids, times in unix nanoseconds, interned names,
// a pointer to its operation's static attributes (shared, never copied) plus up to
// kMaxDynamicAttrs per-span attributes. Attributes past that limit are counted in
// dropped_attributes_count, as an SDK's span limits would. Events and links live in the
// trace's side arrays and are referenced by range.
#ifndef TRACESIM_SIM_SPAN_H_
#define TRACESIM_SIM_SPAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "sim/model/attributes.h"
#include "sim/model/model.h"

namespace tracesim::sim {

inline constexpr int kMaxDynamicAttrs = 14;
inline constexpr int kMaxEventAttrs = 4;

// W3C trace-flags bits and OTLP Span.flags bits.
inline constexpr uint32_t kFlagSampled = 0x01;
inline constexpr uint32_t kFlagRandomTraceId = 0x02;  // W3C Level 2
inline constexpr uint32_t kFlagHasIsRemote = 0x100;   // OTLP SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
inline constexpr uint32_t kFlagIsRemote = 0x200;      // OTLP SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK

struct TraceId {
  uint64_t hi = 0, lo = 0;  // big-endian halves: bytes 0..7 and 8..15
  bool valid() const { return hi != 0 || lo != 0; }
  bool operator==(const TraceId&) const = default;
  // The 56 random low bits W3C Level 2 guarantees (bytes 9..15), used by consistent samplers.
  uint64_t Randomness56() const { return lo & 0x00FFFFFFFFFFFFFFULL; }
  void ToBytes(uint8_t out[16]) const {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
};

// Hash of a TraceId for unordered containers and hashed tables (ids are random, so mixing the
// two halves suffices).
struct TraceIdHash {
  size_t operator()(const TraceId& id) const noexcept {
    const uint64_t h = id.hi * 0x9E3779B97F4A7C15ULL ^ id.lo;
    return static_cast<size_t>(h ^ (h >> 29));
  }
};

// Writes 32 lowercase hex digits (trace id) or 16 (span id); no terminator.
void TraceIdToHex(const TraceId& id, char out[32]);
void SpanIdToHex(uint64_t id, char out[16]);

struct SpanEvent {
  int64_t time_unix_nano = 0;
  StrId name = kEmptyStr;
  uint8_t attr_count = 0;
  Attr attrs[kMaxEventAttrs];
};

struct SpanLink {
  TraceId trace_id;
  uint64_t span_id = 0;
  StrId trace_state = kEmptyStr;
  uint32_t flags = 0;
};

struct Span {
  TraceId trace_id;
  uint64_t span_id = 0;
  uint64_t parent_span_id = 0;  // 0 for a root span
  int64_t start_unix_nano = 0;
  int64_t end_unix_nano = 0;
  StrId name = kEmptyStr;
  StrId trace_state = kEmptyStr;
  StrId status_message = kEmptyStr;
  uint32_t flags = 0;          // OTLP Span.flags: W3C trace flags + is-remote bits
  uint32_t resource = kNone;   // index into Model::resources (service instance)
  uint32_t operation = kNone;  // operation this span belongs to (server side) or calls (CLIENT)
  uint32_t service = kNone;    // service that recorded the span
  uint32_t peer = kNone;       // CLIENT/PRODUCER: callee service; else kNone. Not exported.
  uint32_t parent_index =
      kNone;  // the parent's index in its trace as created (internal). Not exported.
  // Its size as exported, in bytes (the OTLP protobuf Span message), computed once when it ends
  // by the run's SpanSizeModel (SimulationOptions::span_sizes, sim/kernel/observer.h), or kNone
  // when the run has none. Internal; every observer reads it instead of sizing the span again.
  // Code that changes an exported field of a copy must set it back to kNone (nothing does).
  uint32_t exported_size = kNone;
  uint64_t observer_bits =
      ~uint64_t{0};  // observer word (SimulationObserver::OnSpanStart). Not exported.
  SpanKind kind = SpanKind::kInternal;
  StatusCode status = StatusCode::kUnset;
  uint8_t dynamic_count = 0;
  uint8_t dropped_attributes = 0;
  uint16_t static_count = 0;
  bool lost = false;     // dropped by a span-loss fault (internal). Never exported.
  bool observed = true;  // its trace is in the observation window (internal). Not exported.
  const Attr* static_attrs = nullptr;         // operation's shared template, owned by the Model
  uint32_t first_event = 0, event_count = 0;  // range in TraceView::events
  uint32_t first_link = 0, link_count = 0;    // range in TraceView::links
  // Slots [0, dynamic_count) hold the per-span attributes; the others are never written by a
  // new span and must not be read (a whole-Span copy copies them as raw bytes, which is fine).
  // Zeroing all of them on every StartSpan was 336 bytes written per span, most of them into
  // memory not in cache (bench/README.md, "Spans written once").
  union {
    Attr dynamic_attrs[kMaxDynamicAttrs];
  };

  Span() noexcept {}  // NOLINT: leaves dynamic_attrs unwritten, see above

  // Adds a per-span attribute, or counts it as dropped when full. Returns false when dropped.
  bool AddAttr(StrId key, AttrValue v) noexcept {
    if (dynamic_count < kMaxDynamicAttrs) {
      dynamic_attrs[dynamic_count++] = Attr{key, v};
      return true;
    }
    if (dropped_attributes < 255) ++dropped_attributes;
    return false;
  }
  // Sets an existing per-span attribute or adds it.
  void SetAttr(StrId key, AttrValue v) noexcept {
    for (int i = 0; i < dynamic_count; ++i) {
      if (dynamic_attrs[i].key == key) {
        dynamic_attrs[i].value = v;
        return;
      }
    }
    AddAttr(key, v);
  }
  // Looks an attribute up in the dynamic then the static attributes; nullptr when absent.
  const AttrValue* FindAttr(StrId key) const noexcept {
    for (int i = 0; i < dynamic_count; ++i)
      if (dynamic_attrs[i].key == key) return &dynamic_attrs[i].value;
    for (int i = 0; i < static_count; ++i)
      if (static_attrs[i].key == key) return &static_attrs[i].value;
    return nullptr;
  }
  int64_t duration_nanos() const { return end_unix_nano - start_unix_nano; }
};

// What a sink receives: every exported span of one finished trace (or trace fragment, when
// propagation broke), in the order they started, plus their events and links. `spans` may be
// empty (a request refused at the edge, every span lost): the trace still happened, as `truth`
// says. Valid only during the call.
struct TraceTruth;

struct TraceView {
  const Model* model = nullptr;
  TraceId trace_id;
  std::span<const Span> spans;
  std::span<const SpanEvent> events;
  std::span<const SpanLink> links;
  uint64_t sequence = 0;  // 0-based order in which traces were started in the run
  bool observed = true;   // in the observation window (SimulationOptions::observe_from/until)
  // What really happened to the trace (sim/model/faults.h); always set by the Simulation.
  const TraceTruth* truth = nullptr;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SPAN_H_
