#pragma once
// LogFile: one append-only file on disk that an instance's output goes to.

#include <string>
#include <string_view>

namespace pm {

/// Owned by a LogSink; lives as long as the instance slot, across restarts.
/// A write that fails (full disk, removed directory) is remembered as the
/// file's error and retried on the next write; it never stops the daemon.
class LogFile {
 public:
  explicit LogFile(std::string path);
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

  std::string path_;
  int fd_ = -1;
  std::string error_;
};

}  // namespace pm
