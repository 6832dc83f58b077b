#pragma once
// The placeholders a --listen app's arguments may hold, replaced by what
// the program is given: "{fd}" by 3, where its first socket is, and
// "{port}" by the port of its first address (the one bound, for port 0).

#include <string>

namespace pm {

/// `arg` with its placeholders replaced; a `port` of 0 (not known: the
/// socket is not bound now) leaves "{port}" as it is.
std::string with_listen_placeholders(std::string arg, int port);

}  // namespace pm
