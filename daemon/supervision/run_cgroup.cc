#include "daemon/supervision/run_cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "daemon/uv/close_and_delete.h"

namespace pm {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_file(const std::string& path, const char* text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool written = ::write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
  ::close(fd);
  return written;
}

/// Where cgroup2 is mounted, from /proc/self/mountinfo; empty when it is not.
std::string cgroup2_mount() {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mounts, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, dash));
    std::string id, parent, device, root, mount_point;
    fields >> id >> parent >> device >> root >> mount_point;
    return mount_point;
  }
  return {};
}

/// pmd's own cgroup on the unified hierarchy ("0::/path").
std::string own_cgroup() {
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

/// Whether a child can be moved into `path`: a fork that joins it and exits.
bool can_join(const std::string& path) {
  std::string procs = path + "/cgroup.procs";
  pid_t child = ::fork();
  if (child < 0) return false;
  if (child == 0) ::_exit(write_file(procs, "0") ? 0 : 1);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::string find_cgroup_base(const std::string& home) {
  const char* off = std::getenv("PM_NO_CGROUPS");
  if (off && *off && std::strcmp(off, "0") != 0) return {};
  std::string mount = cgroup2_mount();
  std::string own = own_cgroup();
  if (mount.empty() || own.empty()) return {};
  // One directory per home: pmds of other homes and users keep out of it.
  std::string base = mount + (own == "/" ? "" : own) + "/pm-" + std::to_string(::getuid()) + "-" +
                     std::to_string(std::hash<std::string>()(home) % 1000000007);
  if (::mkdir(base.c_str(), 0700) != 0 && errno != EEXIST) return {};
  std::string probe = base + "/probe";
  if (::mkdir(probe.c_str(), 0700) != 0 && errno != EEXIST) return {};
  bool joined = can_join(probe);
  ::rmdir(probe.c_str());
  return joined ? base : std::string();
}

bool enable_cgroup_memory(const std::string& base) {
  if (base.empty()) return false;
  write_file(base + "/cgroup.subtree_control", "+memory");
  std::istringstream enabled(read_file(base + "/cgroup.subtree_control"));
  for (std::string controller; enabled >> controller;)
    if (controller == "memory") return true;
  return false;
}

std::string create_run_cgroup(const std::string& base, const std::string& run_id) {
  if (base.empty()) return {};
  std::string path = base + "/" + run_id;
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    spdlog::warn("cannot create cgroup {}: {}", path, std::strerror(errno));
    return {};
  }
  return path;
}

std::vector<pid_t> cgroup_members(const std::string& path) {
  std::vector<pid_t> pids;
  if (path.empty()) return pids;
  std::istringstream list(read_file(path + "/cgroup.procs"));
  for (long pid; list >> pid;) pids.push_back(static_cast<pid_t>(pid));
  return pids;
}

bool cgroup_populated(const std::string& path) {
  if (path.empty()) return false;
  return read_file(path + "/cgroup.events").find("populated 1") != std::string::npos;
}

void kill_cgroup(const std::string& path) {
  if (path.empty()) return;
  if (write_file(path + "/cgroup.kill", "1")) return;
  for (pid_t pid : cgroup_members(path)) ::kill(pid, SIGKILL);
}

std::uint64_t cgroup_memory(const std::string& path) {
  if (path.empty()) return 0;
  std::string text = read_file(path + "/memory.current");
  return text.empty() ? 0 : std::strtoull(text.c_str(), nullptr, 10);
}

void remove_cgroup_when_empty(uv_loop_t* loop, const std::string& path) {
  if (path.empty() || ::rmdir(path.c_str()) == 0 || errno == ENOENT) return;
  // SIGKILLed processes take a moment to leave; look again for up to 5 s.
  struct Removal {
    uv_timer_t timer;
    std::string path;
    int tries = 250;
  };
  auto* removal = new Removal{{}, path};
  uv_timer_init(loop, &removal->timer);
  removal->timer.data = removal;
  uv_unref(reinterpret_cast<uv_handle_t*>(&removal->timer));
  uv_timer_start(
      &removal->timer,
      [](uv_timer_t* timer) {
        auto* removal = static_cast<Removal*>(timer->data);
        if (::rmdir(removal->path.c_str()) != 0 && errno != ENOENT && --removal->tries > 0) return;
        uv_timer_stop(timer);
        uv_close(reinterpret_cast<uv_handle_t*>(timer),
                 [](uv_handle_t* handle) { delete static_cast<Removal*>(handle->data); });
      },
      20, 20);
}

}  // namespace pm
