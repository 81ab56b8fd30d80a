// Shared parts of the HTML pages (reports/html/html_report.h): escaping, tables, the page skeleton
// with the inline style, data block and Chart.js. Internal to reports/.
#ifndef TRACESIM_REPORTS_HTML_PAGE_H_
#define TRACESIM_REPORTS_HTML_PAGE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tracesim::reports::html {

// Text for HTML content or a quoted attribute: & < > " escaped.
std::string Escape(std::string_view s);

// A table: the first `left` columns are text, the others numbers (right-aligned).
class HtmlTable {
 public:
  HtmlTable(std::vector<std::string> head, size_t left) : head_(std::move(head)), left_(left) {}
  void Row(const std::vector<std::string>& cells);
  std::string Render() const;

 private:
  std::vector<std::string> head_;
  size_t left_;
  std::string body_;
};

// Milliseconds with 2, 1 or 0 decimals as they grow (0.25, 12.5, 420).
std::string Ms(double ms);

// JSON for a <script> element: "</" escaped so the text cannot end it.
std::string ScriptJson(const nlohmann::ordered_json& j);

// The whole page: `body`, then the JSON `data` block (id tracesim-data), Chart.js when built in,
// then `script`.
std::string Page(const std::string& title, const std::string& body, const std::string& data,
                 const char* script);

// The run page's chart code (reports/html/html_run_script.cc).
extern const char kRunScript[];

}  // namespace tracesim::reports::html

#endif  // TRACESIM_REPORTS_HTML_PAGE_H_
