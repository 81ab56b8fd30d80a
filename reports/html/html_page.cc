#include "reports/html/html_page.h"

#include "reports/text/table.h"
#include "sim/base/embedded.h"

#if TRACESIM_HAVE_CHARTJS
namespace tracesim::sim {
extern const EmbeddedFile kChartJs[];  // reports/html/CMakeLists.txt: Debian's chart.min.js
}
#endif

namespace tracesim::reports::html {

namespace {

constexpr char kStyle[] = R"css(
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dde5; --accent:#1f77b4; --bad:#c62828; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px;
     border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; }
p.meta, p.note { color: var(--muted); margin: 4px 0; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left;
         white-space: nowrap; }
th { background: #f4f6f9; font-weight: 600; } .n { text-align: right; }
tr.pareto td:first-child::after { content: " ◆"; color: var(--bad); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.charts.small { grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
.charts.small .chart-box { height: 200px; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--accent); }
.chart-box { position: relative; height: 260px; border: 1px solid var(--line); border-radius: 6px;
             padding: 8px; }
pre.waterfall { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; background: #f7f8fa;
                border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; }
.warn { color: var(--bad); }
.map svg { max-width: 100%; height: auto; }
)css";

}  // namespace

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void HtmlTable::Row(const std::vector<std::string>& cells) {
  body_ += "<tr>";
  for (size_t i = 0; i < cells.size(); ++i)
    body_ += (i < left_ ? "<td>" : "<td class=\"n\">") + Escape(cells[i]) + "</td>";
  body_ += "</tr>\n";
}

std::string HtmlTable::Render() const {
  std::string out = "<table>\n<thead><tr>";
  for (size_t i = 0; i < head_.size(); ++i)
    out += (i < left_ ? "<th>" : "<th class=\"n\">") + Escape(head_[i]) + "</th>";
  return out + "</tr></thead>\n<tbody>\n" + body_ + "</tbody>\n</table>\n";
}

std::string Ms(double ms) { return FormatFixed(ms, ms >= 100 ? 0 : ms >= 10 ? 1 : 2); }

// JSON for a <script> element: "</" escaped so the text cannot end it.
std::string ScriptJson(const nlohmann::ordered_json& j) {
  std::string text = j.dump();
  for (size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 2))
    text.replace(at, 2, "<\\/");
  return text;
}

std::string Page(const std::string& title, const std::string& body, const std::string& data,
                 const char* script) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + body +
      "<script type=\"application/json\" id=\"tracesim-data\">" + data + "</script>\n";
#if TRACESIM_HAVE_CHARTJS
  out += "<script>\n";
  out.append(sim::kChartJs[0].data, sim::kChartJs[0].size);
  out += "\n</script>\n";
#endif
  return out + "<script>" + script + "</script>\n</body>\n</html>\n";
}

}  // namespace tracesim::reports::html
