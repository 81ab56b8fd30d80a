#include "sim/base/strings.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace tracesim::sim {

namespace {

constexpr size_t kBlockBytes = 16 * 1024;

uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }

}  // namespace

StringTable::StringTable() { Intern(""); }

// Same ids, same hashes, same slots; only the bytes are copied, string by string in id order
// (a few blocks' worth of memcpy).
StringTable::StringTable(const StringTable& other) : hashes_(other.hashes_), slots_(other.slots_) {
  views_.reserve(other.views_.size());
  for (std::string_view v : other.views_) views_.push_back(Store(v));
}

StringTable& StringTable::operator=(const StringTable& other) {
  if (this != &other) *this = StringTable(other);
  return *this;
}

StrId StringTable::Intern(std::string_view s) {
  if (slots_.empty()) Grow();
  const uint64_t h = Hash(s);
  const size_t i = Probe(h, s);
  if (slots_[i] != kFree) return slots_[i];
  const auto id = static_cast<StrId>(views_.size());
  views_.push_back(Store(s));
  hashes_.push_back(h);
  slots_[i] = id;
  if (views_.size() * 2 > slots_.size()) Grow();
  return id;
}

StrId StringTable::Find(std::string_view s) const {
  if (slots_.empty()) return kEmptyStr;
  const StrId id = slots_[Probe(Hash(s), s)];
  return id == kFree ? kEmptyStr : id;
}

std::string_view StringTable::Store(std::string_view s) {
  const size_t need = s.size() + 1;
  if (blocks_.empty() || blocks_.back().capacity - blocks_.back().used < need) {
    const size_t capacity = std::max(kBlockBytes, need);
    blocks_.push_back(Block{std::unique_ptr<char[]>(new char[capacity]), 0, capacity});
  }
  Block& b = blocks_.back();
  char* at = b.bytes.get() + b.used;
  if (!s.empty()) std::memcpy(at, s.data(), s.size());
  at[s.size()] = '\0';
  b.used += need;
  return std::string_view(at, s.size());
}

size_t StringTable::Probe(uint64_t h, std::string_view s) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const StrId id = slots_[i];
    if (id == kFree || (hashes_[id] == h && views_[id] == s)) return i;
  }
}

void StringTable::Grow() {
  std::vector<StrId> slots(std::max<size_t>(64, slots_.size() * 2), kFree);
  const size_t mask = slots.size() - 1;
  for (size_t id = 0; id < views_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (slots[i] != kFree) i = (i + 1) & mask;
    slots[i] = static_cast<StrId>(id);
  }
  slots_.swap(slots);
}

}  // namespace tracesim::sim
