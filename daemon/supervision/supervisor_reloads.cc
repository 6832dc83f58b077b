// Supervisor's reloads: which instances a `pm reload` replaces, app by app,
// and running the plan one RollingReload after the other.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/user_error.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

bool Supervisor::reloading(const std::string& name) const {
  return std::any_of(reloads_.begin(), reloads_.end(), [&](const auto& reload) {
    return !reload->finished() && reload->app() == name;
  });
}

void Supervisor::abort_reloads(const std::vector<int>& ids, const std::string& reason) {
  for (auto& reload : reloads_) {
    App* app = find_app(reload->app());
    if (!app) continue;
    for (const auto& instance : app->instances())
      if (std::find(ids.begin(), ids.end(), instance->id()) != ids.end()) {
        reload->abort(reason);
        break;
      }
  }
  reconcile_call_.request();  // forgets the aborted reloads
}

ReloadPlan Supervisor::plan_reload(const std::vector<int>& ids) const {
  ReloadPlan plan;
  for (const auto& app : apps_) {
    std::vector<int> mine;
    for (const auto& instance : app->instances())
      if (std::find(ids.begin(), ids.end(), instance->id()) != ids.end())
        mine.push_back(instance->id());
    if (!mine.empty()) plan.apps.emplace_back(app->spec().name, std::move(mine));
  }
  return plan;
}

void Supervisor::reload(ReloadPlan plan, std::function<void(const json&)> progress,
                        std::function<void(std::string)> done) {
  for (const auto& [name, ids] : plan.apps)
    if (reloading(name))
      throw UserError("a reload of " + name + " is already running; wait for it to finish");
  reload_next(std::make_shared<ReloadPlan>(std::move(plan)), 0, std::move(progress),
              std::move(done));
}

void Supervisor::reload_next(std::shared_ptr<ReloadPlan> plan, std::size_t index,
                             std::function<void(const json&)> progress,
                             std::function<void(std::string)> done) {
  if (index >= plan->apps.size()) {
    done("");
    return;
  }
  const auto& [name, ids] = plan->apps[index];
  App* app = find_app(name);
  if (!app) {
    reload_next(plan, index + 1, progress, done);
    return;
  }
  if (plan->env) {
    AppSpec spec = app->spec();
    spec.env = *plan->env;
    app->set_spec(std::move(spec));
  }
  auto app_progress = [progress, name = name](const json& step) {
    json message = step;
    message["app"] = name;
    progress(message);
  };
  auto reload =
      std::make_unique<RollingReload>(*this, name, ids, plan->parallel, app_progress,
                                      [this, plan, index, progress, done](std::string error) {
                                        if (!error.empty()) {
                                          done(error);
                                          return;
                                        }
                                        reload_next(plan, index + 1, progress, done);
                                      });
  RollingReload* started = reload.get();
  reloads_.push_back(std::move(reload));
  started->start();
  reconcile_call_.request();  // it may be finished already
}

}  // namespace pm
