#include "daemon/supervision/journal.h"

#include <dirent.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/signal_names.h"
#include "daemon/supervision/process_stats.h"
#include "daemon/supervision/run_cgroup.h"
#include "daemon/supervision/run_processes.h"

namespace pm {

using json = nlohmann::json;

namespace {

/// Every process there is, by pid.
std::vector<pid_t> all_processes() {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");
  if (!dir) return pids;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9')
      pids.push_back(static_cast<pid_t>(std::atoi(entry->d_name)));
  ::closedir(dir);
  return pids;
}

/// Gone, or a zombie only its new parent has to reap.
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren == std::string::npos || (paren + 2 < text.size() && text[paren + 2] == 'Z');
}

}  // namespace

void Journal::record(const json& state) {
  std::string data = state.dump();
  if (data == last_) return;
  std::string temp = path_ + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << data;
    if (!out) {
      spdlog::error("cannot write {}: {}", temp, std::strerror(errno));
      return;
    }
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0) {
    spdlog::error("cannot replace {}: {}", path_, std::strerror(errno));
    return;
  }
  last_ = std::move(data);
}

void Journal::remove() {
  ::unlink(path_.c_str());
  ::unlink((path_ + ".tmp").c_str());
  last_.clear();
}

json Journal::read_left_behind(std::string& problem) const {
  ::unlink((path_ + ".tmp").c_str());
  std::ifstream in(path_);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  json journal = json::parse(text.str(), nullptr, false);
  if (journal.is_discarded() || !journal.is_object() || !journal.contains("apps") ||
      !journal["apps"].is_array() || !journal.contains("runs") || !journal["runs"].is_array()) {
    problem = path_ + " is unreadable";
    return nullptr;
  }
  return journal;
}

std::size_t Journal::end_runs(const std::vector<JournalRun>& runs, int grace_ms) {
  std::map<std::string, int> signal_of_run;
  std::map<pid_t, int> targets;
  for (const auto& run : runs) {
    int signum = signal_number(run.kill_signal);
    if (signum <= 0) signum = SIGTERM;
    if (!run.run_id.empty()) signal_of_run[run.run_id] = signum;
    // A recorded pid is the same process only if it started when it did.
    if (run.pid > 0 && sample_process(run.pid).start_ticks == run.start_ticks)
      targets[run.pid] = signum;
    for (pid_t member : cgroup_members(run.cgroup)) targets[member] = signum;
  }
  // Whatever carries a recorded run id, wherever it was re-parented to.
  pid_t self = ::getpid();
  for (pid_t pid : all_processes()) {
    if (pid == self || targets.count(pid)) continue;
    auto run = signal_of_run.find(run_id_of(pid));
    if (run != signal_of_run.end()) targets[pid] = run->second;
  }
  // And their descendants, which may have cleared their environment.
  std::vector<pid_t> roots;
  for (const auto& [pid, signum] : targets) roots.push_back(pid);
  std::set<pid_t> seen;
  while (!roots.empty()) {
    pid_t pid = roots.back();
    roots.pop_back();
    if (!seen.insert(pid).second) continue;
    for (pid_t child : children_of(pid)) {
      targets.emplace(child, targets[pid]);
      roots.push_back(child);
    }
  }
  for (const auto& [pid, signum] : targets) ::kill(pid, signum);
  auto left = [&] {
    for (const auto& [pid, signum] : targets)
      if (!gone(pid)) return true;
    return false;
  };
  for (int waited = 0; left() && waited < grace_ms; waited += 10) ::usleep(10000);
  if (left()) {
    for (const auto& run : runs) kill_cgroup(run.cgroup);
    for (const auto& [pid, signum] : targets) ::kill(pid, SIGKILL);
    for (int waited = 0; left() && waited < 2000; waited += 10) ::usleep(10000);
  }
  for (const auto& run : runs)
    if (!run.cgroup.empty()) ::rmdir(run.cgroup.c_str());
  return targets.size();
}

}  // namespace pm
