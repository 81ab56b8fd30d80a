// SpanRecords: spans as packed records or as a plain array, behind one read-only view.
#ifndef TRACESIM_SIM_SPAN_RECORDS_H_
#define TRACESIM_SIM_SPAN_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <vector>

#include "sim/model/span.h"

namespace tracesim::sim {

// Spans held compactly (tail-sampling buffers, the SDK export lab, the load generator's queues
// and requests), read as `const Span&` in order: a plain array of Span, or packed span records
// (Pack()). A packed record is a Span cut after its dynamic_count dynamic attributes (8-byte
// aligned), so a buffered span takes its fixed fields plus the attributes it has rather than all
// kMaxDynamicAttrs (checkout-sampling peaks at 42 MiB instead of 49 MiB with whole spans). An
// offsets array locates each record, so iteration does not chain one record's load to the
// next. Readers must not read dynamic attributes past dynamic_count (Span's accessors never
// do); a packed buffer keeps sizeof(Span) bytes of slack after its last record, so a whole-Span
// copy of the last record stays inside the allocation.
class SpanRecords {
 public:
  // A word of a packed buffer; deliberately not zeroed on resize: only the bytes Pack() writes
  // are read.
  struct Word {
    Word() noexcept {}  // NOLINT: no zeroing, see above
    uint64_t bits;
  };
  using Words = std::vector<Word>;
  // Words a packed buffer keeps after its last record (see above).
  static constexpr size_t kSlackWords = (sizeof(Span) + 7) / 8;

  // Appends a packed record of `span` to `words` (a vector of 8-byte words holding only
  // records Pack() appended, or empty) and its word offset to `offsets`; returns the record.
  // `fixed_only`: the record leaves out the dynamic attributes (its dynamic_count is 0).
  static Span* Pack(Words& words, std::vector<uint32_t>& offsets, const Span& span,
                    bool fixed_only = false) {
    constexpr size_t kFixed = offsetof(Span, dynamic_attrs);
    const size_t used = words.empty() ? 0 : words.size() - kSlackWords;
    const size_t attrs = fixed_only ? 0 : span.dynamic_count * sizeof(Attr);
    words.resize(used + (kFixed + attrs + 7) / 8 + kSlackWords);
    auto* at = reinterpret_cast<unsigned char*>(words.data() + used);
    // Constant-size copies only: they compile to a few vector moves, where a copy of a variable
    // size costs a string-move's start-up every span. The attributes go in pairs; an odd count
    // copies one unused slot more, read from inside `span` (or, when `span` is itself a packed
    // record, from the bytes after it, which a buffer's slack keeps inside its allocation) and
    // written into the slack after this record (the next record overwrites it).
    std::memcpy(at, &span, kFixed);
    static_assert(kMaxDynamicAttrs % 2 == 0);  // a pair never reads past dynamic_attrs
    const auto* from = reinterpret_cast<const unsigned char*>(&span.dynamic_attrs);
    for (size_t off = 0; off < attrs; off += 2 * sizeof(Attr))
      std::memcpy(at + kFixed + off, from + off, 2 * sizeof(Attr));
    offsets.push_back(static_cast<uint32_t>(used));
    auto* record = std::launder(reinterpret_cast<Span*>(at));
    if (fixed_only) record->dynamic_count = 0;
    return record;
  }

  SpanRecords() = default;
  SpanRecords(std::span<const Span> spans)  // NOLINT: implicit, a plain array
      : base_(reinterpret_cast<const unsigned char*>(spans.data())), count_(spans.size()) {}
  SpanRecords(const std::vector<Span>& spans)  // NOLINT: implicit
      : SpanRecords(std::span<const Span>(spans)) {}
  // Packed records in `words` at the word offsets `offsets` (Pack()).
  SpanRecords(const void* words, std::span<const uint32_t> offsets)
      : base_(static_cast<const unsigned char*>(words)),
        offsets_(offsets.data()),
        count_(offsets.size()) {}

  class Iterator {
   public:
    using value_type = Span;
    using difference_type = std::ptrdiff_t;
    const Span& operator*() const noexcept { return r_->at(i_); }
    Iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const noexcept { return i_ == o.i_; }

   private:
    friend class SpanRecords;
    Iterator(const SpanRecords* r, size_t i) : r_(r), i_(i) {}
    const SpanRecords* r_;
    size_t i_;
  };
  Iterator begin() const noexcept { return Iterator(this, 0); }
  Iterator end() const noexcept { return Iterator(this, count_); }
  size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  const Span& operator[](size_t i) const noexcept { return at(i); }
  const Span& at(size_t i) const noexcept {
    const unsigned char* p =
        offsets_ != nullptr ? base_ + size_t{offsets_[i]} * 8 : base_ + i * sizeof(Span);
    return *std::launder(reinterpret_cast<const Span*>(p));
  }

 private:
  const unsigned char* base_ = nullptr;
  const uint32_t* offsets_ = nullptr;  // packed: word offset of each record
  size_t count_ = 0;
};

// An owning sequence of packed span records (SpanRecords::Pack), appended at the back and
// consumed from either end; it keeps its capacity, so steady use allocates nothing. Record
// offsets are 32-bit word offsets: a buffer holds at most 32 GiB of records.
class PackedSpans {
 public:
  size_t size() const noexcept { return offsets_.size(); }
  bool empty() const noexcept { return offsets_.empty(); }
  SpanRecords view() const noexcept {
    return SpanRecords(words_.data(), std::span<const uint32_t>(offsets_));
  }
  const Span& operator[](size_t i) const noexcept { return view().at(i); }
  // Appends a packed copy of `span`; the returned record may be edited (not its
  // dynamic_count upwards) until the next Append.
  Span& Append(const Span& span) { return *SpanRecords::Pack(words_, offsets_, span); }
  // Keeps the first `n` records.
  void Truncate(size_t n) {
    if (n >= size()) return;
    if (n == 0) return clear();
    words_.resize(offsets_[n] + SpanRecords::kSlackWords);
    offsets_.resize(n);
  }
  // Drops the first `n` records (a queue's consumed head); costs the bytes kept.
  void EraseFront(size_t n) {
    if (n >= size()) return clear();
    const uint32_t w = offsets_[n];
    words_.erase(words_.begin(), words_.begin() + w);
    offsets_.erase(offsets_.begin(), offsets_.begin() + static_cast<std::ptrdiff_t>(n));
    for (uint32_t& o : offsets_) o -= w;
  }
  void clear() noexcept {
    words_.clear();
    offsets_.clear();
  }

 private:
  SpanRecords::Words words_;
  std::vector<uint32_t> offsets_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SPAN_RECORDS_H_
