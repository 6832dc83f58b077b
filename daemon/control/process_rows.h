#pragma once
// Process rows: the process table (`list`, what `pm jlist` prints) and
// `describe`, built from the Supervisor's apps and instances. The one place
// either is built.

#include <vector>

#include "common/instance_details.h"
#include "common/process_row.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

/// The row of one instance of `app`; samples its process's CPU and memory.
ProcessRow process_row(const App& app, Instance& instance);

/// The rows of every instance, app by app, or only of the ids in `only`.
std::vector<ProcessRow> process_rows(const Supervisor& supervisor,
                                     const std::vector<int>& only = {});

/// Everything `describe` shows about one instance of `app`.
InstanceDetails instance_details(const App& app, Instance& instance);

}  // namespace pm
