#include "daemon/logs/log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace pm {

std::vector<std::string> last_lines(const std::string& path, std::size_t count) {
  std::vector<std::string> lines;
  if (count == 0) return lines;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lines;
  struct stat st {};
  ::fstat(fd, &st);
  off_t end = st.st_size;
  // Read backwards in chunks until enough newlines are seen.
  constexpr off_t kChunk = 16384;
  std::string tail;
  std::size_t newlines = 0;
  off_t pos = end;
  while (pos > 0 && newlines <= count) {
    off_t start = std::max<off_t>(0, pos - kChunk);
    std::string chunk(static_cast<std::size_t>(pos - start), '\0');
    ssize_t n = ::pread(fd, chunk.data(), chunk.size(), start);
    if (n <= 0) break;
    chunk.resize(static_cast<std::size_t>(n));
    newlines += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    tail.insert(0, chunk);
    pos = start;
  }
  ::close(fd);

  if (tail.empty()) return lines;
  if (tail.back() == '\n') tail.pop_back();
  for (std::size_t begin = 0;;) {
    auto newline = tail.find('\n', begin);
    lines.push_back(tail.substr(begin, newline == std::string::npos ? newline : newline - begin));
    if (newline == std::string::npos) break;
    begin = newline + 1;
  }
  if (lines.size() > count)
    lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

}  // namespace pm
