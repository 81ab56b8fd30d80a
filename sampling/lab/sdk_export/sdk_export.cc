#include "sampling/lab/sdk_export/sdk_export.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <queue>

#include "sim/model/span_records.h"

namespace tracesim::sampling {

void SdkExportStats::Add(const SdkExportStats& from, int sign) {
  const uint64_t m = static_cast<uint64_t>(static_cast<int64_t>(sign));  // wraps: exact for -1
  spans_enqueued += m * from.spans_enqueued;
  spans_dropped += m * from.spans_dropped;
  spans_lost_timeout += m * from.spans_lost_timeout;
  spans_exported += m * from.spans_exported;
  exports += m * from.exports;
}

namespace {

constexpr int64_t kMilli = 1'000'000;
constexpr int64_t kDayMs = 86'400'000;

// strconv.Atoi: an optional sign, then one or more decimal digits, nothing else; fits int64.
bool GoAtoi(const std::string& s, int64_t* out) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (errno == ERANGE) return false;
  *out = v;
  return true;
}

// splitmix64: the instance's timer phase.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

sim::Status BspOptions::Validate() const {
  auto bad = [](const std::string& what) { return sim::Status::InvalidArgument(what); };
  if (schedule_delay_ms < 1 || schedule_delay_ms > kDayMs)
    return bad("OTEL_BSP_SCHEDULE_DELAY must be 1..86400000 ms, got " +
               std::to_string(schedule_delay_ms));
  if (export_timeout_ms < 0 || export_timeout_ms > kDayMs)
    return bad("OTEL_BSP_EXPORT_TIMEOUT must be 0..86400000 ms, got " +
               std::to_string(export_timeout_ms));
  if (max_queue_size < 1 || max_queue_size > (int64_t{1} << 24))
    return bad("OTEL_BSP_MAX_QUEUE_SIZE must be 1..16777216, got " +
               std::to_string(max_queue_size));
  if (max_export_batch_size < 1 || max_export_batch_size > max_queue_size)
    return bad("OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be 1..OTEL_BSP_MAX_QUEUE_SIZE, got " +
               std::to_string(max_export_batch_size));
  if (export_duration_ms < 0 || export_duration_ms > kDayMs)
    return bad("duration_ms must be 0..86400000, got " + std::to_string(export_duration_ms));
  return sim::Status::Ok();
}

int64_t BspOptions::MaxDelayNanos() const {
  const int64_t call =
      export_timeout_ms > 0 ? std::min(export_duration_ms, export_timeout_ms) : export_duration_ms;
  return (schedule_delay_ms + call) * kMilli;
}

BspOptions BspOptionsFromEnv(const std::map<std::string, std::string>& env,
                             std::vector<std::string>* warnings) {
  BspOptions o;
  int64_t* fields[] = {&o.schedule_delay_ms, &o.export_timeout_ms, &o.max_queue_size,
                       &o.max_export_batch_size};
  for (size_t i = 0; i < std::size(kBspEnvKeys); ++i) {
    auto it = env.find(kBspEnvKeys[i]);
    if (it == env.end() || it->second.empty()) continue;
    int64_t v = 0;
    if (GoAtoi(it->second, &v)) {
      *fields[i] = v;
    } else if (warnings != nullptr) {
      warnings->push_back(std::string(kBspEnvKeys[i]) + "='" + it->second +
                          "' is not an integer; the Go SDK uses its default " +
                          std::to_string(*fields[i]));
    }
  }
  if (o.max_export_batch_size > o.max_queue_size)
    o.max_export_batch_size = std::min<int64_t>(512, o.max_queue_size);
  return o;
}

struct SdkBatchExport::Impl {
  // A span some strategies' BSPs at one instance hold: stored once, `mask` = the strategies that
  // have not exported it yet (or dropped it). span.first_event/first_link index the instance's
  // event and link buffers.
  struct Entry {
    uint32_t word;  // the packed span record's offset in `records` (SpanRecords::Pack)
    uint32_t size;
    uint64_t mask;
  };
  using Word = sim::SpanRecords::Word;  // not zeroed on resize
  struct Instance {
    std::vector<Word> records;
    std::vector<uint32_t> offsets;  // Pack()'s output; mirrors entries[].word
    std::vector<Entry> entries;
    std::vector<sim::SpanEvent> events;
    std::vector<sim::SpanLink> links;
    uint64_t phase = 0;  // Mix(instance): the timer phase
  };
  // Strategy k's BSP at one instance. Its pending spans are the entries from `cursor` on with
  // bit k: the first `batch` in the batch, the next `queue` in the channel.
  struct Bsp {
    uint32_t cursor = 0;
    uint32_t batch = 0;
    uint32_t queue = 0;
    bool timer_set = false;  // `timer` is the next firing, scheduled (else idle: NextFiring)
    int64_t timer = 0;
    bool has_anchor = false;  // the timer was last reset (an export) at `anchor`
    int64_t anchor = 0;
    int64_t busy_until = INT64_MIN;  // the export in flight returns then
  };
  struct Event {
    int64_t due;
    uint32_t bsp;
    bool busy_end;  // else a timer
    bool operator>(const Event& o) const {
      if (due != o.due) return due > o.due;
      if (bsp != o.bsp) return bsp > o.bsp;
      return busy_end < o.busy_end;  // a completion before a timer at the same instant
    }
  };

