#include "daemon/supervision/state_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/user_error.h"

namespace pm {

using json = nlohmann::json;

namespace {

constexpr int kDumpVersion = 1;

/// The apps of a dump file, or a reason it has none.
bool read_dump(const std::string& path, json& apps, std::string& problem) {
  std::ifstream in(path);
  if (!in) {
    problem = path + " does not exist";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  json document = json::parse(text.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("apps") ||
      !document["apps"].is_array()) {
    problem = path + " is corrupt";
    return false;
  }
  apps = document["apps"];
  return true;
}

void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw UserError("cannot write " + path + ": " + std::strerror(error) +
                      "; the previous saved list is untouched");
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

StateStore::StateStore(Paths paths) : paths_(std::move(paths)) {
  ::unlink((path() + ".tmp").c_str());
  ::unlink((path() + ".bak.tmp").c_str());
}

void StateStore::save(const json& apps) const {
  std::string target = path();
  std::string temp = target + ".tmp";
  std::string data = json{{"version", kDumpVersion}, {"apps", apps}}.dump(2) + "\n";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw UserError("cannot write " + temp + ": " + std::strerror(errno));
  write_all(fd, data, temp);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    throw UserError("cannot write " + temp + ": " + std::strerror(errno));
  }
  // Keep the previous list as .bak without ever leaving dump.json missing.
  std::string backup = target + ".bak";
  if (::access(target.c_str(), F_OK) == 0) {
    std::string backup_temp = backup + ".tmp";
    ::unlink(backup_temp.c_str());
    if (::link(target.c_str(), backup_temp.c_str()) == 0)
      ::rename(backup_temp.c_str(), backup.c_str());
  }
  if (::rename(temp.c_str(), target.c_str()) != 0)
    throw UserError("cannot replace " + target + ": " + std::strerror(errno));
  int dir = ::open(paths_.home.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

json StateStore::load(std::vector<std::string>& warnings) const {
  json apps;
  std::string problem, backup_problem;
  if (read_dump(path(), apps, problem)) return apps;
  if (read_dump(path() + ".bak", apps, backup_problem)) {
    warnings.push_back(problem + "; using the previous list, " + path() + ".bak");
    return apps;
  }
  if (problem.find("does not exist") != std::string::npos &&
      backup_problem.find("does not exist") != std::string::npos)
    throw UserError("no saved process list (" + path() + "); run `pm save` first");
  throw UserError(problem + " and " + backup_problem + "; nothing to resurrect");
}

void StateStore::clear() const {
  ::unlink(path().c_str());
  ::unlink((path() + ".bak").c_str());
}

}  // namespace pm
