#pragma once
// Instance: one slot of an app, running one child process at a time. It
// spawns the child, restarts it after a crash (RestartPolicy), stops it
// gracefully (RunStop), and owns the child's log sinks. Its states and what
// moves between them are listed in instance.cc.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "daemon/logs/log_sink.h"
#include "daemon/sockets/listener_set.h"
#include "daemon/sockets/readiness_probe.h"
#include "daemon/supervision/child_channels.h"
#include "daemon/supervision/instance_context.h"
#include "daemon/supervision/process_stats.h"
#include "daemon/supervision/restart_policy.h"
#include "daemon/supervision/run_stop.h"
#include "daemon/uv/timer.h"

namespace pm {

enum class InstanceState { Launching, Online, Stopping, Stopped, WaitingRestart, Errored };

const char* state_name(InstanceState state);

/// What a running process uses; zeros when none runs.
struct ProcessUsage {
  double cpu_percent = 0;  // of one CPU
  std::uint64_t memory_bytes = 0;
};

/// Owned by its App in the Supervisor. Never destroyed while Stopping.
class Instance {
 public:
  /// `adopted`, from export_state() of the previous pmd (`pm update`), takes
  /// over a child that already runs instead of starting one later.
  Instance(InstanceContext& context, int id, int index, std::shared_ptr<const AppSpec> spec,
           ListenerSet& listeners, const nlohmann::json* adopted = nullptr);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  /// Spawns the child now (from stopped or errored; also clears the crash
  /// loop state). Does nothing while one runs.
  void start();
  /// Stops the child gracefully: Stopping until no process of its run is
  /// left, wherever it went (see RunStop), then Stopped. An online instance
  /// whose clients another instance can take drains first: new connections
  /// are steered away, and the stop signal waits until its accept queue is
  /// empty (or nothing was taken from it for kill_timeout). `leaving`: the app is stopped or
  /// deleted, not restarted; then the last instances drain too, and new
  /// connections are turned away (see Route::refuse) while they do.
  void stop(bool leaving = false);
  /// Stopping because its app is stopped or deleted.
  bool leaving() const { return state_ == InstanceState::Stopping && leaving_; }
  /// Counts a manual restart.
  void count_restart() { ++restarts_; }
  /// Counts a restart not seen as an exit (the pmd before this one died),
  /// saying why in place of the last exit.
  void count_restart(std::string why) {
    ++restarts_;
    last_exit_ = std::move(why);
  }
  /// Takes over the slot of `old` (a reload): its restart count, plus one.
  void succeed(const Instance& old);
  /// Delivers a message on the instance's channel; false when it has none.
  bool send_message(const nlohmann::json& message);
  /// Sends a Unix signal to the instance's process; false when none runs.
  bool signal(int signum);
  /// What a new pmd needs to take this instance over, with copies of its
  /// fds that survive exec.
  nlohmann::json export_state() const;
  /// The process said it serves (`via` says how): launching becomes online.
  void mark_ready(const char* via);
  /// `pm reset`: restart counters back to zero.
  void reset_counters();
  /// The environment the child gets ("KEY=value").
  std::vector<std::string> child_env() const;
  /// Resident memory of every process of the run, 0 when none runs.
  std::uint64_t memory() const;

  /// The processes of the current run (the leader is 0 once it exited).
  const RunProcesses& run() const { return run_; }
  /// When the leader started, in clock ticks since boot (0 when none runs).
  std::uint64_t start_ticks() const { return pid_ > 0 ? start_ticks_ : 0; }
  int id() const { return id_; }
  int index() const { return index_; }
  const AppSpec& spec() const { return *spec_; }
  InstanceState state() const { return state_; }
  /// Ready, and not stopping: new connections may be steered to it.
  bool accepting() const { return state_ == InstanceState::Online && pid_ > 0; }
  /// A process runs and has said it serves (or listen_timeout passed).
  bool ready() const { return accepting(); }
  /// The status PM2 users read: its process runs and pmd no longer waits
  /// for an explicit ready signal (--wait-ready) before counting it.
  const char* status() const;
  /// Not accepting yet, but will be: its socket's queue waits for it.
  bool on_its_way() const {
    return state_ == InstanceState::Launching || state_ == InstanceState::WaitingRestart;
  }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  /// With --wait-ready: no ready signal came within listen_timeout.
  bool ready_timed_out() const { return ready_timed_out_; }
  const std::string& last_error() const { return last_error_; }
  const std::string& last_exit() const { return last_exit_; }

