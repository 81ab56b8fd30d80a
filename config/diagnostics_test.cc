#include "config/diagnostics.h"

#include <gtest/gtest.h>

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

TEST(DiagnosticsTest, MergeKeepsOtherFiles) {
  Diagnostics a("a.yaml"), b("b.yaml");
  b.Error(1, 2, "k", "bad");
  a.Merge(b);
  EXPECT_EQ(a.Text(), "b.yaml:1:2: k: bad");
  EXPECT_TRUE(a.has_errors());
}

}  // namespace
}  // namespace tracesim::config
