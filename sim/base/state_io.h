// StateWriter / StateReader: the byte format of mergeable results written by one process and
// merged by another (partial results of `tracesim run --shard I/N`, MPI ranks; doc/scale.md).
//
// Little-endian fixed-width integers and IEEE doubles (bit patterns, so a merge is exact), and
// length-prefixed strings. A reader never reads past its input: a short or corrupt input sets
// ok() false and yields zeros, and the caller reports it with the file's name. Not a stable
// archive format: a partial is read by the same tracesim version that wrote it (the files carry
// the version, app/partial.h).
#ifndef TRACESIM_SIM_BASE_STATE_IO_H_
#define TRACESIM_SIM_BASE_STATE_IO_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tracesim::sim {

class StateWriter {
 public:
  void U64(uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 8);
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    U64(bits);
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
  }
  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  uint64_t U64() {
    if (in_.size() - at_ < 8 || !ok_) return Fail();
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(in_[at_ + i])} << (8 * i);
    at_ += 8;
    return v;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  double F64() {
    const uint64_t bits = U64();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string Str() {
    const uint64_t n = U64();
    if (!ok_ || n > in_.size() - at_) return Fail(), std::string();
    std::string s(in_.substr(at_, n));
    at_ += n;
    return s;
  }
  // A count of items that each take at least `min_bytes`: fails (0) when the input cannot hold
  // them, so a corrupt count never makes the caller allocate.
  uint64_t Count(uint64_t min_bytes = 8) {
    const uint64_t n = U64();
    if (!ok_ || (min_bytes > 0 && n > (in_.size() - at_) / min_bytes)) return Fail();
    return n;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return at_ == in_.size(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    at_ = in_.size();
    return 0;
  }
  std::string_view in_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_BASE_STATE_IO_H_
