// Attribute values as spans carry them: no std::string, only interned ids and scalars.
//
// kPrefixedInt renders as prefix + decimal integer ("user-4812"), so a high-cardinality id costs
// no allocation and no interning. Exporters render values through the Model's StringTable.
#ifndef TRACESIM_SIM_ATTRIBUTES_H_
#define TRACESIM_SIM_ATTRIBUTES_H_

#include <cstdint>

#include "sim/base/strings.h"

namespace tracesim::sim {

struct AttrValue {
  // NOTE: persisted in golden files through exporters; do not renumber.
  enum class Type : uint8_t {
    kNone = 0,
    kString = 1,
    kBool = 2,
    kInt = 3,
    kDouble = 4,
    kPrefixedInt = 5
  };

  Type type = Type::kNone;
  StrId str = kEmptyStr;  // kString: the value; kPrefixedInt: the prefix
  union {
    int64_t i;
    double d;
    bool b;
  };

  AttrValue() : i(0) {}
  static AttrValue String(StrId s) {
    AttrValue v;
    v.type = Type::kString;
    v.str = s;
    return v;
  }
  static AttrValue Int(int64_t x) {
    AttrValue v;
    v.type = Type::kInt;
    v.i = x;
    return v;
  }
  static AttrValue Double(double x) {
    AttrValue v;
    v.type = Type::kDouble;
    v.d = x;
    return v;
  }
  static AttrValue Bool(bool x) {
    AttrValue v;
    v.type = Type::kBool;
    v.b = x;
    return v;
  }
  static AttrValue PrefixedInt(StrId prefix, int64_t x) {
    AttrValue v;
    v.type = Type::kPrefixedInt;
    v.str = prefix;
    v.i = x;
    return v;
  }
  bool operator==(const AttrValue& o) const {
    if (type != o.type) return false;
    switch (type) {
      case Type::kNone:
        return true;
      case Type::kString:
        return str == o.str;
      case Type::kBool:
        return b == o.b;
      case Type::kInt:
        return i == o.i;
      case Type::kDouble:
        return d == o.d;
      case Type::kPrefixedInt:
        return str == o.str && i == o.i;
    }
    return false;
  }
};

struct Attr {
  StrId key = kEmptyStr;
  AttrValue value;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_ATTRIBUTES_H_
