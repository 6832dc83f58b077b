#include "daemon/control/start_progress.h"

#include <algorithm>

#include "daemon/logs/log_tail.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

StartProgress StartProgress::of(const Supervisor& supervisor, const std::vector<std::string>& names,
                                const std::vector<int>& only, bool out_of_time) {
  StartProgress progress;
  for (const auto& name : names) {
    App* app = supervisor.find_app(name);
    if (!app) {
      progress.missing_app = name;
      return progress;
    }
    for (const auto& instance : app->instances()) {
      if (!only.empty() && std::find(only.begin(), only.end(), instance->id()) == only.end())
        continue;
      std::string log_error = instance->out_log().file().error();
      if (log_error.empty()) log_error = instance->err_log().file().error();
      if (log_error.empty() && instance->out_log().combined())
        log_error = instance->out_log().combined()->error();
      if (!log_error.empty())
        progress.log_problems.push_back(
            {{field::kId, instance->id()}, {field::kProblem, log_error}});
      InstanceState state = instance->state();
      std::string problem;
      if (state == InstanceState::Online || state == InstanceState::Stopping) continue;
      if (state == InstanceState::Launching && !instance->ready_timed_out()) {
        // Still starting when the wait is over is not a failure: `pm list`
        // shows it launching until it is ready.
        if (!out_of_time) progress.pending = true;
        continue;
      }
      if (state == InstanceState::Launching) {
        problem = instance->last_error();
      } else if (state == InstanceState::Stopped && instance->last_exit() == "code 0") {
        continue;  // a job that ran to completion
      } else if (instance->last_exit().empty()) {
        problem = instance->last_error();  // it never ran
      } else {
        problem = "exited (" + instance->last_exit() + ") before it was ready";
        if (!instance->last_error().empty()) problem += ": " + instance->last_error();
      }
      progress.problems.push_back(
          {{field::kId, instance->id()},
           {field::kProblem, problem},
           {field::kStderr, last_lines(instance->err_log().file().path(), 5)}});
    }
    if (progress.listen_error.empty()) progress.listen_error = app->listeners().last_error();
    if (!app->start_warning().empty()) progress.warnings.push_back(app->start_warning());
  }
  return progress;
}

std::uint64_t StartProgress::wait_ms(const Supervisor& supervisor,
                                     const std::vector<std::string>& names) {
  // Long enough to catch a port that cannot be had or an instant crash, and
  // to see a typical server become ready; --wait-ready waits for its signal.
  constexpr std::uint64_t kStartWaitMs = 1000;
  std::uint64_t wait = 0;
  for (const auto& name : names) {
    App* app = supervisor.find_app(name);
    if (!app) continue;
    auto timeout = static_cast<std::uint64_t>(app->spec().listen_timeout_ms);
    wait = std::max(wait,
                    app->spec().wait_ready ? timeout + 500 : std::min(timeout, kStartWaitMs) + 100);
  }
  return wait;
}

}  // namespace pm
