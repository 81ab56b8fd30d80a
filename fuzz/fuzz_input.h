// Shared helpers for the libFuzzer harnesses in fuzz/ (see fuzz/README.md). Header-only; every
// harness is one LLVMFuzzerTestOneInput that feeds bytes to one parser of outside input and
// lets the sanitizers (ASan, UBSan) and libFuzzer's limits (crash, timeout, -rss_limit_mb)
// judge the result. A parser may return any error; it may not crash, hang or balloon.
#ifndef TRACESIM_FUZZ_FUZZ_INPUT_H_
#define TRACESIM_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tracesim::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits off the first byte as a selector (which parser or mode to use); false on empty input.
inline bool TakeSelector(std::string_view* text, uint8_t* selector) {
  if (text->empty()) return false;
  *selector = static_cast<uint8_t>((*text)[0]);
  text->remove_prefix(1);
  return true;
}

}  // namespace tracesim::fuzz

#endif  // TRACESIM_FUZZ_FUZZ_INPUT_H_
