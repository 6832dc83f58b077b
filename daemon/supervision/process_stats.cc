#include "daemon/supervision/process_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pm {

namespace {

bool read_small_file(const char* path, char* buffer, std::size_t size) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, buffer, size - 1);
  ::close(fd);
  if (n <= 0) return false;
  buffer[n] = '\0';
  return true;
}

}  // namespace

ProcessSample sample_process(pid_t pid) {
  ProcessSample sample;
  char path[64];
  char buffer[1024];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  if (!read_small_file(path, buffer, sizeof buffer)) return sample;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const char* rest = std::strrchr(buffer, ')');
  if (!rest) return sample;
  unsigned long utime = 0, stime = 0;
  unsigned long long start_ticks = 0;
  long rss_pages = 0, threads = 0;
  // Fields after ')': state(3) ... utime(14) stime(15) ... num_threads(20)
  // ... starttime(22) ... rss(24).
  if (std::sscanf(rest + 2,
                  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld %*d "
                  "%llu %*u %ld",
                  &utime, &stime, &threads, &start_ticks, &rss_pages) != 5)
    return sample;
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  static const long page = ::sysconf(_SC_PAGESIZE);
  sample.ok = true;
  sample.cpu_ms = (utime + stime) * 1000 / static_cast<unsigned long>(ticks);
  sample.rss_bytes = static_cast<std::uint64_t>(rss_pages) * static_cast<std::uint64_t>(page);
  sample.threads = static_cast<int>(threads);
  sample.start_ticks = start_ticks;
  return sample;
}

pid_t parent_of(pid_t pid) {
  char path[64];
  char buffer[1024];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  if (!read_small_file(path, buffer, sizeof buffer)) return 0;
  const char* rest = std::strrchr(buffer, ')');
  int parent = 0;
  if (!rest || std::sscanf(rest + 2, "%*c %d", &parent) != 1) return 0;
  return parent;
}

double CpuMeter::percent(const ProcessSample& sample, std::uint64_t now_ms,
                         std::uint64_t started_ms) {
  if (!sample.ok) return 0;
  // Readings closer together than this are too coarse (10 ms ticks).
  constexpr std::uint64_t kMinIntervalMs = 200;
  std::uint64_t since = last_ms_ ? last_ms_ : started_ms;
  std::uint64_t cpu_before = last_ms_ ? last_cpu_ms_ : 0;
  if (now_ms - since < kMinIntervalMs && last_ms_) return last_percent_;
  if (now_ms <= since) return 0;
  last_percent_ =
      // A process of the run that exited takes its time with it: no less than 0.
      100.0 * static_cast<double>(sample.cpu_ms > cpu_before ? sample.cpu_ms - cpu_before : 0) /
      static_cast<double>(now_ms - since);
  last_ms_ = now_ms;
  last_cpu_ms_ = sample.cpu_ms;
  return last_percent_;
}

}  // namespace pm
