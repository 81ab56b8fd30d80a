// StringTable: interns strings once and hands out dense 32-bit ids.
//
// Span names, attribute keys and values, resource values are interned when a model is built,
// so spans carry 4-byte ids and no std::string. Views returned by Get() stay valid for the
// table's lifetime (storage never moves). Id 0 is always the empty string. A copy has the same
// ids and its own storage (views into the copy, not the original). Not thread-safe for writers;
// concurrent readers are fine once building is done.
#ifndef TRACESIM_SIM_STRINGS_H_
#define TRACESIM_SIM_STRINGS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tracesim::sim {

using StrId = uint32_t;
inline constexpr StrId kEmptyStr = 0;

class StringTable {
 public:
  StringTable() { Intern(""); }
  StringTable(const StringTable& other) : storage_(other.storage_) { Reindex(); }
  StringTable& operator=(const StringTable& other) {
    if (this != &other) {
      storage_ = other.storage_;
      Reindex();
    }
    return *this;
  }
  StringTable(StringTable&&) = default;
  StringTable& operator=(StringTable&&) = default;

  StrId Intern(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) return it->second;
    storage_.emplace_back(s);
    std::string_view stable = storage_.back();
    StrId id = static_cast<StrId>(views_.size());
    views_.push_back(stable);
    index_.emplace(stable, id);
    return id;
  }
  // Returns the id of an already interned string, or kEmptyStr when absent (and s non-empty).
  StrId Find(std::string_view s) const {
    auto it = index_.find(s);
    return it == index_.end() ? kEmptyStr : it->second;
  }
  // REQUIRES: id < size().
  std::string_view Get(StrId id) const noexcept { return views_[id]; }
  size_t size() const { return views_.size(); }

 private:
  // Rebuilds views_ and index_ over storage_ (storage_[id] is the string of id).
  void Reindex() {
    views_.assign(storage_.begin(), storage_.end());
    index_.clear();
    for (size_t id = 0; id < views_.size(); ++id)
      index_.emplace(views_[id], static_cast<StrId>(id));
  }

  std::deque<std::string> storage_;
  std::vector<std::string_view> views_;
  std::unordered_map<std::string_view, StrId> index_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_STRINGS_H_
