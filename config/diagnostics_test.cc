#include "config/diagnostics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace tracesim::config {
namespace {

TEST(DiagnosticsTest, FormatsFileLineColPathMessage) {
  Diagnostic d{"t.yaml",
               3,
               7,
               "services[0].name",
               Severity::kError,
               "must not be empty",
               "",
               sim::Status::Code::kInvalidArgument};
  EXPECT_EQ(d.Format(), "t.yaml:3:7: services[0].name: must not be empty");
  d.path = "";
  EXPECT_EQ(d.Format(), "t.yaml:3:7: must not be empty");
  d.line = 0;
  EXPECT_EQ(d.Format(), "t.yaml: must not be empty");
  d.severity = Severity::kWarning;
  EXPECT_EQ(d.Format(), "t.yaml: warning: must not be empty");
}

TEST(DiagnosticsTest, KeepsEveryProblemSortedAndDeduplicated) {
  Diagnostics diag("f.yaml");
  diag.Error(5, 1, "b", "second");
  diag.Error(2, 4, "a", "first");
  diag.Warning(3, 1, "w", "careful");
  diag.Error(5, 1, "b", "second");  // a duplicate
  EXPECT_EQ(diag.items().size(), 4u);
  EXPECT_EQ(diag.error_count(), 3u);
  EXPECT_EQ(diag.Text(),
            "f.yaml:2:4: a: first\nf.yaml:3:1: w: warning: careful\nf.yaml:5:1: b: second");
  EXPECT_EQ(diag.ErrorText(), "f.yaml:2:4: a: first\nf.yaml:5:1: b: second");
  sim::Status st = diag.ToStatus();
  EXPECT_EQ(st.code(), sim::Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(), diag.ErrorText());
}

TEST(DiagnosticsTest, WarningsAloneAreOk) {
  Diagnostics diag("f.yaml");
  diag.Warning(1, 1, "x", "unset variable");
  EXPECT_FALSE(diag.has_errors());
  EXPECT_TRUE(diag.ToStatus().ok());
  EXPECT_FALSE(diag.empty());
}

TEST(DiagnosticsTest, StatusTakesTheFirstErrorsCode) {
  Diagnostics diag("f.yaml");
  diag.Error(9, 1, "late", "bad", "", sim::Status::Code::kInvalidArgument);
  diag.Error(1, 1, "early", "gone", "", sim::Status::Code::kNotFound);
  EXPECT_EQ(diag.ToStatus().code(), sim::Status::Code::kNotFound);
}

TEST(DiagnosticsTest, SuggestionIsAFieldNotParsedBack) {
  Diagnostics diag("f.yaml");
  diag.Error(1, 1, "servces", "unknown key 'servces' (did you mean 'services'?)", "services");
  ASSERT_EQ(diag.items().size(), 1u);
  EXPECT_EQ(diag.items()[0].suggestion, "services");
  EXPECT_EQ(diag.items()[0].path, "servces");
}

// Found by the topology fuzzer: aliases that repeat one bad step ~270,000 times (a 575-byte file)
// made 571,688 lines of problems, 134 MB of text and 852 MB of RSS.
TEST(DiagnosticsTest, KeepsTheFirstProblemsAndCountsTheRest) {
  Diagnostics diag("f.yaml");
  const size_t n = Diagnostics::kMaxKept + 250;
  for (size_t i = 0; i < n; ++i) diag.Error(static_cast<int>(i + 1), 1, "k", "bad");
  diag.Warning(1, 1, "w", "careful");
  EXPECT_EQ(diag.items().size(), Diagnostics::kMaxKept);
  EXPECT_EQ(diag.error_count(), n);
  EXPECT_EQ(diag.omitted_errors(), 250u);
  EXPECT_EQ(diag.omitted_warnings(), 1u);
  const std::string errors = diag.ErrorText();
  EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 100);  // 100 kept + the count line
  EXPECT_NE(errors.find("f.yaml:100:1: k: bad\nf.yaml: 250 more problems not shown (only the "
                        "first 100 are kept"),
            std::string::npos)
      << errors.substr(errors.size() - 200);
  EXPECT_NE(diag.Text().find("f.yaml: 251 more problems not shown"), std::string::npos);
  EXPECT_EQ(diag.ToStatus().message(), errors);
}

TEST(DiagnosticsTest, ErrorsOmittedAfterKeptWarningsStillFail) {
  Diagnostics diag("f.yaml");
  for (size_t i = 0; i < Diagnostics::kMaxKept; ++i) diag.Warning(1, 1, "w", "careful");
  diag.Error(2, 1, "k", "bad");
  EXPECT_TRUE(diag.has_errors());
  EXPECT_FALSE(diag.ToStatus().ok());
  EXPECT_EQ(diag.ErrorText(),
            "f.yaml: 1 more problem not shown (only the first 100 are kept; fix those and check "
            "again)");
}

}  // namespace
}  // namespace tracesim::config
