#include "daemon/supervision/process_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace pm {

namespace {

/// The open-files limit pmd was started with, for its children.
rlimit child_fd_limit{RLIM_INFINITY, RLIM_INFINITY};
bool restore_fd_limit = false;

// Only async-signal-safe calls between fork and exec: pmd may have libuv's
// state mid-update, and nothing of it is needed in the child.
void write_text(int fd, const char* text) {
  ssize_t ignored = ::write(fd, text, std::strlen(text));
  (void)ignored;
}

char* format_pid(char* end, pid_t pid) {
  *--end = '\0';
  do {
    *--end = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  return end;
}

[[noreturn]] void fail(const char* what, const char* detail) {
  int error = errno;
  write_text(2, "pm: ");
  write_text(2, what);
  write_text(2, " ");
  write_text(2, detail);
  write_text(2, ": ");
  write_text(2, std::strerror(error));
  write_text(2, "\n");
  ::_exit(127);
}

}  // namespace

void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == limit.rlim_max) return;
  child_fd_limit = limit;
  limit.rlim_cur = limit.rlim_max;
  restore_fd_limit = ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

pid_t spawn_process(const SpawnOptions& options) {
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : options.env) envp.push_back(const_cast<char*>(entry.c_str()));
  // Filled in by the child with its own pid: sd_listen_fds checks it.
  char listen_pid[32] = "LISTEN_PID=";
  if (options.set_listen_pid) envp.push_back(listen_pid);
  envp.push_back(nullptr);
  std::size_t listen_pid_slot = envp.size() - 2;

  std::vector<int> sources{options.stdout_fd, options.stderr_fd};
  sources.insert(sources.end(), options.extra_fds.begin(), options.extra_fds.end());
  const int first_free = 3 + static_cast<int>(options.extra_fds.size());

  // Signals wait until the child has its own handlers: pmd's, run in the
  // child, would tell pmd's loop it got a signal it did not (a stop right
  // after a start sends the kill signal this early).
  sigset_t all, before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  pid_t pid = ::fork();
  if (pid != 0) {
    int error = errno;
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (pid < 0) throw std::system_error(error, std::generic_category(), "fork");
    return pid;
  }

  // Child. Into the run's cgroup before anything else can fork.
  if (!options.cgroup_procs.empty()) {
    int procs = ::open(options.cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (procs >= 0) {
      ssize_t ignored = ::write(procs, "0", 1);
      (void)ignored;
      ::close(procs);
    }
  }
  ::setsid();
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Move every source out of the way first so that dup2 into 1, 2, 3, ...
  // cannot overwrite a source that has not been placed yet.
  int moved[64];
  const std::size_t count = sources.size() < 64 ? sources.size() : 64;
  for (std::size_t i = 0; i < count; ++i) {
    moved[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, first_free);
    if (moved[i] < 0) fail("cannot pass fd to", options.argv[0].c_str());
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(moved[0], 1);
  ::dup2(moved[1], 2);
  for (std::size_t i = 2; i < count; ++i) ::dup2(moved[i], static_cast<int>(i) + 1);
  if (::syscall(SYS_close_range, first_free, ~0U, 0) != 0) {
    for (int fd = first_free; fd < 65536; ++fd) ::close(fd);
  }

  if (options.set_listen_pid) {
    char digits[16];
    char* text = format_pid(digits + sizeof digits, ::getpid());
    std::size_t used = std::strlen(listen_pid);
    std::memcpy(listen_pid + used, text, std::strlen(text) + 1);
    envp[listen_pid_slot] = listen_pid;
  }
  // Only now: until the close above, the child holds pmd's fds, numbered
  // past the limit it is about to get back.
  if (restore_fd_limit) ::setrlimit(RLIMIT_NOFILE, &child_fd_limit);
  if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0)
    fail("cannot enter directory", options.cwd.c_str());
  ::execve(argv[0], argv.data(), envp.data());
  fail("cannot run", argv[0]);
}

}  // namespace pm
