#pragma once
// TestChild: a real child process for one test, started with pmd's own
// spawn_process, and its whole process group killed and reaped at the end.

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "daemon/supervision/process_spawn.h"

/// What to run: argv[0] a full path, with PATH passed on; stdout and stderr
/// go to the test's stderr unless the test says otherwise.
inline pm::SpawnOptions child_options(std::vector<std::string> argv) {
  pm::SpawnOptions options;
  options.argv = std::move(argv);
  const char* path = std::getenv("PATH");
  options.env.push_back(std::string("PATH=") + (path ? path : "/usr/bin:/bin"));
  options.stdout_fd = 2;
  options.stderr_fd = 2;
  return options;
}

/// `script` run by /bin/sh.
inline pm::SpawnOptions shell_options(const std::string& script) {
  return child_options({"/bin/sh", "-c", script});
}

/// Owned by one test case.
class TestChild {
 public:
  explicit TestChild(const pm::SpawnOptions& options) : pid_(pm::spawn_process(options)) {}
  ~TestChild() {
    // spawn_process made the child a group leader: this ends its pipelines too.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  TestChild(const TestChild&) = delete;
  TestChild& operator=(const TestChild&) = delete;

 private:
  pid_t pid_;
};
