#include "daemon/logs/log_file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pm {

namespace {

/// Creates the missing directories above `path`, as PM2 does for its logs.
void make_parents(const std::string& path) {
  for (auto slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    if (::mkdir(path.substr(0, slash).c_str(), 0755) != 0 && errno != EEXIST) return;
}

}  // namespace

LogFile::LogFile(std::string path, std::int64_t max_size, int max_files)
    : path_(std::move(path)),
      max_size_(max_size),
      max_files_(max_files),
      disabled_(path_ == "/dev/null" || path_ == "NULL") {
  if (!disabled_) open();
}

LogFile::~LogFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogFile::open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0 && errno == ENOENT) {
    make_parents(path_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  }
  if (fd_ < 0) {
    std::string error = "cannot open " + path_ + ": " + std::strerror(errno);
    if (error != error_) spdlog::warn("{}", error);
    error_ = std::move(error);
    return false;
  }
  struct stat st {};
  size_ = ::fstat(fd_, &st) == 0 ? st.st_size : 0;
  error_.clear();
  return true;
}

void LogFile::rotate() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (max_files_ <= 0) {
    ::unlink(path_.c_str());
  } else {
    // <file>.N-1 → .N, ..., <file> → .1; the oldest falls off the end.
    for (int n = max_files_ - 1; n >= 1; --n)
      ::rename((path_ + "." + std::to_string(n)).c_str(),
               (path_ + "." + std::to_string(n + 1)).c_str());
    ::rename(path_.c_str(), (path_ + ".1").c_str());
  }
  open();
}

void LogFile::write(std::string_view data) {
  if (disabled_) return;
  if (fd_ < 0 && !open()) return;
  if (max_size_ > 0 && size_ > 0 && size_ + static_cast<std::int64_t>(data.size()) > max_size_) {
    rotate();
    if (fd_ < 0) return;
  }
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string error = "cannot write " + path_ + ": " + std::strerror(errno);
      if (error != error_) spdlog::warn("{} (output is being dropped)", error);
      error_ = std::move(error);
      return;
    }
    size_ += n;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  error_.clear();
}

void LogFile::reopen() {
  if (disabled_) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open();
}

void LogFile::truncate() {
  if (disabled_) return;
  if (fd_ < 0 && !open()) return;
  if (::ftruncate(fd_, 0) != 0)
    error_ = "cannot truncate " + path_ + ": " + std::strerror(errno);
  else
    size_ = 0;
}

}  // namespace pm
