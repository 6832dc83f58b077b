#include "daemon/supervision/scheduled_reloads.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "common/cron_schedule.h"
#include "common/user_error.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

ScheduledReloads::ScheduledReloads(Supervisor& supervisor, uv_loop_t* loop, std::string home)
    : supervisor_(supervisor), loop_(loop), home_(std::move(home)), memory_timer_(loop) {
  // Watching memory must not keep pmd alive on its own.
  memory_timer_.unref();
}

void ScheduledReloads::schedule_cron(App& app) {
  if (app.spec().cron_restart.empty()) {
    app.cron_timer().stop();
    return;
  }
  std::time_t now = std::time(nullptr);
  std::time_t next = CronSchedule::parse(app.spec().cron_restart).next_after(now);
  std::string name = app.spec().name;
  app.cron_timer().start(static_cast<std::uint64_t>(next - now) * 1000, [this, name] {
    App* due = supervisor_.find_app(name);
    if (!due) return;
    std::vector<int> ids;
    for (const auto& instance : due->instances()) ids.push_back(instance->id());
    reload(name, ids, "cron_restart \"" + due->spec().cron_restart + "\"");
    schedule_cron(*due);
  });
}

void ScheduledReloads::watch_files(App& app) {
  app.watch_timer().stop();
  app.file_watch().reset();
  const AppSpec& spec = app.spec();
  if (spec.watch.empty()) return;
  // As PM2: dependencies, version control and logs are not the app's code.
  std::vector<std::string> ignore = {"node_modules", ".git", "*.log", "*.log.[0-9]*"};
  ignore.insert(ignore.end(), spec.ignore_watch.begin(), spec.ignore_watch.end());
  std::string name = spec.name;
  auto watch = std::make_unique<TreeWatch>(
      loop_, ignore, [this, name](const std::string& path) { file_changed(name, path); });
  for (const auto& root : spec.watch) {
    std::string error;
    if (!watch->add(root, error)) spdlog::warn("app {}: cannot watch {}", name, error);
  }
  spdlog::info("app {}: watching {} director(ies) for changes", name, watch->handles());
  app.file_watch() = std::move(watch);
}

void ScheduledReloads::file_changed(const std::string& name, const std::string& path) {
  if (!home_.empty() && path.rfind(home_, 0) == 0) return;
  App* app = supervisor_.find_app(name);
  if (!app) return;
  // `pm stop` ends the watch: a change does not start a stopped app.
  const auto& instances = app->instances();
  if (std::none_of(instances.begin(), instances.end(), [](const auto& instance) {
        return instance->running() || instance->on_its_way();
      }))
    return;
  // A burst of changes (a checkout, a build) gives one reload, after it.
  app->watch_timer().start(static_cast<std::uint64_t>(app->spec().watch_delay_ms),
                           [this, name, path] {
                             App* changed = supervisor_.find_app(name);
                             if (!changed) return;
                             if (changed->reloading()) return file_changed(name, path);
                             std::vector<int> ids;
                             for (const auto& instance : changed->instances())
                               ids.push_back(instance->id());
                             reload(name, ids, "a change to " + path);
                           });
}

void ScheduledReloads::update() {
  const auto& apps = supervisor_.apps();
  bool wanted = std::any_of(apps.begin(), apps.end(),
                            [](const auto& app) { return app->spec().max_memory_restart > 0; });
  // Every second, not every 30 s as PM2: a leak is caught before it hurts.
  if (wanted && !memory_timer_.active())
    memory_timer_.start(
        1000, [this] { check_memory(); }, 1000);
  else if (!wanted)
    memory_timer_.stop();
}

void ScheduledReloads::check_memory() {
  for (const auto& app : supervisor_.apps()) {
    std::int64_t limit = app->spec().max_memory_restart;
    if (limit <= 0) continue;
    if (stop_past_ceiling(*app)) continue;
    if (supervisor_.reloading(app->spec().name)) continue;
    for (const auto& instance : app->instances()) {
      if (instance->state() != InstanceState::Online) continue;
      std::uint64_t used = instance->memory();
      if (used <= static_cast<std::uint64_t>(limit)) continue;
      reload(app->spec().name, {instance->id()},
             "memory " + std::to_string(used >> 20) + " MB over max_memory_restart " +
                 std::to_string(limit >> 20) + " MB");
      break;  // one at a time: the reload keeps the others serving
    }
  }
}

bool ScheduledReloads::stop_past_ceiling(const App& app) {
  // A fast leak cannot wait the seconds a replacement takes to be ready.
  std::uint64_t ceiling = 2 * static_cast<std::uint64_t>(app.spec().max_memory_restart);
  std::vector<int> over;
  for (const auto& instance : app.instances()) {
    if (!instance->running() || instance->state() == InstanceState::Stopping) continue;
    std::uint64_t used = instance->memory();
    if (used <= ceiling) continue;
    spdlog::warn(
        "{}[{}]: memory {} MB over twice max_memory_restart ({} MB): restarting it "
        "now, without waiting for a replacement",
        app.spec().name, instance->id(), used >> 20, ceiling >> 20);
    over.push_back(instance->id());
  }
  if (over.empty()) return false;
  supervisor_.restart(over, [] {});
  return true;
}

void ScheduledReloads::reload(const std::string& name, std::vector<int> ids,
                              const std::string& why) {
  spdlog::info("app {}: reloading instance(s) for {}", name, why);
  ReloadPlan plan;
  plan.apps.emplace_back(name, std::move(ids));
  try {
    supervisor_.reload(
        std::move(plan),
        [](const json& step) {
          spdlog::info("reload {}[{}]: {}", step.value("app", ""), step.value("id", -1),
                       step.value("message", ""));
        },
        [name](std::string error) {
          if (!error.empty()) spdlog::error("app {}: {}", name, error);
        });
  } catch (const UserError& error) {
    spdlog::warn("app {}: {}", name, error.what());
  }
}

}  // namespace pm