  const sim::Model& model;
  SdkExportListener* listener;
  std::vector<std::optional<BspOptions>> options;
  std::vector<size_t> strategies;  // with a BSP
  std::vector<Instance> instances;
  std::vector<Bsp> bsps;  // [Index(k, i)]
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  std::vector<SizedSpan> scratch;
  std::vector<SdkExportStats>* stats;
  const uint64_t* count_only;
  bool started = false;  // origin is set (SetOrigin, or the first span's end)
  int64_t origin = 0;    // the SDKs' start

  Impl(const sim::Model& m, SdkExportListener* l) : model(m), listener(l) {}

  size_t n() const { return instances.size(); }
  // An instance's BSPs lie side by side (a span end touches them all).
  size_t Index(size_t k, size_t i) const { return i * options.size() + k; }
  static sim::Span& SpanAt(Instance& inst, const Entry& e) {
    return *std::launder(reinterpret_cast<sim::Span*>(inst.records.data() + e.word));
  }
  const BspOptions& Opt(size_t k) const { return *options[k]; }

  // The first timer firing after `t` of BSP (k, i) that has been idle: the timer was last reset
  // by its last export, or started with the SDK at origin - phase, and fired, empty, every
  // schedule_delay since.
  int64_t NextFiring(const Bsp& b, size_t k, size_t i, int64_t t) const {
    const int64_t delay = Opt(k).schedule_delay_ms * kMilli;
    const int64_t offset = static_cast<int64_t>(instances[i].phase % static_cast<uint64_t>(delay));
    const int64_t start = b.has_anchor ? b.anchor : origin - offset;
    const int64_t periods = t >= start ? (t - start) / delay + 1 : 1;
    return start + periods * delay;
  }

  void Schedule(uint32_t b, int64_t due, bool busy_end) { events.push(Event{due, b, busy_end}); }

  // exportSpans at `at`: resets the timer, hands the batch to the listener.
  void Export(size_t k, size_t i, int64_t at) {
    Bsp& b = bsps[Index(k, i)];
    const BspOptions& o = Opt(k);
    const uint32_t idx = static_cast<uint32_t>(Index(k, i));
    b.anchor = at;
    b.has_anchor = true;
    b.timer = at + o.schedule_delay_ms * kMilli;
    b.timer_set = true;
    Schedule(idx, b.timer, false);
    if (b.batch == 0) return;
    Instance& inst = instances[i];
    const uint64_t bit = uint64_t{1} << k;
    scratch.clear();
    if (*count_only & bit) {  // the spans went on when they were enqueued
      SdkExportStats& s = (*stats)[k];
      ++s.exports;
      s.spans_exported += b.batch;
      b.batch = 0;
      const int64_t duration = o.export_duration_ms * kMilli;
      b.busy_until = duration > 0 ? at + duration : INT64_MIN;
      if (b.busy_until != INT64_MIN) Schedule(idx, b.busy_until, true);
      return;
    }
    uint32_t c = b.cursor;
    for (uint32_t taken = 0; taken < b.batch; ++c) {
      Entry& e = inst.entries[c];
      if (!(e.mask & bit)) continue;
      e.mask &= ~bit;
      const sim::Span& span = SpanAt(inst, e);
      scratch.push_back(SizedSpan{
          &span,
          std::span<const sim::SpanEvent>(inst.events.data() + span.first_event, span.event_count),
          std::span<const sim::SpanLink>(inst.links.data() + span.first_link, span.link_count),
          e.size});
      ++taken;
    }
    b.cursor = b.queue == 0 ? static_cast<uint32_t>(inst.entries.size()) : c;
    b.batch = 0;
    SdkExportStats& s = (*stats)[k];
    const int64_t duration = o.export_duration_ms * kMilli;
    const int64_t timeout = o.export_timeout_ms * kMilli;
    if (timeout > 0 && duration >= timeout) {  // the context's deadline cancels the call
      s.spans_lost_timeout += scratch.size();
      b.busy_until = at + timeout;
    } else {
      ++s.exports;
      s.spans_exported += scratch.size();
      listener->OnExport(k, at, scratch);
      b.busy_until = duration > 0 ? at + duration : INT64_MIN;
    }
    if (b.busy_until != INT64_MIN) Schedule(idx, b.busy_until, true);
    Compact(i);
  }

