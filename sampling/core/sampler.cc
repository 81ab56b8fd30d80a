#include "sampling/core/sampler.h"

namespace tracesim::sampling {

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kDrop:
      return "DROP";
    case Decision::kRecordOnly:
      return "RECORD_ONLY";
    case Decision::kRecordAndSample:
      return "RECORD_AND_SAMPLE";
  }
  return "DROP";
}

}  // namespace tracesim::sampling
