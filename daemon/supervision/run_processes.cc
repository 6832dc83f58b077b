#include "daemon/supervision/run_processes.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>

#include "daemon/supervision/run_cgroup.h"

namespace pm {

namespace {

/// The whole of a small /proc file; empty when it cannot be read.
std::string read_proc_file(const std::string& path) {
  std::string text;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[16384];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

/// `roots` and all their descendants, each once.
std::vector<pid_t> with_descendants(std::vector<pid_t> roots) {
  std::set<pid_t> seen;
  std::vector<pid_t> found;
  while (!roots.empty()) {
    pid_t pid = roots.back();
    roots.pop_back();
    if (pid <= 1 || !seen.insert(pid).second) continue;
    found.push_back(pid);
    for (pid_t child : children_of(pid)) roots.push_back(child);
  }
  return found;
}

}  // namespace

std::string new_run_id() {
  unsigned char bytes[8] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    // Unique enough without it: pmd's pid and the time.
    std::uint64_t value =
        static_cast<std::uint64_t>(::getpid()) << 40 ^ static_cast<std::uint64_t>(::time(nullptr));
    std::memcpy(bytes, &value, sizeof bytes);
  }
  char text[17];
  for (std::size_t i = 0; i < sizeof bytes; ++i) std::snprintf(text + 2 * i, 3, "%02x", bytes[i]);
  return text;
}

std::vector<pid_t> children_of(pid_t pid, int threads) {
  std::vector<pid_t> children;
  std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  auto add_children_of_thread = [&](const std::string& tid) {
    std::string list = read_proc_file(tasks + "/" + tid + "/children");
    const char* at = list.c_str();
    char* end = nullptr;
    for (long child = std::strtol(at, &end, 10); end != at; child = std::strtol(at, &end, 10)) {
      children.push_back(static_cast<pid_t>(child));
      at = end;
    }
  };
  if (threads == 1) {
    add_children_of_thread(std::to_string(pid));
    return children;
  }
  DIR* dir = ::opendir(tasks.c_str());
  if (!dir) return children;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9') add_children_of_thread(entry->d_name);
  ::closedir(dir);
  return children;
}

std::string run_id_of(pid_t pid) {
  std::string environ = read_proc_file("/proc/" + std::to_string(pid) + "/environ");
  static const std::string kName = "PM_RUN_ID=";
  for (std::size_t at = 0; at < environ.size();) {
    std::size_t end = environ.find('\0', at);
    if (end == std::string::npos) end = environ.size();
    if (environ.compare(at, kName.size(), kName) == 0)
      return environ.substr(at + kName.size(), end - at - kName.size());
    at = end + 1;
  }
  return {};
}

std::unordered_map<std::string, std::vector<pid_t>> adopted_by_run(
    const RunProcesses::IsLeader& is_leader) {
  std::unordered_map<std::string, std::vector<pid_t>> runs;
  for (pid_t adopted : children_of(::getpid())) {
    if (is_leader(adopted)) continue;
    std::string run_id = run_id_of(adopted);
    if (!run_id.empty()) runs[run_id].push_back(adopted);
  }
  return runs;
}

std::vector<pid_t> RunProcesses::find(const IsLeader& is_leader) const {
  std::vector<pid_t> adopted;
  if (!run_id.empty())
    for (pid_t pid : children_of(::getpid()))
      if (pid != leader && !is_leader(pid) && run_id_of(pid) == run_id) adopted.push_back(pid);
  std::vector<pid_t> roots = adopted;
  if (leader > 0) roots.push_back(leader);
  for (pid_t member : cgroup_members(cgroup)) roots.push_back(member);
  auto found = with_descendants(std::move(roots));
  // The leader is found only while it lives: not after it was reaped.
  if (leader > 0 && ::kill(leader, 0) != 0)
    found.erase(std::remove(found.begin(), found.end(), leader), found.end());
  return found;
}

ProcessSample RunProcesses::sample(const std::vector<pid_t>& adopted,
                                   std::vector<pid_t>* members) const {
  ProcessSample total;
  std::vector<pid_t> roots = adopted;
  if (leader > 0) roots.push_back(leader);
  std::set<pid_t> seen;
  while (!roots.empty()) {
    pid_t pid = roots.back();
    roots.pop_back();
    if (pid <= 1 || !seen.insert(pid).second) continue;
    ProcessSample one = sample_process(pid);
    if (!one.ok) continue;
    total.ok = true;
    total.cpu_ms += one.cpu_ms;
    total.rss_bytes += one.rss_bytes;
    if (members) members->push_back(pid);
    for (pid_t child : children_of(pid, one.threads)) roots.push_back(child);
  }
  return total;
}

void RunProcesses::signal(int signum, const IsLeader& is_leader) const {
  if (group > 0) ::kill(-group, signum);
  for (pid_t pid : find(is_leader)) ::kill(pid, signum);
}

}  // namespace pm
