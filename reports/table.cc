#include "reports/table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace tracesim::reports {

size_t DisplayWidth(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;  // count code points: skip UTF-8 continuation bytes
  return w;
}

std::string Table::Render(int indent) const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) width[c] = DisplayWidth(columns_[c].title);
  for (const Row& r : rows_)
    for (size_t c = 0; c < r.cells.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], DisplayWidth(r.cells[c]));
  size_t total = 0;
  for (size_t c = 0; c < width.size(); ++c) total += width[c] + (c ? 2 : 0);

  std::string out;
  std::string pad(static_cast<size_t>(indent), ' ');
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = pad;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = c < cells.size() ? cells[c] : std::string();
      size_t fill = width[c] - DisplayWidth(cell);
      if (c) l += "  ";
      if (columns_[c].align == Align::kRight) l.append(fill, ' ');
      l += cell;
      if (columns_[c].align == Align::kLeft && c + 1 < columns_.size()) l.append(fill, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> titles;
  for (const Column& c : columns_) titles.push_back(c.title);
  line(titles);
  std::string rule = pad;
  for (size_t i = 0; i < total; ++i) rule += "─";
  rule += "\n";
  out += rule;
  for (const Row& r : rows_) {
    if (r.separator) {
      out += rule;
    } else {
      line(r.cells);
    }
  }
  return out;
}

std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int k = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    out.insert(out.begin(), digits[i]);
    if (++k % 3 == 0 && i > 0) out.insert(out.begin(), ',');
  }
  return out;
}

std::string FormatFixed(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {
    bool all_zero = s.find_first_not_of("-0.") == std::string::npos;
    if (all_zero) s.erase(0, 1);
  }
  return s;
}

std::string FormatPercent(double fraction, int decimals) {
  return FormatFixed(fraction * 100.0, decimals) + "%";
}

}  // namespace tracesim::reports
