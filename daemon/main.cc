// pmd: the pm daemon. Started by `pm` (detached) or by a service manager;
// runs in the foreground until `pm kill` or SIGTERM.

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "common/paths.h"
#include "daemon/daemon.h"
#include "daemon/supervision/process_spawn.h"
#include "daemon/takeover.h"

namespace {

/// Signals whose default action ends the process, and that something
/// other than pmd's own bugs may send: pmd must not die of them and orphan
/// every app. SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 have handlers
/// (Daemon::open); children get every disposition back at spawn.
void ignore_stray_signals() {
  for (int signum :
       {SIGPIPE, SIGALRM, SIGIO, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ, SIGSTKFLT, SIGPWR, SIGQUIT})
    std::signal(signum, SIG_IGN);
  for (int signum = SIGRTMIN; signum <= SIGRTMAX; ++signum) std::signal(signum, SIG_IGN);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0 || std::strcmp(argv[1], "-v") == 0)) {
    std::printf("%s\n", PM_VERSION);
    return 0;
  }
  bool resurrect = argc == 2 && std::strcmp(argv[1], "--resurrect") == 0;
  const char* takeover = argc == 3 && std::strcmp(argv[1], "--takeover") == 0 ? argv[2] : nullptr;
  bool container = argc >= 2 && std::strcmp(argv[1], "--run") == 0 &&
                   (argc == 2 || (argc == 3 && std::strcmp(argv[2], "--json") == 0));
  if (argc > 1 && !resurrect && !takeover && !container) {
    std::fprintf(stderr,
                 "usage: pmd [--resurrect | --run [--json] | --version]\n"
                 "pmd is started by `pm` (or by systemd, see `pm startup`); it reads PM_HOME\n"
                 "(default ~/.pm). --resurrect starts the apps saved with `pm save`; --run\n"
                 "is what `pm run` execs (output on stdout, exit when the apps stop).\n");
    return 2;
  }
  ignore_stray_signals();
  pm::raise_fd_limit();
  pm::Paths paths = pm::Paths::from_environment();
  try {
    pm::ensure_private_dir(paths.home);
    pm::ensure_private_dir(paths.log_dir());
    pm::ensure_private_dir(paths.notify_dir());
    auto logger = spdlog::basic_logger_st("pmd", paths.daemon_log());
    // Under `pm run` pmd's own lines also go to stderr: the container's log.
    if (container) logger->sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "pmd: %s\n", error.what());
    return 1;
  }
  if (::chdir("/") != 0) return 1;

  uv_loop_t loop;
  uv_loop_init(&loop);
  int status = 0;
  {
    pm::Daemon daemon(&loop, paths);
    if (container) daemon.run_in_container(argc == 3);
    try {
      if (takeover) {
        pm::json state = pm::read_takeover_state(takeover);
        daemon.open(&state);
      } else {
        daemon.open();
      }
      daemon.run(resurrect, takeover != nullptr);
      status = daemon.exit_code();
    } catch (const std::exception& error) {
      spdlog::error("{}", error.what());
      std::fprintf(stderr, "pmd: %s\n", error.what());
      status = 1;
    }
  }
  // Let libuv finish closing every handle before the loop goes away.
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  spdlog::shutdown();
  return status;
}
