#pragma once
// LogFile: one append-only log file on disk, rotated by size: past
// `max_size` bytes it becomes <file>.1 (the older ones .2 ... .N) and a new
// file starts, so a chatty app never fills the disk.

#include <cstdint>
#include <string>
#include <string_view>

namespace pm {

/// Shared (through LogFiles) by every LogSink writing to the same path. A
/// write that fails (full disk, removed directory) is remembered as the
/// file's error and retried on the next write; it never stops the daemon.
class LogFile {
 public:
  /// "/dev/null" or "NULL" make a file that drops everything.
  LogFile(std::string path, std::int64_t max_size, int max_files);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  void write(std::string_view data);
  /// Closes and opens the path again (after an external logrotate).
  void reopen();
  /// Empties the file (`pm flush`).
  void truncate();
  const std::string& path() const { return path_; }
  /// The last problem writing, empty when the last write went through.
  const std::string& error() const { return error_; }

 private:
  bool open();
  void rotate();

  std::string path_;
  std::int64_t max_size_;
  int max_files_;
  bool disabled_;
  int fd_ = -1;
  std::int64_t size_ = 0;
  std::string error_;
};

}  // namespace pm
