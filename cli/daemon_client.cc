#include "cli/daemon_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/trusted_path.h"

namespace pm {

namespace {

// How long a freshly started pmd may take to accept connections.
constexpr int kDaemonStartMs = 10000;

}  // namespace

std::string daemon_binary() {
  std::string dir = self_exe_dir();
  std::string candidate = dir + "/pmd";
  if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  return "pmd";
}

namespace {

long monotonic_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

}  // namespace

DaemonClient::~DaemonClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool DaemonClient::try_connect() {
  if (!home_checked_) {
    try {
      check_trusted_path(paths_.home);
    } catch (const std::exception& error) {
      throw UserError(error.what());
    }
    home_checked_ = true;
  }
  std::string path = paths_.socket();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    throw UserError("PM_HOME is too long for a socket path: " + path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw UserError(std::string("cannot create a socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return false;
  }
  // The directories are ours, but only the kernel can say who listens.
  ucred peer{};
  socklen_t size = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 || peer.uid != ::geteuid()) {
    ::close(fd);
    throw UserError("refusing to talk to " + path + ": it is served by uid " +
                    std::to_string(peer.uid) + ", not by you (uid " + std::to_string(::geteuid()) +
                    "); stop that process or use another PM_HOME");
  }
  fd_ = fd;
  return true;
}

bool DaemonClient::connect_if_running() {
  return fd_ >= 0 || try_connect();
}

bool DaemonClient::reconnect_if_running() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  input_ = LineBuffer();
  return try_connect();
}

void DaemonClient::connect() {
  if (connect_if_running()) return;
  try {
    ensure_private_dir(paths_.home);
  } catch (const std::exception& error) {
    throw UserError(error.what());
  }
  // Two commands started at once must not start two daemons: the second
  // waits here until the first one's daemon answers.
  int lock = ::open(paths_.start_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) throw UserError("cannot open " + paths_.start_lock() + ": " + std::strerror(errno));
  ::flock(lock, LOCK_EX);
  bool connected = try_connect();
  if (!connected) {
    start_daemon();
    long deadline = monotonic_ms() + kDaemonStartMs;
    while (!(connected = try_connect()) && monotonic_ms() < deadline) ::usleep(2000);
  }
  ::close(lock);
  if (!connected)
    throw UserError("pmd did not start within " + std::to_string(kDaemonStartMs / 1000) +
                    " s; see " + paths_.daemon_log());
}

void DaemonClient::start_daemon() {
  std::string binary = daemon_binary();
  std::string log = paths_.daemon_log();
  pid_t child = ::fork();
  if (child < 0) throw UserError(std::string("cannot start pmd: ") + std::strerror(errno));
  if (child == 0) {
    // Detach twice so pmd belongs to no terminal and is nobody's child here.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null_fd = ::open("/dev/null", O_RDWR);
    int log_fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(log_fd >= 0 ? log_fd : null_fd, 2);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    ::execlp(binary.c_str(), "pmd", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
}

void DaemonClient::send(const json& request) {
  std::string data = encode_line(request);
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw UserError(std::string("lost the connection to pmd: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

bool DaemonClient::receive(json& message) {
  std::string line;
  while (!input_.next_line(line)) {
    char buffer[65536];
    ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    input_.append(buffer, static_cast<std::size_t>(n));
  }
  message = json::parse(line, nullptr, false);
  if (message.is_discarded()) throw UserError("pmd sent something that is not JSON: " + line);
  return true;
}

json DaemonClient::call(const json& request) {
  return stream(request, [](const json&) {});
}

json DaemonClient::stream(const json& request, const std::function<void(const json&)>& on_message) {
  if (fd_ < 0) connect();
  send(request);
  json message;
  while (receive(message)) {
    if (message.contains("ok")) {
      if (!message["ok"].get<bool>()) throw UserError(message.value("error", "pmd refused"));
      return message;
    }
    on_message(message);
  }
  throw ConnectionLost("pmd closed the connection without answering; see " + paths_.daemon_log());
}

}  // namespace pm
