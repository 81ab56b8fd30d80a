// For app/ tests: a built-in scenario, loaded or the test fails. Header-only.
#ifndef TRACESIM_APP_TEST_SCENARIOS_H_
#define TRACESIM_APP_TEST_SCENARIOS_H_

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "scenarios/scenario.h"

namespace tracesim::app::testing {

inline scenarios::Scenario Builtin(const std::string& name) {
  auto sc = scenarios::LoadBuiltinScenario(name);
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

}  // namespace tracesim::app::testing

#endif  // TRACESIM_APP_TEST_SCENARIOS_H_
