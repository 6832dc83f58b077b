#pragma once
// Reads a process's CPU time, memory and parent from /proc.

#include <sys/types.h>

#include <cstdint>

namespace pm {

/// One reading of a process.
struct ProcessSample {
  bool ok = false;
  std::uint64_t cpu_ms = 0;     // user + system time so far
  std::uint64_t rss_bytes = 0;  // resident memory
  int threads = 0;
  std::uint64_t start_ticks = 0;  // when it started, in clock ticks since boot
};

ProcessSample sample_process(pid_t pid);
/// The parent of a process, or 0 when it is gone.
pid_t parent_of(pid_t pid);

/// Turns successive samples of one process into a CPU percentage. Owned by
/// the Instance whose process it measures.
class CpuMeter {
 public:
  /// The CPU use since the previous reading (or since `started_ms`, the
  /// process's start on the monotonic clock, the first time).
  double percent(const ProcessSample& sample, std::uint64_t now_ms, std::uint64_t started_ms);
  void reset() { last_ms_ = 0; }

 private:
  std::uint64_t last_ms_ = 0;
  std::uint64_t last_cpu_ms_ = 0;
  double last_percent_ = 0;
};

}  // namespace pm
