// StringTable: interns strings once and hands out dense 32-bit ids.
//
// Span names, attribute keys and values, resource values are interned when a model is built,
// so spans carry 4-byte ids and no std::string. Id 0 is always the empty string; ids are
// handed out in order of first Intern, so the same calls give the same ids. Views returned by
// Get() stay valid for the table's lifetime (the bytes never move) and are NUL-terminated
// (Get(id).data()[Get(id).size()] == '\0').
//
// The bytes live in a few large blocks and the index is an open-addressing table of ids with
// each string's hash kept beside it, so a copy (a cached built-in topology handed out per
// scenario) copies the strings into a few new blocks and two arrays as they are, and hashes
// nothing; the copy has the same ids and its own bytes (views into the copy, not the
// original). A moved-from table may only be
// destroyed or assigned to. Not thread-safe for writers; concurrent readers are fine once
// building is done.
#ifndef TRACESIM_SIM_STRINGS_H_
#define TRACESIM_SIM_STRINGS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace tracesim::sim {

using StrId = uint32_t;
inline constexpr StrId kEmptyStr = 0;

class StringTable {
 public:
  StringTable();
  StringTable(const StringTable& other);
  StringTable& operator=(const StringTable& other);
  StringTable(StringTable&&) noexcept = default;
  StringTable& operator=(StringTable&&) noexcept = default;
  ~StringTable() = default;

  // The id of `s`, interning it first when it is new.
  StrId Intern(std::string_view s);
  // Returns the id of an already interned string, or kEmptyStr when absent (and s non-empty).
  StrId Find(std::string_view s) const;
  // REQUIRES: id < size().
  std::string_view Get(StrId id) const noexcept { return views_[id]; }
  size_t size() const { return views_.size(); }

 private:
  static constexpr StrId kFree = ~StrId{0};  // an empty slot (never an id: ids are < 2^32 - 1)

  struct Block {
    std::unique_ptr<char[]> bytes;
    size_t used = 0, capacity = 0;
  };

  // Copies `s` and a NUL into the last block (a new one when it does not fit); the copy's view.
  std::string_view Store(std::string_view s);
  // The slot holding the id of `s` (hash `h`), or the free slot where it would go.
  size_t Probe(uint64_t h, std::string_view s) const;
  // Doubles the slots (at least 64) and re-places every id by its kept hash.
  void Grow();

  std::vector<Block> blocks_;
  std::vector<std::string_view> views_;  // by id
  std::vector<uint64_t> hashes_;         // by id: std::hash of the string
  std::vector<StrId> slots_;             // power-of-two size, linear probing, at most half full
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_STRINGS_H_
