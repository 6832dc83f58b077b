#include "cli/monit_view.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>

#include "cli/format.h"
#include "cli/terminal_text.h"

namespace pm {

namespace {

const char* const kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/// `text` cut to `width` display columns, then padded to it.
std::string fit(const std::string& text, std::size_t width) {
  std::string out;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size() && columns < width;) {
    std::size_t length = 1;
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xf0)
      length = 4;
    else if (lead >= 0xe0)
      length = 3;
    else if (lead >= 0xc0)
      length = 2;
    out += text.substr(i, length);
    i += length;
    ++columns;
  }
  return out + std::string(width - columns, ' ');
}

/// CPU readings as bars, scaled to 100 % of one CPU (more is a full bar).
std::string sparkline(const std::deque<double>& history) {
  std::string line;
  for (double cpu : history) {
    int level = static_cast<int>(std::clamp(cpu, 0.0, 100.0) / 100.0 * 7.0 + 0.5);
    line += kBars[level];
  }
  return line;
}

const char* status_colour(const std::string& status) {
  if (status == "online") return "32";
  if (status == "errored") return "31";
  return "33";
}

}  // namespace

std::string MonitView::selected_app() const {
  if (selected < 0 || selected >= static_cast<int>(rows.size())) return "";
  return rows[static_cast<std::size_t>(selected)].name;
}

void MonitView::record_cpu() {
  std::set<int> live;
  for (const auto& row : rows) {
    auto& history = cpu_history[row.id];
    history.push_back(row.cpu);
    while (history.size() > kHistory) history.pop_front();
    live.insert(row.id);
  }
  for (auto it = cpu_history.begin(); it != cpu_history.end();)
    it = live.count(it->first) ? std::next(it) : cpu_history.erase(it);
}

std::string MonitView::render(int width, int height) const {
  auto w = static_cast<std::size_t>(std::max(width, 20));
  auto h = static_cast<std::size_t>(std::max(height, 6));
  std::vector<std::string> lines;
  auto styled = [&](const std::string& code, const std::string& text) {
    return colour && !code.empty() ? "\033[" + code + "m" + text + "\033[0m" : text;
  };
  lines.push_back(styled("1", fit(" pm monit   up/down: select  r: restart  l: reload  s: stop  "
                                  "q: quit",
                                  w)));
  // id(4) name(n) status(16) restarts(5) cpu(6) history(13) mem(9)
  std::size_t name_width = w > 57 ? std::min<std::size_t>(w - 57, 24) : 4;
  std::string header = "  " + fit("id", 3) + " " + fit("name", name_width) + " " +
                       fit("status", 15) + " " + fit("↺", 4) + " " + fit("cpu", 5) + " " +
                       fit("cpu history", 12) + " mem";
  lines.push_back(styled("2", fit(header, w)));

  // The table takes up to half the screen; the selected row stays in view.
  std::size_t table_height = std::max<std::size_t>(1, h / 2 - 2);
  std::size_t first = 0;
  auto chosen = static_cast<std::size_t>(std::max(selected, 0));
  if (chosen >= table_height) first = chosen - table_height + 1;
  for (std::size_t i = first; i < rows.size() && i < first + table_height; ++i) {
    const ProcessRow& row = rows[i];
    auto history = cpu_history.find(row.id);
    std::string spark = history == cpu_history.end() ? "" : sparkline(history->second);
    char cpu[16];
    std::snprintf(cpu, sizeof cpu, "%.0f%%", row.cpu);
    std::string before = (i == chosen ? ">" : " ") + fit(std::to_string(row.id), 3) + " " +
                         fit(terminal_safe(row.name), name_width) + " ";
    std::string after = " " + fit(std::to_string(row.restarts), 4) + " " + fit(cpu, 5) + " " +
                        fit(spark, 12) + " " + format_bytes(row.memory);
    std::string status_cell = fit(row.status, 15);
    // Styles add bytes, not columns: a row too wide is cut unstyled.
    std::string text =
        display_width(before + status_cell + after) > w
            ? fit(before + status_cell + after, w)
            : before +
                  (i == chosen ? status_cell : styled(status_colour(row.status), status_cell)) +
                  after;
    lines.push_back(i == chosen && colour ? "\033[7m" + text + "\033[0m" : text);
  }
  if (rows.empty()) lines.push_back(fit(" no apps: start one with `pm start`", w));
  while (lines.size() < table_height + 2) lines.push_back("");

  std::string app = selected_app();
  std::string rule = " logs" + (app.empty() ? std::string() : " of " + terminal_safe(app)) + " ";
  std::string bar;
  for (std::size_t i = 0; i < w; ++i) bar += "─";
  lines.push_back(styled("2", fit("──" + rule + bar, w)));
  std::size_t log_height = h - lines.size() - 1;
  std::size_t skip = log_lines.size() > log_height ? log_lines.size() - log_height : 0;
  for (std::size_t i = skip; i < log_lines.size(); ++i)
    lines.push_back(fit(terminal_safe(log_lines[i]), w));
  while (lines.size() < h - 1) lines.push_back("");
  lines.push_back(styled("1", fit(" " + status, w)));

  std::string frame = "\033[H";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    frame += lines[i] + "\033[K";
    if (i + 1 < lines.size()) frame += "\r\n";
  }
  return frame;
}

}  // namespace pm
