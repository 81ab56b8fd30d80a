// Table: a plain-text table for terminals, with right-aligned numbers and optional colour.
//
//   Table t({{"service", Align::kLeft}, {"req/s", Align::kRight}});
//   t.AddRow({"cart", "12.5"});
//   std::string text = t.Render();
// Widths are measured in display columns (UTF-8 aware), so "µs" and box characters line up.
#ifndef TRACESIM_REPORTS_TABLE_H_
#define TRACESIM_REPORTS_TABLE_H_

#include <string>
#include <vector>

namespace tracesim::reports {

enum class Align { kLeft, kRight };

struct Column {
  std::string title;
  Align align = Align::kLeft;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // REQUIRES: cells.size() == number of columns.
  void AddRow(std::vector<std::string> cells) { rows_.push_back(Row{std::move(cells), false}); }
  // A horizontal rule between row groups.
  void AddSeparator() { rows_.push_back(Row{{}, true}); }

  // Renders the header, a rule and the rows; every line ends with '\n'. Two spaces between
  // columns; `indent` spaces before each line.
  std::string Render(int indent = 2) const;

 private:
  struct Row {
    std::vector<std::string> cells;
    bool separator = false;
  };
  std::vector<Column> columns_;
  std::vector<Row> rows_;
};

// Display width of a UTF-8 string (code points; no wide-character tables needed for our text).
size_t DisplayWidth(const std::string& s);

// Fits text to `columns` display columns: a line wider than that is broken at the last space that
// fits (a word longer than the room stays whole), each continuation indented 4 more than the
// line's own indent. Lines that fit, and text with columns == 0, are returned unchanged.
std::string WrapLines(const std::string& text, size_t columns);

// The display width of the widest line of `text`.
size_t WidestLine(const std::string& text);

// Number formatting shared by reports: fixed decimals, thousands separators for counts.
std::string FormatCount(uint64_t n);                           // 1234567 -> "1,234,567"
std::string FormatFixed(double v, int decimals);               // FormatFixed(3.14159, 2) -> "3.14"
std::string FormatPercent(double fraction, int decimals = 2);  // 0.0123 -> "1.23%"
// Figures in JSON outputs, rounded to 3 or 6 decimals (counts of ms, shares).
double Round3(double v);
double Round6(double v);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_TABLE_H_
