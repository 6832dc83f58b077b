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

RollingReload::~RollingReload() {
  *alive_ = false;
}

App* RollingReload::find_app() const {
  return supervisor_.find_app(app_);
}

void RollingReload::start() {
  spdlog::info("app {}: rolling reload of {} instance(s)", app_, queue_.size());
  launch();
}

void RollingReload::launch() {
  App* app = find_app();
  if (!app) return finish("app \"" + app_ + "\" was deleted during the reload");
  while (!finished_ && static_cast<int>(active_.size()) + stopping_old_ < parallel_ &&
         !queue_.empty()) {
    int id = queue_.back();
    queue_.pop_back();
    Instance* old = supervisor_.find(id);
    if (!old) continue;
    if (!old->running()) {
      // Nothing serves in this slot: starting it is the whole reload.
      old->count_restart();
      old->start();
      progress_({{"type", "progress"}, {"id", id}, {"message", "was not running; started"}});
      continue;
    }
    auto replacement = std::make_unique<Instance>(supervisor_.context(), id, old->index(),
                                                  app->spec, app->listeners);
    replacement->succeed(*old);
    Instance* raw = replacement.get();
    app->incoming.push_back(std::move(replacement));
    active_.push_back({id, raw});
    progress_({{"type", "progress"},
               {"id", id},
               {"message", "starting a replacement for pid " + std::to_string(old->pid())}});
    raw->start();
  }
  if (!finished_ && active_.empty() && stopping_old_ == 0 && queue_.empty()) finish("");
  // A replacement may be ready at once (listen_timeout 0).
  if (!finished_) check();
}

void RollingReload::check() {
  if (finished_) return;
  App* app = find_app();
  if (!app) return finish("app \"" + app_ + "\" was deleted during the reload");
  // Copy: swapping and failing change active_.
  auto slots = active_;
  for (const Slot& slot : slots) {
    if (finished_) return;
    Instance& fresh = *slot.replacement;
    InstanceState state = fresh.state();
    if (state == InstanceState::Online) {
      swap_in(*app, slot);
    } else if (state == InstanceState::Launching && fresh.ready_timed_out()) {
      fail(*app, slot, fresh.last_error());
    } else if (state != InstanceState::Launching) {
      std::string why = "exited (" + fresh.last_exit() + ") before it was ready";
      if (!fresh.last_error().empty()) why += ": " + fresh.last_error();
      fail(*app, slot, why);
    }
  }
}

void RollingReload::swap_in(App& app, const Slot& slot) {
  active_.erase(std::find_if(active_.begin(), active_.end(),
                             [&](const Slot& s) { return s.replacement == slot.replacement; }));
  auto incoming = std::find_if(app.incoming.begin(), app.incoming.end(),
                               [&](const auto& i) { return i.get() == slot.replacement; });
  auto current = std::find_if(app.instances.begin(), app.instances.end(),
                              [&](const auto& i) { return i->id() == slot.id; });
  if (incoming == app.incoming.end() || current == app.instances.end()) return;
  std::unique_ptr<Instance> old = std::move(*current);
  *current = std::move(*incoming);
  app.incoming.erase(incoming);
  pid_t old_pid = old->pid();
  progress_({{"type", "progress"},
             {"id", slot.id},
             {"message", "pid " + std::to_string((*current)->pid()) + " is ready; stopping pid " +
                             std::to_string(old_pid)}});
  Instance* retiring = old.get();
  app.retiring.push_back(std::move(old));
  ++stopping_old_;
  std::string name = app_;
  Supervisor& supervisor = supervisor_;
  std::shared_ptr<bool> alive = alive_;
  retiring->stop([this, &supervisor, retiring, name, alive] {
    if (App* owner = supervisor.find_app(name)) {
      auto& list = owner->retiring;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const auto& i) { return i.get() == retiring; }),
                 list.end());
    }
    if (!*alive) return;
    --stopping_old_;
    launch();
  });
}

void RollingReload::fail(App& app, const Slot& slot, const std::string& why) {
  std::string message = "instance " + std::to_string(slot.id) + ": the replacement " + why;
  auto stderr_tail = last_lines(slot.replacement->err_log().file().path(), 5);
  if (!stderr_tail.empty()) {
    message += "\nlast lines of its stderr:";
    for (const auto& line : stderr_tail) message += "\n    " + line;
  }
  app.reload_error = message;
  spdlog::error("app {}: reload aborted: {}", app_, message);
  abort("reload of " + app_ + " aborted; the old instances keep serving. " + message);
}

void RollingReload::abort(const std::string& reason) {
  if (finished_) return;
  App* app = find_app();
  if (app) {
    for (const Slot& slot : active_) {
      Instance* fresh = slot.replacement;
      std::string name = app_;
      Supervisor& supervisor = supervisor_;
      fresh->stop([&supervisor, fresh, name] {
        if (App* owner = supervisor.find_app(name)) {
          auto& list = owner->incoming;
          list.erase(std::remove_if(list.begin(), list.end(),
                                    [&](const auto& i) { return i.get() == fresh; }),
                     list.end());
        }
      });
    }
  }
  active_.clear();
  queue_.clear();
  finish(reason);
}

void RollingReload::finish(const std::string& error) {
  if (finished_) return;
  finished_ = true;
  if (error.empty()) {
    if (App* app = find_app()) app->reload_error.clear();
    spdlog::info("app {}: reload done", app_);
  }
  auto done = std::move(done_);
  done_ = nullptr;
  progress_ = [](const json&) {};
  if (done) done(error);
}

}  // namespace pm
