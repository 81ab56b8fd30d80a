#include "reports/text/red_estimates.h"

#include <algorithm>
#include <cmath>

#include "reports/text/table.h"

namespace tracesim::reports {
namespace {

double R6(double v) { return Round6(v); }
double R3(double v) { return Round3(v); }

nlohmann::ordered_json Ci(const sampling::Interval& i, double (*round)(double)) {
  return {round(i.low), round(i.high)};
}

}  // namespace

std::string RenderServiceRedTable(const std::vector<sampling::StrategyScore>& scores) {
  if (scores.empty() || scores.front().red_by_service.empty()) return "";
  std::vector<Column> cols = {{"service", Align::kLeft}, {"true err %", Align::kRight}};
  for (const sampling::StrategyScore& s : scores)
    cols.push_back({s.name + (s.red_biased ? " †" : ""), Align::kRight});
  Table t(cols);
  const size_t services = scores.front().red_by_service.size();
  std::vector<double> worst_rate(scores.size(), 0);
  for (size_t i = 0; i < services; ++i) {
    const sampling::ServiceRed& truth = scores.front().red_by_service[i];
    std::vector<std::string> row = {truth.service, FormatPercent(truth.true_error_rate, 2)};
    for (size_t k = 0; k < scores.size(); ++k) {
      const auto& red = scores[k].red_by_service;
      if (i >= red.size() || red[i].kept_requests <= 0) {
        row.push_back("-");
        continue;
      }
      row.push_back(FormatPercent(red[i].est_error_rate, 2));
      if (red[i].true_rate > 0)
        worst_rate[k] = std::max(worst_rate[k], std::abs(red[i].est_rate / red[i].true_rate - 1));
    }
    t.AddRow(std::move(row));
  }
  t.AddSeparator();
  std::vector<std::string> last = {"worst req/s error", ""};
  for (double w : worst_rate) last.push_back(FormatPercent(w, 1));
  t.AddRow(std::move(last));
  return "\nRED per service estimated from each sample (error rate; adjusted counts; † biased: "
         "no adjusted count for tail or dynamic stages; rates, durations and 95% intervals in "
         "--format json):\n" +
         t.Render();
}

nlohmann::ordered_json ServiceRedJson(const sampling::StrategyScore& s) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const sampling::ServiceRed& r : s.red_by_service) {
    out.push_back({{"service", r.service},
                   {"requests", r.requests},
                   {"kept_requests", R3(r.kept_requests)},
                   {"true_rate", R3(r.true_rate)},
                   {"est_rate", R3(r.est_rate)},
                   {"est_rate_ci", Ci(r.rate_ci, R3)},
                   {"true_error_rate", R6(r.true_error_rate)},
                   {"est_error_rate", R6(r.est_error_rate)},
                   {"est_error_rate_ci", Ci(r.error_rate_ci, R6)},
                   {"true_mean_ms", R3(r.true_mean_ms)},
                   {"est_mean_ms", R3(r.est_mean_ms)},
                   {"est_mean_ms_ci", Ci(r.mean_ms_ci, R3)}});
  }
  return out;
}

}  // namespace tracesim::reports
