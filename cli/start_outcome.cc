#include "cli/start_outcome.h"

#include <algorithm>

namespace pm {

std::string start_outcome(const std::vector<ProcessRow>& rows) {
  std::vector<std::string> statuses;
  std::size_t running = 0;
  std::size_t ready = 0;
  for (const auto& row : rows) {
    if (std::find(statuses.begin(), statuses.end(), row.status) == statuses.end())
      statuses.push_back(row.status);
    if (row.pid > 0) ++running;
    if (row.ready) ++ready;
  }
  std::string text;
  for (const auto& status : statuses) text += (text.empty() ? "" : "/") + status;
  if (running == 0) return text;
  if (ready == rows.size()) return text + ", ready";
  if (ready == 0) return text + ", not ready yet (`pm list` shows when it is)";
  return text + ", " + std::to_string(ready) + " of " + std::to_string(rows.size()) + " ready";
}

}  // namespace pm
