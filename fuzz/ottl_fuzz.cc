// OTTL conditions of the tail_sampling `ottl_condition` policy. The first byte picks the
// context (span or spanevent); the rest is the condition.
#include "fuzz/fuzz_input.h"
#include "sampling/collector/tail_sampling/config/tail_ottl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  uint8_t selector = 0;
  if (!tracesim::fuzz::TakeSelector(&text, &selector)) return 0;
  using tracesim::sampling::OttlCondition;
  (void)OttlCondition::Parse(
      text, (selector & 1) ? OttlCondition::Context::kSpanEvent : OttlCondition::Context::kSpan);
  return 0;
}
