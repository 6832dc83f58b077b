#include "daemon/daemon.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/user_error.h"
#include "daemon/metrics/metrics_text.h"
#include "daemon/supervision/run_cgroup.h"
#include "daemon/takeover.h"
#include "daemon/uv/close_and_delete.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

namespace {

/// A file installed beside pmd (build tree) or in ../lib/pm.
std::string find_installed(const std::string& name) {
  std::string dir = self_exe_dir();
  if (dir.empty()) return "";
  for (const std::string& candidate : {dir + "/" + name, dir + "/../lib/pm/" + name}) {
    char resolved[4096];
    if (::realpath(candidate.c_str(), resolved) && ::access(resolved, R_OK) == 0) return resolved;
  }
  return "";
}

}  // namespace

Daemon::Daemon(uv_loop_t* loop, Paths paths) : loop_(loop), paths_(std::move(paths)) {}

Daemon::~Daemon() {
  server_.reset();
  handler_.reset();
  supervisor_.reset();
  context_.reset();
  reaper_.reset();
  for (auto* signal : signals_) close_and_delete(signal);
  // The lock stays held until the process is gone: `pm kill` waits on it.
  if (lock_fd_ >= 0) ::unlink(paths_.daemon_pid().c_str());
}

void Daemon::watch_signals() {
  watch_signal(SIGTERM, [](uv_signal_t* handle, int) {
    static_cast<Daemon*>(handle->data)->shutdown(nullptr);
  });
  watch_signal(SIGINT, [](uv_signal_t* handle, int) {
    static_cast<Daemon*>(handle->data)->shutdown(nullptr);
  });
  watch_signal(SIGUSR2,
               [](uv_signal_t* handle, int) { static_cast<Daemon*>(handle->data)->reload_all(); });
  watch_signal(SIGUSR1, [](uv_signal_t*, int) {
    spdlog::info("SIGUSR1 ignored (SIGUSR2 reloads every app, SIGHUP reopens the logs)");
  });
  watch_signal(SIGHUP, [](uv_signal_t* handle, int) {
    spdlog::info("SIGHUP: reopening log files");
    static_cast<Daemon*>(handle->data)->supervisor_->reopen_logs();
  });
}

void Daemon::open(const json* takeover) {
  if (takeover) {
    // Still held: the lock's fd was kept open across exec.
    lock_fd_ = takeover->value("lock_fd", -1);
    ::fcntl(lock_fd_, F_SETFD, FD_CLOEXEC);
  } else {
    lock_fd_ = ::open(paths_.daemon_lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  }
  if (lock_fd_ < 0)
    throw std::runtime_error("cannot open " + paths_.daemon_lock() + ": " + std::strerror(errno));
  if (!takeover && ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("another pmd is already running for " + paths_.home);
  }

  // Orphaned grandchildren of an app are re-parented to pmd, so none of
  // them escapes a stop and none lingers as a zombie.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  // Before the reaper: this waits for a probe child of its own.
  std::string cgroup_base = find_cgroup_base(paths_.home);
  if (cgroup_base.empty())
    spdlog::info("no cgroup for runs: their processes are tracked by PM_RUN_ID");
  else
    spdlog::info("each run gets a cgroup under {}", cgroup_base);
  reaper_ = std::make_unique<ChildReaper>(loop_);
  adopted_runs_ = std::make_unique<AdoptedRuns>(loop_, *reaper_);
  context_ = std::make_unique<InstanceContext>(
      InstanceContext{loop_, *reaper_, bus_, log_files_, paths_, find_installed("libpm_preload.so"),
                      find_installed("node_graceful_close.js"), "", cgroup_base,
                      enable_cgroup_memory(cgroup_base), adopted_runs_.get(), nullptr});
  if (context_->preload_library.empty())
    spdlog::warn("preload library not found: programs that bind their own port cannot share it");
  supervisor_ = std::make_unique<Supervisor>(*context_);
  open_notify_socket(takeover);
  handler_ = std::make_unique<CommandHandler>(
      loop_, *supervisor_, bus_, paths_,
      [this](std::function<void()> done) { shutdown(std::move(done)); },
      [this](std::shared_ptr<ClientConnection> client) { return hand_over(std::move(client)); });
  server_ = std::make_unique<ControlServer>(
      loop_, [this](const json& request, std::shared_ptr<ClientConnection> client) {
        handler_->handle(request, std::move(client));
      });
  open_metrics();
  if (container_mode_)
    container_ = std::make_unique<ContainerRun>(loop_, bus_, *supervisor_, container_json_,
                                                [this] { shutdown(nullptr); });
  if (takeover) {
    supervisor_->adopt_state(*takeover);
    reaper_->reap();  // children that exited while pmd was being replaced
  }
  if (takeover && takeover->value("control_fd", -1) >= 0)
    server_->adopt(takeover->value("control_fd", -1), paths_.socket());
  else
    server_->listen(paths_.socket());

  std::string pid = std::to_string(::getpid()) + "\n";
  int fd = ::open(paths_.daemon_pid().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, pid.data(), pid.size());
    (void)ignored;
    ::close(fd);
  }

  watch_signals();
  spdlog::info("pmd {} started (pid {}, home {})", PM_VERSION, ::getpid(), paths_.home);
}

