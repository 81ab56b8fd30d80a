// StaticAttrBlocks: an encoder's memo of each static attribute template's encoded bytes.
//
// An operation's static attributes (Span::static_attrs, a template the model owns) encode to the
// same bytes on every span, so an encoder writes each template once and copies its bytes after
// that. Not thread-safe: one per encoder.
#ifndef TRACESIM_EXPORTER_STATIC_ATTR_BLOCKS_H_
#define TRACESIM_EXPORTER_STATIC_ATTR_BLOCKS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/model/span.h"

namespace tracesim::exporter {

// The encoded attributes of static attribute templates, in the encoder's own format (protobuf
// Span.attributes fields, or JSON array items), keyed by the template's address (stable: the
// model owns it and outlives the encoder; REQUIRES: a template's contents do not change while an
// encoder lives, as the model's do not during a run). Holds at most kMaxBlocks templates (a model
// has one per operation and call); past that, Get() misses and the caller encodes inline, so
// memory is bounded whatever the model.
class StaticAttrBlocks {
 public:
  static constexpr size_t kMaxBlocks = 4096;

  // The bytes of the template `attrs` with `count` attributes, written by `encode(std::string*)`
  // on its first use; a view with data() == nullptr when the template cannot be stored (the table
  // is full, or a stored template shows up with another count): the caller encodes it inline.
  template <class Encode>
  std::string_view Get(const sim::Attr* attrs, uint16_t count, Encode&& encode) {
    std::string_view block = Find(attrs, count);
    if (block.data() != nullptr || !CanAdd(attrs)) return block;
    std::string bytes;
    encode(&bytes);
    return Add(attrs, count, bytes);
  }

 private:
  std::string_view Find(const sim::Attr* attrs, uint16_t count) const {
    auto it = index_.find(attrs);
    if (it == index_.end() || it->second.count != count) return {};
    return std::string_view(bytes_).substr(it->second.offset, it->second.size);
  }
  // Room left and no block for that address yet (never stored twice).
  bool CanAdd(const sim::Attr* attrs) const {
    return index_.size() < kMaxBlocks && !index_.contains(attrs);
  }
  std::string_view Add(const sim::Attr* attrs, uint16_t count, std::string_view encoded) {
    Block b{count, static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(encoded.size())};
    bytes_.append(encoded);
    index_.emplace(attrs, b);
    return std::string_view(bytes_).substr(b.offset, b.size);
  }

  struct Block {
    uint16_t count;
    uint32_t offset, size;  // in bytes_
  };
  std::unordered_map<const sim::Attr*, Block> index_;
  std::string bytes_;
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_STATIC_ATTR_BLOCKS_H_
