#include "cli/format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace pm {

std::string format_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "D";
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"b", "kb", "mb", "gb", "tb"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  if (unit == 0)
    std::snprintf(buffer, sizeof buffer, "%llu%s", (unsigned long long)bytes, units[0]);
  else
    std::snprintf(buffer, sizeof buffer, "%.1f%s", value, units[unit]);
  return buffer;
}

std::int64_t parse_bytes(const std::string& text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return -1;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  std::string unit(end);
  if (!unit.empty() && (unit.back() == 'b' || unit.back() == 'B') && unit.size() > 1)
    unit.pop_back();
  std::int64_t scale = 1;
  if (unit.empty() || unit == "b" || unit == "B")
    scale = 1;
  else if (unit == "k" || unit == "K")
    scale = 1024;
  else if (unit == "m" || unit == "M")
    scale = 1024 * 1024;
  else if (unit == "g" || unit == "G")
    scale = 1024LL * 1024 * 1024;
  else
    return -1;
  return static_cast<std::int64_t>(value * static_cast<double>(scale));
}

std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

namespace {

std::string truncate_to(const std::string& text, std::size_t width) {
  if (display_width(text) <= width) return text;
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (used + 1 >= width) break;
      ++used;
    }
    out.push_back(text[i]);
  }
  return out + "…";
}

}  // namespace

std::string Table::render(int width, bool colour) const {
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < columns_.size(); ++i) shown.push_back(i);
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    widths[i] = display_width(columns_[i].title);
    for (const auto& row : rows_)
      if (i < row.size()) widths[i] = std::max(widths[i], display_width(row[i].text));
  }
  auto total = [&] {
    std::size_t sum = 1;
    for (auto i : shown) sum += widths[i] + 3;
    return sum;
  };
  if (width > 0) {
    for (std::size_t i = columns_.size(); i-- > 0 && total() > static_cast<std::size_t>(width);)
      if (columns_[i].optional) shown.erase(std::find(shown.begin(), shown.end(), i));
    if (total() > static_cast<std::size_t>(width)) {
      for (auto i : shown) {
        if (!columns_[i].squeeze) continue;
        std::size_t excess = total() - static_cast<std::size_t>(width);
        widths[i] = std::max<std::size_t>(4, widths[i] > excess ? widths[i] - excess : 4);
      }
    }
  }

  auto border = [&](const char* left, const char* mid, const char* right) {
    std::string line = left;
    for (std::size_t k = 0; k < shown.size(); ++k) {
      for (std::size_t n = 0; n < widths[shown[k]] + 2; ++n) line += "─";
      line += k + 1 < shown.size() ? mid : right;
    }
    return line + "\n";
  };
  auto cells = [&](const std::vector<Cell>& row, bool header) {
    std::string line = "│";
    for (auto i : shown) {
      std::string text = i < row.size() ? truncate_to(row[i].text, widths[i]) : "";
      std::string pad(widths[i] - display_width(text), ' ');
      const std::string& code = header ? std::string("1") : (i < row.size() ? row[i].colour : "");
      line += " ";
      if (colour && !code.empty())
        line += "\033[" + code + "m" + text + "\033[0m";
      else
        line += text;
      line += pad + " │";
    }
    return line + "\n";
  };

  std::vector<Cell> header;
  for (const auto& column : columns_) header.push_back({column.title, ""});
  std::string out = border("┌", "┬", "┐") + cells(header, true) + border("├", "┼", "┤");
  for (const auto& row : rows_) out += cells(row, false);
  out += border("└", "┴", "┘");
  return out;
}

}  // namespace pm
