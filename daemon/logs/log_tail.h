#pragma once
// Reads the last lines of a log file without reading the whole file: one
// backward scan to find where they start, then one read, so the cost is
// linear in what is returned and bounded by a byte limit.

#include <sys/types.h>

#include <string>
#include <vector>

namespace pm {

/// The most one `pm logs` reads, over all its files: `--lines 1000000` of
/// huge files must not make pmd hold or send gigabytes.
constexpr std::size_t kMaxTailBytes = 8 << 20;

/// The last `count` lines of the file at `path`, oldest first, from at most
/// its last `max_bytes` bytes; empty when it cannot be read.
std::vector<std::string> last_lines(const std::string& path, std::size_t count,
                                    std::size_t max_bytes = kMaxTailBytes);
/// The same for the open file `fd` as it was `end` bytes long.
/// `bytes_read` (if given) gets how much of the byte limit it used.
std::vector<std::string> last_lines(int fd, off_t end, std::size_t count, std::size_t max_bytes,
                                    std::size_t* bytes_read = nullptr);

}  // namespace pm