  // The export in flight returned at `at`: the worker drains the channel into the batch
  // (exporting each full one), then serves a timer that fired meanwhile.
  void BusyEnd(size_t k, size_t i, int64_t at) {
    Bsp& b = bsps[Index(k, i)];
    b.busy_until = INT64_MIN;
    const uint32_t max_batch = static_cast<uint32_t>(Opt(k).max_export_batch_size);
    while (b.queue > 0) {
      --b.queue;
      if (++b.batch >= max_batch) {
        Export(k, i, at);
        return;  // busy again (or the rest waits for the next round)
      }
    }
    if (b.timer <= at) Export(k, i, at);
  }

  void Fire(const Event& ev) {
    const size_t k = ev.bsp % options.size(), i = ev.bsp / options.size();
    Bsp& b = bsps[ev.bsp];
    if (ev.busy_end) {
      if (b.busy_until == ev.due) BusyEnd(k, i, ev.due);
      return;
    }
    if (!b.timer_set || b.timer != ev.due || b.busy_until != INT64_MIN) return;  // stale
    if (b.batch == 0 && b.queue == 0) {
      b.timer_set = false;  // idle: the phase gives its later firings
      return;
    }
    Export(k, i, ev.due);
  }

  // Drops the entries every strategy has exported: all of them at once (the buffer is reused
  // while still in cache), or a prefix once it is at least half of a large buffer.
  void Compact(size_t i) {
    Instance& inst = instances[i];
    if (inst.entries.empty()) return;
    uint32_t low = static_cast<uint32_t>(inst.entries.size());
    for (size_t k : strategies) {
      Bsp& b = bsps[Index(k, i)];
      if ((*count_only >> k & 1) || (b.batch == 0 && b.queue == 0))
        b.cursor = static_cast<uint32_t>(inst.entries.size());  // nothing of k held here
      low = std::min(low, b.cursor);
    }
    if (low < inst.entries.size() && (inst.entries.size() < 256 || low < inst.entries.size() / 2))
      return;
    uint32_t first_event = static_cast<uint32_t>(inst.events.size());
    uint32_t first_link = static_cast<uint32_t>(inst.links.size());
    uint32_t first_word = static_cast<uint32_t>(inst.offsets.empty() ? 0 : inst.records.size());
    if (low < inst.entries.size()) {
      const sim::Span& span = SpanAt(inst, inst.entries[low]);
      first_event = span.first_event;
      first_link = span.first_link;
      first_word = inst.entries[low].word;
    }
    inst.entries.erase(inst.entries.begin(), inst.entries.begin() + low);
    inst.offsets.erase(inst.offsets.begin(), inst.offsets.begin() + low);
    inst.events.erase(inst.events.begin(), inst.events.begin() + first_event);
    inst.links.erase(inst.links.begin(), inst.links.begin() + first_link);
    if (inst.entries.empty()) {
      inst.records.clear();
      inst.offsets.clear();
    } else {
      inst.records.erase(inst.records.begin(), inst.records.begin() + first_word);
    }
    for (size_t j = 0; j < inst.entries.size(); ++j) {
      Entry& e = inst.entries[j];
      e.word -= first_word;
      inst.offsets[j] = e.word;
      sim::Span& span = SpanAt(inst, e);
      span.first_event -= first_event;
      span.first_link -= first_link;
    }
    for (size_t k : strategies) bsps[Index(k, i)].cursor -= low;
  }
};

SdkBatchExport::SdkBatchExport(const sim::Model& model,
                               const std::vector<std::optional<BspOptions>>& per_strategy,
                               SdkExportListener* listener)
    : impl_(std::make_unique<Impl>(model, listener)), stats_(per_strategy.size()) {
  Impl& m = *impl_;
  m.options = per_strategy;
  m.stats = &stats_;
  m.count_only = &count_only_;
  m.instances.resize(std::max<size_t>(model.resources.size(), 1));
  for (size_t i = 0; i < m.instances.size(); ++i) m.instances[i].phase = Mix(i);
  for (size_t k = 0; k < per_strategy.size() && k < 64; ++k) {
    if (!per_strategy[k]) continue;
    mask_ |= uint64_t{1} << k;
    m.strategies.push_back(k);
    max_delay_ns_ = std::max(max_delay_ns_, per_strategy[k]->MaxDelayNanos());
  }
  if (mask_ != 0) m.bsps.resize(per_strategy.size() * m.instances.size());
}

SdkBatchExport::~SdkBatchExport() = default;

void SdkBatchExport::SetOrigin(int64_t t) noexcept {
  impl_->started = true;
  impl_->origin = t;
}

void SdkBatchExport::AdvanceTo(int64_t t) noexcept {
  Impl& m = *impl_;
  while (!m.events.empty() && m.events.top().due <= t) {
    const Impl::Event ev = m.events.top();
    m.events.pop();
    m.Fire(ev);
  }
}

int64_t SdkBatchExport::next_due() const noexcept {
  return impl_->events.empty() ? INT64_MAX : impl_->events.top().due;
}

uint64_t SdkBatchExport::OnSpanEnd(const sim::Span& span, std::span<const sim::SpanEvent> events,
                                   std::span<const sim::SpanLink> links, uint32_t size,
                                   uint64_t bits, int64_t t) noexcept {
  Impl& m = *impl_;
  bits &= mask_;
  if (bits == 0) return 0;
  if (!m.started) {
    m.started = true;
    m.origin = t;
  }
  const size_t i = span.resource < m.n() ? span.resource : 0;
  uint64_t kept = 0, full = 0;
  for (uint64_t todo = bits; todo != 0; todo &= todo - 1) {
    const size_t k = static_cast<size_t>(std::countr_zero(todo));
    Impl::Bsp& b = m.bsps[m.Index(k, i)];
    const BspOptions& o = m.Opt(k);
    ++stats_[k].spans_enqueued;
    if (b.busy_until > t) {  // the worker is in an export: the span waits in the channel
      if (b.queue >= static_cast<uint64_t>(o.max_queue_size)) {
        ++stats_[k].spans_dropped;
        continue;
      }
      ++b.queue;
    } else {
      if (b.batch == 0 && b.queue == 0) {  // idle until now: nothing of k before this span
        b.cursor = static_cast<uint32_t>(m.instances[i].entries.size());
        if (!b.timer_set) {
          b.timer = m.NextFiring(b, k, i, t);
          b.timer_set = true;
          m.Schedule(static_cast<uint32_t>(m.Index(k, i)), b.timer, false);
        }
      }
      if (++b.batch >= static_cast<uint64_t>(o.max_export_batch_size)) full |= uint64_t{1} << k;
    }
    kept |= uint64_t{1} << k;
  }
  const uint64_t counted = kept & count_only_;
  kept &= ~count_only_;
  if (kept == 0) {
    for (uint64_t todo = full; todo != 0; todo &= todo - 1)
      m.Export(static_cast<size_t>(std::countr_zero(todo)), i, t);
    return counted;
  }
  Impl::Instance& inst = m.instances[i];
  const bool fixed_only = (kept & ~fixed_only_) == 0;
  if (fixed_only) {
    events = {};
    links = {};
  }
  sim::Span& copy = *sim::SpanRecords::Pack(inst.records, inst.offsets, span, fixed_only);
  inst.entries.push_back(Impl::Entry{inst.offsets.back(), size, kept});
  copy.first_event = static_cast<uint32_t>(inst.events.size());
  copy.event_count = static_cast<uint32_t>(events.size());
  copy.first_link = static_cast<uint32_t>(inst.links.size());
  copy.link_count = static_cast<uint32_t>(links.size());
  if (!events.empty()) inst.events.insert(inst.events.end(), events.begin(), events.end());
  if (!links.empty()) inst.links.insert(inst.links.end(), links.begin(), links.end());
  for (uint64_t todo = full; todo != 0; todo &= todo - 1)
    m.Export(static_cast<size_t>(std::countr_zero(todo)), i, t);
  return counted;
}

void SdkBatchExport::Shutdown(int64_t t) noexcept {
  AdvanceTo(t);
  Impl& m = *impl_;
  for (size_t k : m.strategies) {
    const uint32_t max_batch = static_cast<uint32_t>(m.Opt(k).max_export_batch_size);
    for (size_t i = 0; i < m.n(); ++i) {
      Impl::Bsp& b = m.bsps[m.Index(k, i)];
      b.busy_until = INT64_MIN;  // shutdown waits for the export in flight
      uint32_t pending = b.batch + b.queue;
      b.queue = 0;
      while (pending > 0) {
        b.batch = std::min(pending, max_batch);
        pending -= b.batch;
        m.Export(k, i, t);
        b.busy_until = INT64_MIN;
      }
    }
  }
  while (!m.events.empty()) m.events.pop();
}

}  // namespace tracesim::sampling
