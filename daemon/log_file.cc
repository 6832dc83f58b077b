#include "daemon/log_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pm {

LogFile::LogFile(std::string path) : path_(std::move(path)) {
  open();
}

LogFile::~LogFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogFile::open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    std::string error = "cannot open " + path_ + ": " + std::strerror(errno);
    if (error != error_) spdlog::warn("{}", error);
    error_ = std::move(error);
    return false;
  }
  error_.clear();
  return true;
}

void LogFile::write(std::string_view data) {
  if (fd_ < 0 && !open()) return;
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string error = "cannot write " + path_ + ": " + std::strerror(errno);
      if (error != error_) spdlog::warn("{} (output is being dropped)", error);
      error_ = std::move(error);
      return;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  error_.clear();
}

void LogFile::reopen() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open();
}

void LogFile::truncate() {
  if (fd_ < 0 && !open()) return;
  if (::ftruncate(fd_, 0) != 0) error_ = "cannot truncate " + path_ + ": " + std::strerror(errno);
}

}  // namespace pm
