#pragma once
// Signal names as users type them ("SIGINT", "INT", "int", "2").

#include <string>

namespace pm {

/// The signal number for a name or number, or 0 when it is not a signal.
int signal_number(const std::string& name);

/// "SIGTERM" for 15; "signal 42" for one without a name.
std::string signal_name(int number);

}  // namespace pm
