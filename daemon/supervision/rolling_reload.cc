#include "daemon/supervision/rolling_reload.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/logs/log_tail.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

RollingReload::RollingReload(Supervisor& supervisor, std::string app, std::vector<int> ids,
                             int parallel, std::function<void(const json&)> progress,
                             std::function<void(std::string)> done)
    : supervisor_(supervisor),
      app_(std::move(app)),
      queue_(std::move(ids)),
      parallel_(std::max(1, parallel)),
      progress_(std::move(progress)),
      done_(std::move(done)) {
  std::reverse(queue_.begin(), queue_.end());  // taken from the back, in id order
}

App* RollingReload::find_app() const {
  return supervisor_.find_app(app_);
}

void RollingReload::start() {
  spdlog::info("app {}: rolling reload of {} instance(s)", app_, queue_.size());
  App* app = find_app();
  if (!app) return finish("app \"" + app_ + "\" was deleted during the reload");
  launch(*app);
}

void RollingReload::launch(App& app) {
  while (static_cast<int>(starting_.size() + stopping_old_.size()) < parallel_ && !queue_.empty()) {
    int id = queue_.back();
    queue_.pop_back();
    Instance* old = app.find(id);
    if (!old) continue;
    if (!old->running()) {
      // Nothing serves in this slot: starting it is the whole reload.
      old->count_restart();
      old->start();
      progress_({{"type", "progress"}, {"id", id}, {"message", "was not running; started"}});
      continue;
    }
    Instance& replacement = app.add_replacement(*old);
    starting_.push_back(&replacement);
    progress_({{"type", "progress"},
               {"id", id},
               {"message", "starting a replacement for pid " + std::to_string(old->pid())}});
    replacement.start();
  }
  if (starting_.empty() && stopping_old_.empty() && queue_.empty()) finish("");
}

void RollingReload::check() {
  if (finished_) return;
  App* app = find_app();
  if (!app) return finish("app \"" + app_ + "\" was deleted during the reload");
  stopping_old_.erase(
      std::remove_if(stopping_old_.begin(), stopping_old_.end(),
                     [](const Instance* old) { return old->state() != InstanceState::Stopping; }),
      stopping_old_.end());
  check_replacements(*app);
  if (!finished_) launch(*app);
}

void RollingReload::check_replacements(App& app) {
  // A copy: swapping and failing change starting_.
  auto replacements = starting_;
  for (Instance* fresh : replacements) {
    if (finished_) return;
    InstanceState state = fresh->state();
    if (state == InstanceState::Online) {
      swap_in(app, *fresh);
    } else if (state == InstanceState::Launching && fresh->ready_timed_out()) {
      fail(app, *fresh, fresh->last_error());
    } else if (state != InstanceState::Launching) {
      std::string why = fresh->last_exit().empty()
                            ? fresh->last_error()  // it never ran
                            : "exited (" + fresh->last_exit() + ") before it was ready";
      if (!fresh->last_exit().empty() && !fresh->last_error().empty())
        why += ": " + fresh->last_error();
      fail(app, *fresh, why);
    }
  }
}

void RollingReload::swap_in(App& app, Instance& replacement) {
  starting_.erase(std::find(starting_.begin(), starting_.end(), &replacement));
  Instance* old = app.swap_in(replacement);
  if (!old) return;
  // One that had already exited has stopped at once, and is deleted at the
  // end of this pass.
  if (old->state() == InstanceState::Stopping) stopping_old_.push_back(old);
  progress_({{"type", "progress"},
             {"id", replacement.id()},
             {"message", "pid " + std::to_string(replacement.pid()) + " is ready; stopping pid " +
                             std::to_string(old->pid())}});
}

void RollingReload::fail(App& app, Instance& replacement, const std::string& why) {
  std::string message = "instance " + std::to_string(replacement.id()) + ": the replacement " + why;
  auto stderr_tail = last_lines(replacement.err_log().file().path(), 5);
  if (!stderr_tail.empty()) {
    message += "\nlast lines of its stderr:";
    for (const auto& line : stderr_tail) message += "\n    " + line;
  }
  app.set_reload_error(message);
  spdlog::error("app {}: reload aborted: {}", app_, message);
  abort("reload of " + app_ + " aborted; the old instances keep serving. " + message);
}

void RollingReload::abort(const std::string& reason) {
  if (finished_) return;
  if (App* app = find_app())
    for (Instance* fresh : starting_) app->retire_replacement(*fresh);
  starting_.clear();
  stopping_old_.clear();
  queue_.clear();
  finish(reason);
}

void RollingReload::finish(const std::string& error) {
  if (finished_) return;
  finished_ = true;
  if (error.empty()) {
    if (App* app = find_app()) app->set_reload_error("");
    spdlog::info("app {}: reload done", app_);
  }
  auto done = std::move(done_);
  done_ = nullptr;
  progress_ = [](const json&) {};
  if (done) done(error);
}

}  // namespace pm
