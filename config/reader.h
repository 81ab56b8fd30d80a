// Reader: typed, position-tracking access to a yaml-cpp document, reporting into Diagnostics.
//
// A Node is a YAML node with its key path ("services[2].operations[0]") and 1-based position;
// child paths are built automatically (Map entries, Item). A Map reads a mapping once: it reports
// a non-mapping, non-string and duplicate keys and (unless free-form) unknown keys with a
// did-you-mean (sim/base/suggest.h). The Reader's typed getters (strings, names, integers in a
// range, numbers, probabilities, booleans, enums, durations, byte sizes) report a problem at the
// node and return nullopt, so a loader keeps going and reports everything at once. Messages are the
// topology loader's (doc/validate.md): "expected an integer, got 'x'", "unknown key 'servces'
// (did you mean 'services'?)".
//
// Keys are copied out of yaml-cpp iterators (never a reference to it->first / it->second: those
// are temporaries). Not thread-safe; one Reader per load.
#ifndef TRACESIM_CONFIG_READER_H_
#define TRACESIM_CONFIG_READER_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "sim/base/time.h"

namespace tracesim::config {

using Keys = std::vector<std::string>;

// A YAML node, where it is and what it is called.
struct Node {
  YAML::Node node;
  std::string path;
  int line = 1, col = 1;

  // `node` at `path`; the position falls back to `fallback`'s when the node has no mark.
  static Node At(const YAML::Node& node, std::string path, const Node& fallback);
  // The document root (path "", its own position or 1:1).
  static Node Root(const YAML::Node& node);
  // Element i of a sequence: path "path[i]".
  Node Item(size_t i) const;
};

// "a.b" (or "b" when `path` is empty) and "a[3]".
std::string JoinPath(const std::string& path, std::string_view key);
std::string IndexPath(const std::string& path, size_t i);
// "'s'".
std::string Quote(std::string_view s);
// How a node reads in a message: "'text'", "a mapping", "a list", "nothing".
std::string Show(const YAML::Node& n);
// "a, b, c".
std::string JoinList(const Keys& items);

// Base-10 int64 with optional sign; nullopt on any other text or overflow.
std::optional<int64_t> ParseInt(std::string_view s);
// A finite decimal or exponent number (strtod syntax, whole text); nullopt otherwise.
std::optional<double> ParseNumber(const std::string& s);

// The entries of one YAML mapping.
class Map {
 public:
  struct Entry {
    std::string key;
    Node key_val;  // the key itself (its position and path)
    Node value;    // path = key_val.path
  };

  Map() = default;
  // `allowed` == nullptr: any key is accepted (attribute maps and the like).
  Map(Diagnostics& diag, const Node& v, const Keys* allowed);

  // False when the node was not a mapping (already reported).
  bool ok() const { return ok_; }
  const Node& self() const { return self_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* Find(std::string_view key) const;
  const Node* Get(std::string_view key) const;

 private:
  Node self_;
  bool ok_ = false;
  std::vector<Entry> entries_;
};

// Whether zero (and, for durations, a negative value) is allowed where a duration or size is
// read. kAny: any sign (a clock offset; a size is never negative, so kAny is kNonNegative there).
enum class Need { kPositive, kNonNegative, kAny };

class Reader {
 public:
  explicit Reader(Diagnostics& diag) : diag_(diag) {}

  Diagnostics& diag() { return diag_; }
  void Error(const Node& v, std::string_view msg, std::string_view suggestion = {});
  void Warning(const Node& v, std::string_view msg);

  // Reads a mapping (see Map).
  Map ReadMap(const Node& v, const Keys* allowed) { return Map(diag_, v, allowed); }

  // The value of a required key; reports "missing required key 'k'" when absent.
  const Node* Require(const Map& f, std::string_view key);
  std::optional<std::string> Str(const Node& v);
  // Required, non-empty "name".
  std::optional<std::string> Name(const Map& f);
  // An integer in [lo, hi].
  std::optional<int64_t> Int(const Node& v, int64_t lo = std::numeric_limits<int64_t>::min(),
                             int64_t hi = std::numeric_limits<int64_t>::max());
  std::optional<double> Number(const Node& v);
  // A number in [0, 1].
  std::optional<double> Probability(const Node& v);
  // true/false (also yes/no/on/off, any case).
  std::optional<bool> Bool(const Node& v);
  // Index of the value in `names`; an unknown value gets a did-you-mean and the list.
  std::optional<size_t> Enum(const Node& v, const Keys& names);
  // A duration (sim::ParseDuration, Go syntax): negative only when kAny, non-zero when kPositive.
  std::optional<sim::Duration> Duration(const Node& v, Need need);
  // A byte size (config/grammar.h ParseByteSize), non-zero when kPositive.
  std::optional<uint64_t> ByteSize(const Node& v, Need need);

  // Optional fields: the default when `key` is absent, else the typed value (nullopt on error).
  std::optional<int64_t> IntOr(const Map& f, std::string_view key, int64_t def, int64_t lo,
                               int64_t hi);
  std::optional<double> NumberOr(const Map& f, std::string_view key, double def);
  std::optional<bool> BoolOr(const Map& f, std::string_view key, bool def);
  std::optional<std::string> StrOr(const Map& f, std::string_view key, std::string def);
  std::optional<sim::Duration> DurationOr(const Map& f, std::string_view key, sim::Duration def,
                                          Need need);

 private:
  Diagnostics& diag_;
};

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_READER_H_
