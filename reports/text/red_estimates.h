// RED per service estimated from each strategy's sample (issue 13; sampling/lab/stats/
// service_red.h): the summary's table and the JSON. Pure functions.
#ifndef TRACESIM_REPORTS_TEXT_RED_ESTIMATES_H_
#define TRACESIM_REPORTS_TEXT_RED_ESTIMATES_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sampling/lab/lab.h"

namespace tracesim::reports {

// The error rate per service, true and as each strategy's sample estimates it (strategies whose
// estimate is biased marked †), with the worst rate error per strategy; "" without strategies or
// services.
std::string RenderServiceRedTable(const std::vector<sampling::StrategyScore>& scores);

// One strategy's `red_by_service` array: per service its requests, the kept requests, and true
// and estimated rate, error rate and mean duration, each estimate with its 95 % interval.
nlohmann::ordered_json ServiceRedJson(const sampling::StrategyScore& s);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_TEXT_RED_ESTIMATES_H_
