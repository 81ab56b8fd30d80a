#include "reports/text/table.h"

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

namespace {

// Byte offset of the first `n` display columns of `s` (UTF-8 code points).
size_t ByteOffsetOfColumn(const std::string& s, size_t n) {
  size_t cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (cols == n) return i;
    ++cols;
  }
  return s.size();
}

void WrapOne(const std::string& line, size_t columns, std::string* out) {
  const size_t indent =
      line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' ');
  const std::string more(indent + 4, ' ');
  std::string rest = line;
  bool first = true;
  while (DisplayWidth(rest) > columns) {
    // The last space inside the room, past the indent: break there.
    const size_t limit = ByteOffsetOfColumn(rest, columns);
    const size_t body = first ? indent : more.size();
    size_t at = rest.rfind(' ', limit);
    if (at == std::string::npos || at <= body) at = rest.find(' ', limit);  // a long word
    if (at == std::string::npos) break;
    std::string head = rest.substr(0, at);
    while (!head.empty() && head.back() == ' ') head.pop_back();
    *out += head + "\n";
    const size_t next = rest.find_first_not_of(' ', at);
    if (next == std::string::npos) {
      rest.clear();
      break;
    }
    rest = more + rest.substr(next);
    first = false;
  }
  if (!rest.empty() || first) *out += rest + "\n";
}

}  // namespace

std::string WrapLines(const std::string& text, size_t columns) {
  if (columns == 0 || WidestLine(text) <= columns) return text;
  std::string out;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    const bool newline = end != std::string::npos;
    if (!newline) end = text.size();
    const std::string line = text.substr(begin, end - begin);
    if (DisplayWidth(line) <= columns) {
      out += line + "\n";
    } else {
      WrapOne(line, columns, &out);
    }
    if (!newline) out.pop_back();  // the text did not end with a newline
    begin = end + 1;
  }
  return out;
}

size_t WidestLine(const std::string& text) {
  size_t widest = 0, begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    widest = std::max(widest, DisplayWidth(text.substr(begin, end - begin)));
    begin = end + 1;
  }
  return widest;
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

double Round3(double v) { return std::round(v * 1e3) / 1e3; }
double Round6(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace tracesim::reports