  int restarts() const { return restarts_; }
  int unstable_restarts() const { return policy_.unstable_restarts(); }
  /// When the slot was first created, wall clock ms (kept across reloads).
  std::int64_t created_at() const { return created_at_; }
  /// How long the running process has been up, 0 when none runs.
  std::uint64_t uptime_ms() const;
  /// The CPU use of every process of the run since the last call, and
  /// their memory: an app behind `sh -c` or `npm start` counts whole.
  ProcessUsage usage();
  /// CPU time so far and memory of the run's processes (see sample_run),
  /// for the metrics: a reading that changes nothing.
  ProcessSample resources() const { return sample_run(); }
  /// The source port of the readiness probe in flight, or 0.
  std::uint16_t probe_port() const { return probe_ ? probe_->source_port() : 0; }
  /// How the child got its socket; empty when it has not taken one.
  const std::string& socket_via() const {
    return channels_ ? channels_->socket_via() : socket_via_;
  }
  const std::string& ready_via() const { return ready_via_; }
  const std::string& notify_path() const { return context_.notify_path; }
  /// How pmd finds every process of the running child, for `pm describe`.
  std::string tracked_by() const;
  /// The last exits, newest last: {at, pid, exit, uptime_ms, stopped}.
  const nlohmann::json& history() const { return history_; }
  LogSink& out_log() { return out_; }
  LogSink& err_log() { return err_; }

 private:
  void spawn();
  /// CPU time and memory summed over the run's processes. The tree is
  /// walked again at most once a second; in between, the processes found
  /// last time are read (a `pm list` at 1,000 instances stays quick).
  ProcessSample sample_run() const;
  void on_ready_timeout();
  void check_drain();
  /// For a --listen program that may never say it is ready: a probe
  /// connection steered to its socket, ready once accepted (see
  /// ReadinessProbe).
  void start_probe();
  void check_probe();
  void end_probe();
  /// The graceful stop proper: the stop signal, message or disconnect.
  void signal_stop();
  int share_socket(const ListenAddress& address, std::string& error);
  void set_state(InstanceState state);
  void notify_changed();
  ChildChannels::Events channel_events();
  void adopt(const nlohmann::json& state);
  void on_exit(int wait_status);
  void after_crash(int wait_status, std::uint64_t uptime_ms);

  InstanceContext& context_;
  int id_;
  int index_;  // position within the app: NODE_APP_INSTANCE
  std::shared_ptr<const AppSpec> spec_;
  ListenerSet& listeners_;
  InstanceState state_ = InstanceState::Stopped;
  pid_t pid_ = 0;
  RunProcesses run_;  // kept after the leader exits, until none is left
  std::uint64_t start_ticks_ = 0;
  mutable std::vector<pid_t> members_;  // of run members_run_, found at members_at_
  mutable std::string members_run_;
  mutable std::uint64_t members_at_ = 0;
  int restarts_ = 0;
  std::uint64_t started_ms_ = 0;  // monotonic
  std::int64_t created_at_ = 0;   // wall clock, ms
  std::string last_exit_;         // "code 1", "SIGKILL"
  std::string last_error_;
  RestartPolicy policy_;
  CpuMeter cpu_;
  LogSink out_;
  LogSink err_;
  std::unique_ptr<ChildChannels> channels_;  // of the running process
  std::string socket_via_;                   // how the last child got its socket
  std::string ready_via_;                    // which signal made it ready
  bool ready_timed_out_ = false;
  Timer ready_timer_;
  Timer restart_timer_;
  Timer drain_timer_;
  std::unique_ptr<ReadinessProbe> probe_;
  bool probe_connected_ = false;
  Timer probe_timer_;
  std::uint64_t drain_started_ms_ = 0;
  /// When the drain last saw its queue empty or shorter, and its length then.
  std::uint64_t drain_progress_ms_ = 0;
  int drain_queued_ = 0;
  bool leaving_ = false;
  /// Half-open when the drain began (deferred accepts): they land in this
  /// instance's queue once they speak, so the drain waits for them.
  std::set<std::string> drain_half_open_;
  bool half_open_pending_ = false;  // drain_half_open_ is yet to be read
  std::uint64_t half_open_checked_ms_ = 0;
  static constexpr std::uint64_t kDrainPollMs = 10;
  static constexpr std::uint64_t kProbePollMs = 10;
  static constexpr std::uint64_t kDrainSettleMs = 100;
  static constexpr std::uint64_t kHalfOpenPollMs = 100;
  /// Whether a connection half-open at the drain's start may not be in the
  /// queue yet.
  bool half_open_left();
  RunStop run_stop_;
  nlohmann::json history_ = nlohmann::json::array();  // the last exits, newest last
};

}  // namespace pm
