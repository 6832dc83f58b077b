#pragma once
// Reads the last lines of a log file without reading the whole file.

#include <string>
#include <vector>

namespace pm {

/// The last `count` lines of the file at `path`, oldest first; empty when it
/// cannot be read.
std::vector<std::string> last_lines(const std::string& path, std::size_t count);

}  // namespace pm
