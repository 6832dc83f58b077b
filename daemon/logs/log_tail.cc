#include "daemon/logs/log_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace pm {

namespace {

/// Where the last `count` lines before `end` begin, found by scanning back
/// without keeping what is read; never before `floor`.
off_t start_of_last_lines(int fd, off_t end, std::size_t count, off_t floor) {
  constexpr off_t kChunk = 65536;
  char chunk[kChunk];
  // A final newline ends the last line; it does not start another.
  char last = 0;
  off_t pos = end;
  if (end > 0 && ::pread(fd, &last, 1, end - 1) == 1 && last == '\n') --pos;
  std::size_t newlines = 0;
  while (pos > floor) {
    off_t start = std::max(floor, pos - kChunk);
    ssize_t n = ::pread(fd, chunk, static_cast<std::size_t>(pos - start), start);
    if (n <= 0) return pos;
    for (ssize_t i = n; i-- > 0;)
      if (chunk[i] == '\n' && ++newlines == count) return start + i + 1;
    pos = start;
  }
  return floor;
}

/// Whether `at` begins a line (or the file).
bool starts_line(int fd, off_t at) {
  char before = '\n';
  return at == 0 || (::pread(fd, &before, 1, at - 1) == 1 && before == '\n');
}

}  // namespace

std::vector<std::string> last_lines(const std::string& path, std::size_t count,
                                    std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  ::fstat(fd, &st);
  auto lines = last_lines(fd, st.st_size, count, max_bytes);
  ::close(fd);
  return lines;
}

std::vector<std::string> last_lines(int fd, off_t end, std::size_t count, std::size_t max_bytes,
                                    std::size_t* bytes_read) {
  std::vector<std::string> lines;
  if (bytes_read) *bytes_read = 0;
  if (count == 0 || max_bytes == 0) return lines;
  off_t floor = std::max<off_t>(0, end - static_cast<off_t>(max_bytes));
  off_t begin = start_of_last_lines(fd, end, count, floor);
  std::string tail(static_cast<std::size_t>(end - begin), '\0');
  ssize_t n = tail.empty() ? 0 : ::pread(fd, tail.data(), tail.size(), begin);
  tail.resize(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  if (bytes_read) *bytes_read = tail.size();
  // Cut by the byte limit mid-line: that partial line is left out.
  std::size_t at = 0;
  if (!starts_line(fd, begin)) at = std::min(tail.size(), tail.find('\n') + 1);
  if (at >= tail.size()) return lines;
  if (tail.back() == '\n') tail.pop_back();
  while (true) {
    auto newline = tail.find('\n', at);
    lines.push_back(tail.substr(at, newline == std::string::npos ? newline : newline - at));
    if (newline == std::string::npos) break;
    at = newline + 1;
  }
  return lines;
}

}  // namespace pm
