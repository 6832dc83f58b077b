#pragma once
// MonitView: what `pm monit` shows, as one frame of text for a terminal of
// a given size. Pure: the command feeds it the process table, the CPU
// history and the log lines, and writes the frame; tests render it too.

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "common/process_row.h"

namespace pm {

/// The dashboard's state; owned by the `pm monit` command.
struct MonitView {
  std::vector<ProcessRow> rows;
  std::map<int, std::deque<double>> cpu_history;  // by instance id, oldest first
  std::deque<std::string> log_lines;              // of the selected app, "id| text"
  int selected = 0;                               // index into rows
  std::string status;                             // the last action's outcome
  bool colour = true;

  /// The name of the selected instance's app, or empty.
  std::string selected_app() const;
  /// Adds a reading of every row to the CPU history (keeping `kHistory`).
  void record_cpu();
  /// The frame for a `width` x `height` terminal: exactly `height` lines,
  /// none wider than `width`, each ending in "erase to end of line".
  std::string render(int width, int height) const;

  static constexpr std::size_t kHistory = 12;
};

}  // namespace pm
