#include "daemon/supervisor.h"

#include <spdlog/spdlog.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/command_line.h"

namespace pm {

namespace {

/// Runs `done` once `count` callbacks made by `arm()` have all run.
class Countdown {
 public:
  static std::function<void()> make(std::size_t count, std::function<void()> done) {
    if (count == 0) {
      done();
      return nullptr;
    }
    auto left = std::make_shared<std::size_t>(count);
    return [left, done = std::move(done)] {
      if (--*left == 0) done();
    };
  }
};

bool is_number(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

App& Supervisor::start(AppSpec spec) {
  if (find_app(spec.name))
    throw UserError("an app named \"" + spec.name + "\" already exists; use `pm restart " +
                    spec.name + "` or pick another --name");
  spec.argv = resolve_argv(spec);
  int count = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));

  auto app = std::make_unique<App>();
  app->spec = std::make_shared<const AppSpec>(std::move(spec));
  for (int index = 0; index < count; ++index)
    app->instances.push_back(std::make_unique<Instance>(context_, next_id_++, index, app->spec));
  spdlog::info("app {}: starting {} instance(s) of {}", app->spec->name, count, app->spec->argv[0]);
  for (auto& instance : app->instances) instance->start();
  apps_.push_back(std::move(app));
  return *apps_.back();
}

std::vector<int> Supervisor::select(const std::vector<std::string>& targets) const {
  std::set<int> ids;
  for (const auto& target : targets) {
    if (target == "all") {
      auto all = all_ids();
      ids.insert(all.begin(), all.end());
      continue;
    }
    if (App* app = find_app(target)) {
      for (const auto& instance : app->instances) ids.insert(instance->id());
      continue;
    }
    if (is_number(target) && find(std::stoi(target))) {
      ids.insert(std::stoi(target));
      continue;
    }
    if (is_number(target))
      throw UserError("no instance with id " + target + " (" + known_names() + ")");
    throw UserError("no app named \"" + target + "\" (" + known_names() + ")");
  }
  return {ids.begin(), ids.end()};
}

std::string Supervisor::known_names() const {
  if (apps_.empty()) return "no apps are running; start one with `pm start`";
  std::string names = "known: ";
  for (std::size_t i = 0; i < apps_.size(); ++i) {
    if (i) names += ", ";
    names += apps_[i]->spec->name;
  }
  return names;
}

App* Supervisor::find_app(const std::string& name) const {
  for (const auto& app : apps_)
    if (app->spec->name == name) return app.get();
  return nullptr;
}

Instance* Supervisor::find(int id) const {
  for (const auto& app : apps_)
    for (const auto& instance : app->instances)
      if (instance->id() == id) return instance.get();
  return nullptr;
}

std::vector<int> Supervisor::all_ids() const {
  std::vector<int> ids;
  for (const auto& app : apps_)
    for (const auto& instance : app->instances) ids.push_back(instance->id());
  return ids;
}

const char* Supervisor::mode(const App& app) {
  return app.instances.size() > 1 ? "cluster" : "fork";
}

void Supervisor::stop(const std::vector<int>& ids, Done done) {
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    if (Instance* instance = find(id))
      instance->stop(one_done);
    else
      one_done();
  }
}

void Supervisor::restart(const std::vector<int>& ids, Done done) {
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    Instance* instance = find(id);
    if (!instance) {
      one_done();
      continue;
    }
    instance->stop([this, id, one_done] {
      if (Instance* stopped = find(id)) {
        stopped->count_restart();
        stopped->start();
      }
      one_done();
    });
  }
}

void Supervisor::remove(const std::vector<int>& ids, Done done) {
  auto one_done = Countdown::make(ids.size(), std::move(done));
  for (int id : ids) {
    Instance* instance = find(id);
    if (!instance) {
      one_done();
      continue;
    }
    instance->stop([this, id, one_done] {
      for (auto app = apps_.begin(); app != apps_.end(); ++app) {
        auto& instances = (*app)->instances;
        auto it = std::find_if(instances.begin(), instances.end(),
                               [id](const auto& candidate) { return candidate->id() == id; });
        if (it == instances.end()) continue;
        instances.erase(it);
        if (instances.empty()) {
          spdlog::info("app {}: deleted", (*app)->spec->name);
          apps_.erase(app);
        }
        break;
      }
      one_done();
    });
  }
}

}  // namespace pm