void Daemon::open_notify_socket(const json* takeover) {
  auto ready = [this](pid_t sender) { supervisor_->process_ready(sender, "sd_notify READY=1"); };
  std::string path = paths_.notify_dir() + "/notify.sock";
  if (takeover && takeover->value("notify_fd", -1) >= 0)
    notify_ = std::make_unique<NotifySocket>(loop_, path, takeover->value("notify_fd", -1), ready);
  else
    notify_ = std::make_unique<NotifySocket>(loop_, path, ready);
  context_->notify_path = notify_->path();
}

void Daemon::open_metrics() {
  const char* address = std::getenv("PM_METRICS");
  if (!address || !*address) return;
  // A metrics address pmd cannot take must not cost the apps their
  // supervisor: say why in pmd.log and go on without.
  try {
    metrics_ = std::make_unique<MetricsEndpoint>(
        loop_, [this] { return metrics_text(*supervisor_); },
        [this] { return all_ready(*supervisor_); });
    ListenAddress listen = MetricsEndpoint::parse_address(address);
    metrics_->listen(listen);
    listen.port = metrics_->port();
    spdlog::info("metrics at http://{}/metrics", listen.display());
  } catch (const std::exception& error) {
    metrics_.reset();
    spdlog::error("PM_METRICS={}: {}; no metrics are served", address, error.what());
  }
}

void Daemon::watch_signal(int signum, void (*handler)(uv_signal_t*, int)) {
  auto* signal = new uv_signal_t;
  uv_signal_init(loop_, signal);
  signal->data = this;
  uv_signal_start(signal, handler, signum);
  signals_.push_back(signal);
}

void Daemon::reload_all() {
  // The classic cluster gesture: `kill -USR2 <primary>` replaces the workers
  // one at a time.
  spdlog::info("SIGUSR2: reloading every app");
  try {
    supervisor_->reload(
        supervisor_->plan_reload(supervisor_->all_ids()),
        [](const json& step) {
          spdlog::info("reload {}[{}]: {}", step.value("app", ""), step.value("id", -1),
                       step.value("message", ""));
        },
        [](std::string error) {
          if (error.empty())
            spdlog::info("SIGUSR2: every app reloaded");
          else
            spdlog::error("SIGUSR2: {}", error);
        });
  } catch (const UserError& error) {
    spdlog::warn("SIGUSR2: {}", error.what());
  }
}

std::string Daemon::hand_over(std::shared_ptr<ClientConnection> client) {
  // The container's image is the release: a new pmd comes with a new image.
  if (container_) return "pm update is not for `pm run`: build and deploy a new image instead";
  json state;
  try {
    state = supervisor_->export_state();
  } catch (const UserError& error) {
    return error.what();
  }
  std::string binary = self_exe();
  if (binary.empty()) return "cannot find the pmd binary";
  // Replaced on disk by the install: run what is at the path now.
  const std::string deleted = " (deleted)";
  if (binary.size() > deleted.size() &&
      binary.compare(binary.size() - deleted.size(), deleted.size(), deleted) == 0)
    binary.erase(binary.size() - deleted.size());
  state["lock_fd"] = lock_fd_;
  // Commands sent while the new image starts wait in the socket's queue.
  state["control_fd"] = inherit_fd(server_->fd());
  state["notify_fd"] = inherit_fd(notify_->fd());
  ::fcntl(lock_fd_, F_SETFD, 0);
  spdlog::info("pm update: handing over to {}", binary);
  client->reply_now(ok_reply({{"pid", ::getpid()}}));
  std::string error = exec_successor(paths_, binary, state);
  ::fcntl(lock_fd_, F_SETFD, FD_CLOEXEC);
  spdlog::error("pm update: {}; this pmd goes on", error);
  return error;
}

void Daemon::run(bool resurrect, bool took_over) {
  bool recovered = !took_over && handler_->recover_at_start();
  if (resurrect && !recovered) handler_->resurrect_at_start();
  notify_service_manager();
  uv_run(loop_, UV_RUN_DEFAULT);
}

void Daemon::notify_service_manager() {
  // Under systemd (Type=notify): say we serve, so units ordered after us wait.
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (!socket_path || !*socket_path) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::size_t length = std::strlen(socket_path);
  if (length >= sizeof address.sun_path) return;
  std::memcpy(address.sun_path, socket_path, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  std::string message = "READY=1\nMAINPID=" + std::to_string(::getpid());
  ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address),
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length));
  ::close(fd);
  // Not for the apps: each instance gets a NOTIFY_SOCKET of its own.
  ::unsetenv("NOTIFY_SOCKET");
}

void Daemon::shutdown(std::function<void()> apps_stopped) {
  if (shutting_down_) {
    if (apps_stopped) apps_stopped();
    return;
  }
  shutting_down_ = true;
  if (container_) container_->observe();
  spdlog::info("shutting down: stopping every app");
  supervisor_->remove(supervisor_->all_ids(), [this, apps_stopped] {
    spdlog::info("every app stopped; pmd exits");
    supervisor_->forget_journal();
    // Empty now that every run has ended: a clean exit leaves no cgroup.
    if (!context_->cgroup_base.empty()) ::rmdir(context_->cgroup_base.c_str());
    if (apps_stopped) apps_stopped();
    server_->close();
    notify_.reset();
    metrics_.reset();
    for (auto* signal : signals_) uv_signal_stop(signal);
  });
}

}  // namespace pm
