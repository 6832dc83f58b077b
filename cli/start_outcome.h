#pragma once
// What `pm start` says it waited for: the status of an app's instances and
// whether they serve yet, so that a script reading "online" knows which.

#include <string>
#include <vector>

#include "common/process_row.h"

namespace pm {

/// "online, ready", "online, not ready yet (...)", "online, 1 of 2 ready",
/// "stopped": the rows of one app as `pm start` returned them.
std::string start_outcome(const std::vector<ProcessRow>& rows);

}  // namespace pm
