// Renders an Advice (advisor.h) as a terminal report or JSON (doc/advise.md). Pure functions.
#ifndef TRACESIM_ADVISE_RENDER_H_
#define TRACESIM_ADVISE_RENDER_H_

#include <cstddef>
#include <string>

#include "advise/advisor.h"

namespace tracesim::advise {

// The traffic, the search, the `top` best configurations that meet the targets (a configuration
// that differs from a better one only in decision_wait and num_traces is left out; with each
// target's figure, count and interval), the scenario's own samplers judged the same way, and the
// best one's deployment YAML; or, when none meets the targets, the closest ones and why.
std::string RenderAdviceText(const Advice& advice, const std::string& scenario, size_t top);

// The same as JSON: traffic, targets, search, `best` (the top configurations, each with its
// `samplers` entry and `deploy` YAML), `yours`, and `evaluated` (every configuration's figures).
std::string RenderAdviceJson(const Advice& advice, const std::string& scenario, size_t top);

}  // namespace tracesim::advise

#endif  // TRACESIM_ADVISE_RENDER_H_
